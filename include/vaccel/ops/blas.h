/* SPDX-License-Identifier: Apache-2.0 */
/* BLAS operations. */
#ifndef VACCEL_OPS_BLAS_H
#define VACCEL_OPS_BLAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* C = alpha * A(m x k) * B(k x n) + beta * C(m x n), row-major, with leading
 * dimensions lda >= k, ldb >= n, ldc >= n. VACCEL_EINVAL on NULL matrices,
 * non-positive sizes or leading dimensions too small. */
int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda,
		 float *b, int64_t ldb, float beta, float *c, int64_t ldc);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_BLAS_H */
