// SPDX-License-Identifier: Apache-2.0
// Reference product for the sgemm tests of the blas and torch plugins.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>

namespace vaccel::test {

// Plain triple loop: the reference for sgemm tests (row-major, C = alpha*A*B + beta*C).
inline void naive_sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b,
			int64_t ldb, float beta, float *c, int64_t ldc)
{
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < n; ++j) {
			double acc = 0.0;
			for (int64_t p = 0; p < k; ++p)
				acc += static_cast<double>(a[i * lda + p]) * b[p * ldb + j];
			c[i * ldc + j] = static_cast<float>(alpha * acc + beta * c[i * ldc + j]);
		}
}

// One sgemm test case (row-major sizes, leading dimensions, alpha/beta), shared by the engine and
// plugin tests of the blas plugin.
struct SgemmCase {
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta;
};

// Readable values in test listings (ctest shows them); found by gtest through ADL.
[[maybe_unused]] inline void PrintTo(const SgemmCase &c, std::ostream *os)
{
	*os << "alpha=" << c.alpha << " beta=" << c.beta;
}

// Readable test names: m<m>n<n>k<k>_ld<lda>x<ldb>x<ldc>.
inline std::string sgemm_case_name(const ::testing::TestParamInfo<SgemmCase> &info)
{
	const SgemmCase &c = info.param;
	return "m" + std::to_string(c.m) + "n" + std::to_string(c.n) + "k" + std::to_string(c.k) + "_ld" +
	       std::to_string(c.lda) + "x" + std::to_string(c.ldb) + "x" + std::to_string(c.ldc);
}

} // namespace vaccel::test
