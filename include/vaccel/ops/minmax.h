/* SPDX-License-Identifier: Apache-2.0 */
/* Deprecated min/max demo operation. */
#ifndef VACCEL_OPS_MINMAX_H
#define VACCEL_OPS_MINMAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

int vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata, int low_threshold, int high_threshold,
		  double *outdata, double *min, double *max) __attribute__((deprecated));

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_MINMAX_H */
