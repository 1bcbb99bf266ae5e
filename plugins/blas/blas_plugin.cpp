// SPDX-License-Identifier: Apache-2.0
// vAccel plugin "blas": BLAS_SGEMM on OpenBLAS (row-major cblas_sgemm, reference vaccel_sgemm
// semantics).  The arithmetic lives in sgemm_engine.cpp; this file is the C ABI boundary, where
// every argument is checked; the op runs behind the plugin kit's boundary (boundary.hpp), so no
// exception escapes.
#include <vaccel.h>

#include "boundary.hpp"
#include "sgemm_engine.hpp"

namespace {

namespace vp = vaccel::plugin;
constexpr char kName[] = "blas";

int blas_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda,
	       float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
	if (sess == nullptr) {
		vaccel_error("[blas] sgemm: session is NULL");
		return VACCEL_EINVAL;
	}
	const vaccel::blas::SgemmArgs args{m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
	if (auto problem = vaccel::blas::validate_sgemm(args); !problem.empty()) {
		vaccel_error("[blas] sgemm: invalid arguments: %s", problem.c_str());
		return VACCEL_EINVAL;
	}
	vaccel::blas::run_sgemm(args);
	return VACCEL_OK;
}

struct vaccel_op ops[] = {
	VACCEL_OP_INIT(ops[0], VACCEL_OP_BLAS_SGEMM, (vp::at_boundary<kName, VACCEL_OP_BLAS_SGEMM, blas_sgemm>)),
};

int init() noexcept
{
	const int threads = vaccel::blas::configure_threads_from_env();
	if (threads < 0)
		vaccel_warn("[blas] ignoring VACCEL_BLAS_THREADS: not a positive integer");
	else
		vaccel_debug("[blas] OpenBLAS uses %d thread(s)", threads);
	return vaccel_plugin_register_ops(ops, sizeof(ops) / sizeof(ops[0]));
}

int fini() noexcept
{
	return VACCEL_OK;
}

} // namespace

extern "C" {
VACCEL_PLUGIN(.name = "blas", .version = "0.1.0", .vaccel_version = VACCEL_VERSION, .init = init, .fini = fini,
	      .is_virtio = false, .type = VACCEL_PLUGIN_CPU)
}
