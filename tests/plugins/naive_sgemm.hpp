// Reference product for the sgemm tests of the blas and torch plugins.
#pragma once

#include <cstdint>

namespace vaccel::test {

// Plain triple loop: the reference for sgemm tests (row-major, C = alpha*A*B + beta*C).
inline void naive_sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
			const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < n; ++j) {
			double acc = 0.0;
			for (int64_t p = 0; p < k; ++p)
				acc += static_cast<double>(a[i * lda + p]) * b[p * ldb + j];
			c[i * ldc + j] = static_cast<float>(alpha * acc + beta * c[i * ldc + j]);
		}
}

}  // namespace vaccel::test
