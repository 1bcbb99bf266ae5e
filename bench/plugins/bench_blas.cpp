// SPDX-License-Identifier: Apache-2.0
// Blas plugin benchmark: sgemm GFLOP/s through vaccel_sgemm (blas plugin) against a direct
// cblas_sgemm call in the same process, interleaved, at 512^3 and 2048^3 (or sizes given).
//
// Usage: bench_blas [size...]   (default: 512 2048)
// Env: VACCEL_BENCH_PLUGIN_BLAS (plugin .so), OPENBLAS_NUM_THREADS / VACCEL_BLAS_THREADS
// (both paths share the one OpenBLAS in the process, so they always use the same threads).
#include <cblas.h>

#include <vaccel.h>

#include <random>

#include "bench_util.hpp"

namespace {

using vaccel::bench::now_ms;

void check(int ret, const char *what)
{
	if (ret != VACCEL_OK) {
		std::fprintf(stderr, "%s failed: %d\n", what, ret);
		std::exit(1);
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<int64_t> sizes;
	for (int i = 1; i < argc; ++i)
		sizes.push_back(std::atoll(argv[i]));
	if (sizes.empty())
		sizes = {512, 2048};
	const std::string so = vaccel::bench::env_or("VACCEL_BENCH_PLUGIN_BLAS", VACCEL_BENCH_PLUGIN_BLAS);
	check(vaccel_plugin_load(so.c_str()), "plugin load");
	vaccel_session sess{};
	check(vaccel_session_init(&sess, VACCEL_PLUGIN_CPU), "session init");
	std::printf("blas plugin benchmark:%s, %d thread(s)\n", OPENBLAS_VERSION, openblas_get_num_threads());

	std::mt19937 rng(42);
	std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
	for (const int64_t n : sizes) {
		std::vector<float> a(n * n), b(n * n), c(n * n);
		for (auto *v : {&a, &b, &c})
			for (auto &x : *v)
				x = dist(rng);
		const int runs = n <= 1024 ? 40 : 10;
		const double flop = 2.0 * static_cast<double>(n) * n * n;
		auto direct = [&] {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0F, a.data(), n, b.data(), n,
				    0.0F, c.data(), n);
		};
		auto plugin = [&] {
			check(vaccel_sgemm(&sess, n, n, n, 1.0F, a.data(), n, b.data(), n, 0.0F, c.data(), n),
			      "vaccel_sgemm");
		};
		for (int i = 0; i < 2; ++i) { // warm-up: thread pool start, page faults
			direct();
			plugin();
		}
		std::vector<double> d, p;
		for (int i = 0; i < runs; ++i) {
			const bool direct_first = i % 2 == 0;
			for (int turn = 0; turn < 2; ++turn) {
				const double t0 = now_ms();
				if ((turn == 0) == direct_first) {
					direct();
					d.push_back(now_ms() - t0);
				} else {
					plugin();
					p.push_back(now_ms() - t0);
				}
			}
		}
		const double gd = flop / (vaccel::bench::median(d) * 1e6);
		const double gp = flop / (vaccel::bench::median(p) * 1e6);
		std::printf("%lld^3: direct cblas_sgemm %.1f GFLOP/s (median %.2f ms), plugin %.1f GFLOP/s "
			    "(median %.2f ms), ratio plugin/direct %.3f  [%d runs each]\n",
			    static_cast<long long>(n), gd, vaccel::bench::median(d), gp, vaccel::bench::median(p),
			    gp / gd, runs);
		std::printf("%lld^3: best runs: direct %.2f ms, plugin %.2f ms, ratio plugin/direct %.3f\n",
			    static_cast<long long>(n), vaccel::bench::minimum(d), vaccel::bench::minimum(p),
			    vaccel::bench::minimum(d) / vaccel::bench::minimum(p));
	}
	vaccel_session_release(&sess);
	return 0;
}
