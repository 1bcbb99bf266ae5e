// SPDX-License-Identifier: Apache-2.0
// TensorFlow Lite model ops (model: a MODEL resource registered with the
// session, else VACCEL_EINVAL / VACCEL_EPERM).
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion load_region("vaccel_tflite_model_load");
OpRegion unload_region("vaccel_tflite_model_unload");
OpRegion run_region("vaccel_tflite_model_run");

int check_model_op(const vaccel_session *sess, const vaccel_resource *model,
		   const char *what) noexcept
{
	if (int ret = check_session(sess, what))
		return ret;
	return check_resource(sess, model, VACCEL_RESOURCE_MODEL, what);
}
} // namespace

int vaccel_tflite_model_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tflite_model_load";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tflite model load",
			 sess->id);
	auto *fn = lookup_op<decltype(vaccel_tflite_model_load)>(sess,
								 VACCEL_OP_TFLITE_MODEL_LOAD);
	if (fn == nullptr)
		return op_not_supported(sess, VACCEL_OP_TFLITE_MODEL_LOAD);
	return run_in_region(load_region, [&] { return fn(sess, model); });
	VACCEL_OPS_CATCH("vaccel_tflite_model_load")
}

int vaccel_tflite_model_unload(struct vaccel_session *sess, struct vaccel_resource *model)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tflite_model_unload";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64
			 " Looking for plugin implementing tflite model unload",
			 sess->id);
	auto *fn = lookup_op<decltype(vaccel_tflite_model_unload)>(
		sess, VACCEL_OP_TFLITE_MODEL_UNLOAD);
	if (fn == nullptr)
		return op_not_supported(sess, VACCEL_OP_TFLITE_MODEL_UNLOAD);
	return run_in_region(unload_region, [&] { return fn(sess, model); });
	VACCEL_OPS_CATCH("vaccel_tflite_model_unload")
}

int vaccel_tflite_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			    struct vaccel_tflite_tensor *const *in, int nr_inputs,
			    struct vaccel_tflite_tensor **out, int nr_outputs, uint8_t *status)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tflite_model_run";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	if (nr_inputs < 0 || (nr_inputs > 0 && in == nullptr))
		return invalid_arg(what, "invalid inputs");
	for (int i = 0; i < nr_inputs; ++i)
		if (in[i] == nullptr)
			return invalid_arg(what, "an input tensor is NULL");
	if (nr_outputs < 0 || (nr_outputs > 0 && out == nullptr))
		return invalid_arg(what, "invalid outputs");
	if (status == nullptr)
		return invalid_arg(what, "status is NULL");
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tflite model run",
			 sess->id);
	auto *fn = lookup_op<decltype(vaccel_tflite_model_run)>(sess, VACCEL_OP_TFLITE_MODEL_RUN);
	if (fn == nullptr)
		return op_not_supported(sess, VACCEL_OP_TFLITE_MODEL_RUN);
	return run_in_region(run_region, [&] {
		return fn(sess, model, in, nr_inputs, out, nr_outputs, status);
	});
	VACCEL_OPS_CATCH("vaccel_tflite_model_run")
}
