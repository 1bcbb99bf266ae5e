// SPDX-License-Identifier: Apache-2.0
// Torch model ops (model: a MODEL resource registered with the session, else
// VACCEL_EINVAL / VACCEL_EPERM) and the deprecated torch sgemm.
#include <cinttypes>

#include "op_common.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using namespace vaccel::ops;

namespace {
OpRegion load_region("vaccel_torch_model_load");
OpRegion run_region("vaccel_torch_model_run");
OpRegion sgemm_region("vaccel_torch_sgemm_op");
} // namespace

int vaccel_torch_model_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_torch_model_load";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing torch model load", sess->id);
	return call_plugin_op<decltype(vaccel_torch_model_load)>(sess, VACCEL_OP_TORCH_MODEL_LOAD, load_region, model);
	VACCEL_OPS_CATCH("vaccel_torch_model_load")
}

int vaccel_torch_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			   const struct vaccel_torch_buffer *run_options, struct vaccel_torch_tensor *const *in,
			   int nr_inputs, struct vaccel_torch_tensor **out, int nr_outputs)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_torch_model_run";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	if (int ret = check_tensor_list(what, "inputs", in, nr_inputs, true))
		return ret;
	if (int ret = check_tensor_list(what, "outputs", out, nr_outputs, false))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing torch model run", sess->id);
	return call_plugin_op<decltype(vaccel_torch_model_run)>(sess, VACCEL_OP_TORCH_MODEL_RUN, run_region, model,
								run_options, in, nr_inputs, out, nr_outputs);
	VACCEL_OPS_CATCH("vaccel_torch_model_run")
}

int vaccel_torch_sgemm(struct vaccel_session *sess, struct vaccel_torch_tensor **in_A,
		       struct vaccel_torch_tensor **in_B, struct vaccel_torch_tensor **in_C, int M, int N, int K,
		       struct vaccel_torch_tensor **out)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_torch_sgemm";
	if (int ret = check_session(sess, what))
		return ret;
	// in_C is accepted as NULL: the op computes out = A * B.
	if (in_A == nullptr || in_B == nullptr || out == nullptr)
		return invalid_arg(what, "in_A, in_B or out is NULL");
	if (M <= 0 || N <= 0 || K <= 0)
		return invalid_arg(what, "M, N and K must be positive");
	return call_plugin_op<decltype(vaccel_torch_sgemm)>(sess, VACCEL_OP_TORCH_SGEMM, sgemm_region, in_A, in_B, in_C,
							    M, N, K, out);
	VACCEL_OPS_CATCH("vaccel_torch_sgemm")
}
