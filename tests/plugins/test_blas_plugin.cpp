// SPDX-License-Identifier: Apache-2.0
// The blas plugin through vaccel_sgemm(): results against a naive product on random matrices
// (non-square, padded leading dimensions, alpha/beta not 1/0) and error codes for bad sizes.
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>

#include <vaccel.h>

#include <random>

#include "naive_sgemm.hpp"
#include "test_models.hpp"

namespace {

class BlasPluginEnv : public ::testing::Environment {
public:
	void SetUp() override
	{
		// The plugin built with this test ($VACCEL_TEST_PLUGIN_BLAS overrides it).
		std::string path = vaccel::test::env_or_empty("VACCEL_TEST_PLUGIN_BLAS");
		if (path.empty())
			path = VACCEL_TEST_PLUGIN_PATH;
		const int ret = vaccel_plugin_load(path.c_str());
		// A failed global environment makes GoogleTest skip every test, which CTest reports as
		// "skipped" rather than failed: exit instead, so a plugin that cannot load fails the run.
		if (ret != VACCEL_OK && ret != VACCEL_EEXIST) {
			std::fprintf(stderr, "FATAL: loading %s failed: %d\n", path.c_str(), ret);
			std::exit(EXIT_FAILURE);
		}
	}
};
const auto *const g_env = ::testing::AddGlobalTestEnvironment(new BlasPluginEnv);

struct Session {
	vaccel_session s{};
	int status;
	Session() : status(vaccel_session_init(&s, VACCEL_PLUGIN_CPU)) { EXPECT_EQ(status, VACCEL_OK); }
	~Session()
	{
		if (status == VACCEL_OK)
			vaccel_session_release(&s);
	}
};

using Case = vaccel::test::SgemmCase;

class BlasPlugin : public ::testing::TestWithParam<Case> {};

TEST_P(BlasPlugin, SgemmMatchesNaiveProduct)
{
	const Case c = GetParam();
	std::mt19937 rng(static_cast<unsigned>(c.m * 31 + c.n * 7 + c.k));
	std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
	auto fill = [&](size_t count) {
		std::vector<float> v(count);
		for (auto &x : v)
			x = dist(rng);
		return v;
	};
	auto a = fill(static_cast<size_t>(c.m * c.lda));
	auto b = fill(static_cast<size_t>(c.k * c.ldb));
	auto out = fill(static_cast<size_t>(c.m * c.ldc));
	auto ref = out;
	vaccel::test::naive_sgemm(c.m, c.n, c.k, c.alpha, a.data(), c.lda, b.data(), c.ldb, c.beta, ref.data(), c.ldc);
	Session s;
	ASSERT_EQ(
		vaccel_sgemm(&s.s, c.m, c.n, c.k, c.alpha, a.data(), c.lda, b.data(), c.ldb, c.beta, out.data(), c.ldc),
		VACCEL_OK);
	const float tol = 2e-5F * static_cast<float>(c.k + 1) * (std::abs(c.alpha) + 1.0F);
	for (int64_t i = 0; i < c.m; ++i)
		for (int64_t j = 0; j < c.ldc; ++j) {
			const size_t at = static_cast<size_t>(i * c.ldc + j);
			ASSERT_NEAR(out[at], ref[at], j < c.n ? tol : 0.0F) << "row " << i << " col " << j;
		}
}

INSTANTIATE_TEST_SUITE_P(Shapes, BlasPlugin,
			 ::testing::Values(Case{64, 64, 64, 64, 64, 64, 1.0F, 0.0F},
					   Case{100, 37, 61, 61, 37, 37, 0.75F, -1.25F},
					   Case{33, 130, 17, 20, 140, 131, -1.0F, 2.0F},
					   Case{257, 3, 300, 301, 3, 5, 2.5F, 0.5F}),
			 vaccel::test::sgemm_case_name);

TEST(BlasPluginErrors, InconsistentSizesAreInvalid)
{
	Session s;
	std::vector<float> a(16, 1.0F), b(16, 1.0F), c(16, 0.0F);
	EXPECT_EQ(vaccel_sgemm(&s.s, 4, 4, 4, 1, a.data(), 2, b.data(), 4, 0, c.data(), 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&s.s, 4, 4, 4, 1, a.data(), 4, b.data(), 3, 0, c.data(), 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&s.s, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&s.s, -4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&s.s, 4, 4, 4, 1, nullptr, 4, b.data(), 4, 0, c.data(), 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&s.s, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, nullptr, 4), VACCEL_EINVAL);
	// Nothing was written by the rejected calls.
	for (float x : c)
		EXPECT_EQ(x, 0.0F);
}

} // namespace
