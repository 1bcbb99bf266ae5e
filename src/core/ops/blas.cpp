// SPDX-License-Identifier: Apache-2.0
// vaccel_sgemm: C = alpha * A * B + beta * C (row-major).
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion sgemm_region("vaccel_sgemm_op");
}

int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda,
		 float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_sgemm";
	if (int ret = check_session(sess, what))
		return ret;
	if (a == nullptr || b == nullptr || c == nullptr)
		return invalid_arg(what, "matrix A, B or C is NULL");
	if (m <= 0 || n <= 0 || k <= 0) {
		vaccel_error("%s: sizes must be positive (m=%" PRId64 " n=%" PRId64 " k=%" PRId64 ")", what, m, n, k);
		return VACCEL_EINVAL;
	}
	if (lda < k || ldb < n || ldc < n) {
		vaccel_error("%s: leading dimensions too small (lda=%" PRId64 " ldb=%" PRId64 " ldc=%" PRId64 ")", what,
			     lda, ldb, ldc);
		return VACCEL_EINVAL;
	}
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing sgemm", sess->id);
	return call_plugin_op<decltype(vaccel_sgemm)>(sess, VACCEL_OP_BLAS_SGEMM, sgemm_region, m, n, k, alpha, a, lda,
						      b, ldb, beta, c, ldc);
	VACCEL_OPS_CATCH("vaccel_sgemm")
}
