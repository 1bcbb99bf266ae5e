/* SPDX-License-Identifier: Apache-2.0 */
/* Shared driver of sgemm and sgemm_generic:
 *   <prog> [iterations] [out_file]
 * C = 1.0 * A * B + 0.0 * C with 512 x 512 row-major float matrices filled
 * with a fixed pattern. Prints the time per call, a checksum of C and the
 * largest error against a plain C computation of 16 sampled entries (a
 * real BLAS plugin gives ~1e-5; the noop plugin leaves C at zero). With
 * out_file, C is written there as text, one value per line. */
#ifndef VACCEL_EXAMPLES_SGEMM_EXAMPLE_H
#define VACCEL_EXAMPLES_SGEMM_EXAMPLE_H

#include "common.h"

#include <math.h>
#include <stdbool.h>

#define SGEMM_DIM 512

static inline void sgemm_fill(float *a, float *b, float *c, int64_t m, int64_t n, int64_t k)
{
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < k; j++)
			a[i * k + j] = (float)((i * 3 + j * 5) % 17) / 17.0f - 0.5f;
	for (int64_t i = 0; i < k; i++)
		for (int64_t j = 0; j < n; j++)
			b[i * n + j] = (float)((i * 7 + j * 2) % 13) / 13.0f - 0.5f;
	memset(c, 0, (size_t)(m * n) * sizeof(float));
}

/* Largest |C[i][j] - sum_p A[i][p] * B[p][j]| over 16 spread-out entries. */
static inline double sgemm_sample_error(const float *a, const float *b, const float *c, int64_t m, int64_t n, int64_t k)
{
	double worst = 0.0;
	for (int s = 0; s < 16; s++) {
		int64_t i = (s * 37) % m;
		int64_t j = (s * 91 + 5) % n;
		double expected = 0.0;
		for (int64_t p = 0; p < k; p++)
			expected += (double)a[i * k + p] * (double)b[p * n + j];
		double err = fabs(expected - (double)c[i * n + j]);
		if (err > worst)
			worst = err;
	}
	return worst;
}

static inline int sgemm_generic_call(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha,
				     float *a, int64_t lda, float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
	struct vaccel_arg_array read_args;
	struct vaccel_arg_array write_args;
	uint8_t op_code = VACCEL_OP_BLAS_SGEMM;
	int ret = vaccel_arg_array_init(&read_args, 11);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&write_args, 1);
	if (ret) {
		vaccel_arg_array_release(&read_args);
		return ret;
	}
	/* Layout: op, m, n, k, alpha, a, lda, b, ldb, beta, ldc -> c. */
	ret = vaccel_arg_array_add_uint8(&read_args, &op_code);
	if (!ret)
		ret = vaccel_arg_array_add_int64(&read_args, &m);
	if (!ret)
		ret = vaccel_arg_array_add_int64(&read_args, &n);
	if (!ret)
		ret = vaccel_arg_array_add_int64(&read_args, &k);
	if (!ret)
		ret = vaccel_arg_array_add_float(&read_args, &alpha);
	if (!ret)
		ret = vaccel_arg_array_add_float_array(&read_args, a, (size_t)(m * k));
	if (!ret)
		ret = vaccel_arg_array_add_int64(&read_args, &lda);
	if (!ret)
		ret = vaccel_arg_array_add_float_array(&read_args, b, (size_t)(k * n));
	if (!ret)
		ret = vaccel_arg_array_add_int64(&read_args, &ldb);
	if (!ret)
		ret = vaccel_arg_array_add_float(&read_args, &beta);
	if (!ret)
		ret = vaccel_arg_array_add_int64(&read_args, &ldc);
	if (!ret)
		ret = vaccel_arg_array_add_float_array(&write_args, c, (size_t)(m * n));
	if (ret)
		fprintf(stderr, "Could not build genop arguments: %s (%d)\n", strerror(ret), ret);
	else
		ret = vaccel_genop(sess, vaccel_arg_array_raw(&read_args), (int)vaccel_arg_array_count(&read_args),
				   vaccel_arg_array_raw(&write_args), (int)vaccel_arg_array_count(&write_args));
	vaccel_arg_array_release(&write_args);
	vaccel_arg_array_release(&read_args);
	return ret;
}

static inline int sgemm_write(const char *path, const float *c, size_t count)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "Could not open %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < count; i++)
		fprintf(f, "%.6f\n", (double)c[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "Could not write %s\n", path);
		return 1;
	}
	return 0;
}

static inline int run_sgemm_example(int argc, char **argv, bool generic)
{
	const int64_t m = SGEMM_DIM, n = SGEMM_DIM, k = SGEMM_DIM;
	const float alpha = 1.0f, beta = 0.0f;
	struct vaccel_session sess;
	long iterations = 1;
	int status = 1;
	uint64_t total_ns = 0;

	if (argc > 3) {
		fprintf(stderr, "Usage: %s [iterations] [out_file]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 1, &iterations))
		return 1;
	float *a = malloc((size_t)(m * k) * sizeof(float));
	float *b = malloc((size_t)(k * n) * sizeof(float));
	float *c = malloc((size_t)(m * n) * sizeof(float));
	if (!a || !b || !c) {
		fprintf(stderr, "Out of memory\n");
		goto free_matrices;
	}
	sgemm_fill(a, b, c, m, n, k);
	if (example_session_init(&sess, 0))
		goto free_matrices;

	for (long i = 0; i < iterations; i++) {
		uint64_t start = example_now_ns();
		int ret = generic ? sgemm_generic_call(&sess, m, n, k, alpha, a, k, b, n, beta, c, n)
				  : vaccel_sgemm(&sess, m, n, k, alpha, a, k, b, n, beta, c, n);
		total_ns += example_now_ns() - start;
		if (ret) {
			fprintf(stderr, "Could not run sgemm%s: %s (%d)\n", generic ? " (genop)" : "", strerror(ret),
				ret);
			goto release_session;
		}
	}

	double checksum = 0.0;
	for (int64_t i = 0; i < m * n; i++)
		checksum += (double)c[i];
	printf("sgemm %" PRId64 "x%" PRId64 "x%" PRId64 ": %ld iteration(s), %.3f ms per call\n", m, n, k, iterations,
	       (double)total_ns / 1e6 / (double)iterations);
	printf("C checksum: %.4f\n", checksum);
	printf("max sampled error: %.3g\n", sgemm_sample_error(a, b, c, m, n, k));
	if (argc > 2 && sgemm_write(argv[2], c, (size_t)(m * n)))
		goto release_session;
	status = 0;

release_session:
	example_session_release(&sess);
free_matrices:
	free(c);
	free(b);
	free(a);
	return status;
}

#endif /* VACCEL_EXAMPLES_SGEMM_EXAMPLE_H */
