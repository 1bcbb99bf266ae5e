/* SPDX-License-Identifier: Apache-2.0 */
/* The no-op operation: exercises dispatch end to end. */
#ifndef VACCEL_OPS_NOOP_H
#define VACCEL_OPS_NOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Calls the session plugin's NOOP. VACCEL_EINVAL if sess is NULL,
 * VACCEL_ENOTSUP if the plugin lacks it. */
int vaccel_noop(struct vaccel_session *sess);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_NOOP_H */
