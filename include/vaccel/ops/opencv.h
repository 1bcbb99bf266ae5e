/* SPDX-License-Identifier: Apache-2.0 */
/* Generic OpenCV hook: args are passed to the plugin unchecked. */
#ifndef VACCEL_OPS_OPENCV_H
#define VACCEL_OPS_OPENCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hands the args to the session plugin's OPENCV op. VACCEL_EINVAL for a NULL
 * session or NULL args with a count, VACCEL_ENOTSUP if the plugin lacks it. */
int vaccel_opencv(struct vaccel_session *sess, struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
		  size_t nr_write);
/* vAccel 0.8 name and signature (int counts; negative is VACCEL_EINVAL). */
int vaccel_opencv_unpack(struct vaccel_session *sess, struct vaccel_arg *read, int nr_read, struct vaccel_arg *write,
			 int nr_write);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_OPENCV_H */
