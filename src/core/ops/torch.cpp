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

int check_model_op(const vaccel_session *sess, const vaccel_resource *model,
		   const char *what) noexcept
{
	if (int ret = check_session(sess, what))
		return ret;
	return check_resource(sess, model, VACCEL_RESOURCE_MODEL, what);
}
} // namespace

int vaccel_torch_model_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_torch_model_load";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing torch model load",
			 sess->id);
	auto *fn = lookup_op<decltype(vaccel_torch_model_load)>(sess, VACCEL_OP_TORCH_MODEL_LOAD);
	if (fn == nullptr)
		return op_not_supported(sess, VACCEL_OP_TORCH_MODEL_LOAD);
	return run_in_region(load_region, [&] { return fn(sess, model); });
	VACCEL_OPS_CATCH("vaccel_torch_model_load")
}

int vaccel_torch_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			   const struct vaccel_torch_buffer *run_options,
			   struct vaccel_torch_tensor *const *in, int nr_inputs,
			   struct vaccel_torch_tensor **out, int nr_outputs)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_torch_model_run";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	if (nr_inputs < 0 || (nr_inputs > 0 && in == nullptr))
		return invalid_arg(what, "invalid inputs");
	for (int i = 0; i < nr_inputs; ++i)
		if (in[i] == nullptr)
			return invalid_arg(what, "an input tensor is NULL");
	if (nr_outputs < 0 || (nr_outputs > 0 && out == nullptr))
		return invalid_arg(what, "invalid outputs");
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing torch model run",
			 sess->id);
	auto *fn = lookup_op<decltype(vaccel_torch_model_run)>(sess, VACCEL_OP_TORCH_MODEL_RUN);
	if (fn == nullptr)
		return op_not_supported(sess, VACCEL_OP_TORCH_MODEL_RUN);
	return run_in_region(run_region, [&] {
		return fn(sess, model, run_options, in, nr_inputs, out, nr_outputs);
	});
	VACCEL_OPS_CATCH("vaccel_torch_model_run")
}

int vaccel_torch_sgemm(struct vaccel_session *sess, struct vaccel_torch_tensor **in_A,
		       struct vaccel_torch_tensor **in_B, struct vaccel_torch_tensor **in_C,
		       int M, int N, int K, struct vaccel_torch_tensor **out)
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
	auto *fn = lookup_op<decltype(vaccel_torch_sgemm)>(sess, VACCEL_OP_TORCH_SGEMM);
	if (fn == nullptr)
		return op_not_supported(sess, VACCEL_OP_TORCH_SGEMM);
	return run_in_region(sgemm_region, [&] { return fn(sess, in_A, in_B, in_C, M, N, K, out); });
	VACCEL_OPS_CATCH("vaccel_torch_sgemm")
}
