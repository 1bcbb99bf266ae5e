// SPDX-License-Identifier: Apache-2.0
#include "sgemm_engine.hpp"

#include <cblas.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace vaccel::blas {
namespace {

// OpenBLAS in Debian is built with 32-bit blasint; anything larger would silently wrap.
bool fits_blasint(int64_t v)
{
	return v >= 0 && v <= static_cast<int64_t>(INT_MAX);
}

std::string describe(std::string_view what, int64_t value, std::string_view rule)
{
	return std::string(what) + " = " + std::to_string(value) + " " + std::string(rule);
}

} // namespace

std::string validate_sgemm(const SgemmArgs &args)
{
	if (args.m < 0 || args.n < 0 || args.k < 0)
		return "negative dimension (m=" + std::to_string(args.m) + ", n=" + std::to_string(args.n) +
		       ", k=" + std::to_string(args.k) + ")";
	for (auto [name, v] : {std::pair{"m", args.m},
			       {"n", args.n},
			       {"k", args.k},
			       {"lda", args.lda},
			       {"ldb", args.ldb},
			       {"ldc", args.ldc}})
		if (!fits_blasint(v))
			return describe(name, v, "does not fit OpenBLAS's 32-bit integers");
	// Row-major: a row of A holds k values, a row of B and of C holds n values.
	if (args.lda < std::max<int64_t>(1, args.k))
		return describe("lda", args.lda,
				"is smaller than max(1, k) = " + std::to_string(std::max<int64_t>(1, args.k)));
	if (args.ldb < std::max<int64_t>(1, args.n))
		return describe("ldb", args.ldb,
				"is smaller than max(1, n) = " + std::to_string(std::max<int64_t>(1, args.n)));
	if (args.ldc < std::max<int64_t>(1, args.n))
		return describe("ldc", args.ldc,
				"is smaller than max(1, n) = " + std::to_string(std::max<int64_t>(1, args.n)));
	const bool has_output = args.m > 0 && args.n > 0;
	const bool reads_inputs = has_output && args.k > 0;
	if (has_output && args.c == nullptr)
		return "C is NULL";
	if (reads_inputs && (args.a == nullptr || args.b == nullptr))
		return args.a == nullptr ? "A is NULL" : "B is NULL";
	return {};
}

void run_sgemm(const SgemmArgs &args)
{
	if (args.m == 0 || args.n == 0)
		return; // empty C: nothing to write (and cblas would reject some ld values)
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(args.m),
		    static_cast<blasint>(args.n), static_cast<blasint>(args.k), args.alpha, args.a,
		    static_cast<blasint>(args.lda), args.b, static_cast<blasint>(args.ldb), args.beta, args.c,
		    static_cast<blasint>(args.ldc));
}

int configure_threads_from_env()
{
	const char *env = std::getenv("VACCEL_BLAS_THREADS");
	if (env != nullptr && *env != '\0') {
		int n = 0;
		const char *end = env + std::strlen(env);
		auto [ptr, ec] = std::from_chars(env, end, n);
		if (ec == std::errc() && ptr == end && n > 0)
			openblas_set_num_threads(n);
		else
			return -1; // caller logs the bad value
	}
	return openblas_get_num_threads();
}

} // namespace vaccel::blas
