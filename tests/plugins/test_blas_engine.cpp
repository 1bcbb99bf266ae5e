// SPDX-License-Identifier: Apache-2.0
// Engine-level tests of the blas plugin (plugins/blas/sgemm_engine.hpp): argument checks and
// results of the OpenBLAS call against a naive product.
#include <gtest/gtest.h>

#include <random>

#include "sgemm_engine.hpp"
#include "naive_sgemm.hpp"

namespace {

using vaccel::blas::SgemmArgs;

using Case = vaccel::test::SgemmCase;

std::vector<float> random_matrix(size_t count, std::mt19937 &rng)
{
	std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
	std::vector<float> v(count);
	for (auto &x : v)
		x = dist(rng);
	return v;
}

class SgemmEngineCases : public ::testing::TestWithParam<Case> {};

TEST_P(SgemmEngineCases, MatchesNaiveProduct)
{
	const Case c = GetParam();
	std::mt19937 rng(1234);
	auto a = random_matrix(static_cast<size_t>(c.m * c.lda), rng);
	auto b = random_matrix(static_cast<size_t>(c.k * c.ldb), rng);
	auto out = random_matrix(static_cast<size_t>(c.m * c.ldc), rng);
	auto ref = out;
	vaccel::test::naive_sgemm(c.m, c.n, c.k, c.alpha, a.data(), c.lda, b.data(), c.ldb, c.beta, ref.data(), c.ldc);
	const SgemmArgs args{c.m, c.n, c.k, c.alpha, a.data(), c.lda, b.data(), c.ldb, c.beta, out.data(), c.ldc};
	ASSERT_EQ(vaccel::blas::validate_sgemm(args), "");
	vaccel::blas::run_sgemm(args);
	const float tol = 1e-4F * static_cast<float>(c.k + 1) * (std::abs(c.alpha) + 1.0F);
	for (int64_t i = 0; i < c.m; ++i)
		for (int64_t j = 0; j < c.ldc; ++j) {
			const size_t at = static_cast<size_t>(i * c.ldc + j);
			// Columns past n are padding: sgemm must leave them untouched.
			ASSERT_NEAR(out[at], ref[at], j < c.n ? tol : 0.0F) << "row " << i << " col " << j;
		}
}

INSTANTIATE_TEST_SUITE_P(Shapes, SgemmEngineCases,
			 ::testing::Values(Case{1, 1, 1, 1, 1, 1, 1.0F, 0.0F},        // scalar
					   Case{16, 16, 16, 16, 16, 16, 1.0F, 0.0F},  // square, plain product
					   Case{37, 19, 23, 23, 19, 19, 1.5F, -0.5F}, // non-square, alpha/beta
					   Case{8, 50, 3, 5, 64, 70, -2.0F, 3.0F},    // padded leading dims
					   Case{64, 1, 129, 130, 1, 2, 0.5F, 1.0F},   // matrix-vector shape
					   Case{5, 6, 0, 1, 6, 6, 1.0F, 2.0F}),       // k = 0: C = beta * C
			 vaccel::test::sgemm_case_name);

TEST(SgemmEngine, RejectsInconsistentArguments)
{
	float a[16] = {}, b[16] = {}, c[16] = {};
	auto base = SgemmArgs{2, 2, 2, 1.0F, a, 2, b, 2, 0.0F, c, 2};
	EXPECT_EQ(vaccel::blas::validate_sgemm(base), "");
	auto bad = [&](auto mutate) {
		SgemmArgs x = base;
		mutate(x);
		return !vaccel::blas::validate_sgemm(x).empty();
	};
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.m = -1; }));
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.k = -3; }));
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.lda = 1; })); // lda < k
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.ldb = 1; })); // ldb < n
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.ldc = 1; })); // ldc < n
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.a = nullptr; }));
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.b = nullptr; }));
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.c = nullptr; }));
	EXPECT_TRUE(bad([](SgemmArgs &x) { x.n = int64_t{1} << 40; })); // beyond 32-bit BLAS ints
	// Empty output: nothing is read or written, so NULL matrices are fine.
	EXPECT_FALSE(bad([](SgemmArgs &x) {
		x.m = 0;
		x.a = x.b = nullptr;
		x.c = nullptr;
	}));
}

} // namespace
