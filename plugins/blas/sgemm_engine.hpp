// SPDX-License-Identifier: Apache-2.0
// OpenBLAS-backed single-precision GEMM with the exact semantics of the reference vaccel_sgemm:
//   C = alpha * A * B + beta * C, row-major, no transposes,
//   A is m x k (leading dimension lda), B is k x n (ldb), C is m x n (ldc).
// Kept free of vAccel types so it can be unit-tested and benchmarked on its own.
#pragma once

#include <cstdint>
#include <string>

namespace vaccel::blas {

struct SgemmArgs {
	int64_t m = 0;
	int64_t n = 0;
	int64_t k = 0;
	float alpha = 1.0F;
	const float *a = nullptr;
	int64_t lda = 0;
	const float *b = nullptr;
	int64_t ldb = 0;
	float beta = 0.0F;
	float *c = nullptr;
	int64_t ldc = 0;
};

// Returns an empty string when the arguments describe a valid row-major GEMM that OpenBLAS can
// take (its integers are 32-bit), else a one-line reason suitable for a log message.
std::string validate_sgemm(const SgemmArgs &args);

// Runs the product.  Precondition: validate_sgemm(args) returned "".
void run_sgemm(const SgemmArgs &args);

// Applies VACCEL_BLAS_THREADS (a positive integer) to OpenBLAS when it is set; otherwise leaves
// OpenBLAS on its own default.  Returns the thread count OpenBLAS reports afterwards.
int configure_threads_from_env();

} // namespace vaccel::blas
