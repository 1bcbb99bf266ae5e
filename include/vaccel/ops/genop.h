/* SPDX-License-Identifier: Apache-2.0 */
/* Generic operation: dispatch by an op code carried in the args. */
#ifndef VACCEL_OPS_GENOP_H
#define VACCEL_OPS_GENOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* read[0] is the op type as a UINT8 (or legacy RAW 1..4 byte) arg; the
 * remaining args follow the layout of that op (see docs/api.md). Unpacks
 * them, validates counts/types/sizes (VACCEL_EINVAL) and calls the typed op.
 * TF/TFLite/Torch ops are not reachable through genop (VACCEL_ENOTSUP). */
int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read, int nr_read, struct vaccel_arg *write,
		 int nr_write);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_GENOP_H */
