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
} // namespace

int vaccel_tflite_model_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tflite_model_load";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tflite model load", sess->id);
	return call_plugin_op<decltype(vaccel_tflite_model_load)>(sess, VACCEL_OP_TFLITE_MODEL_LOAD, load_region,
								  model);
	VACCEL_OPS_CATCH("vaccel_tflite_model_load")
}

int vaccel_tflite_model_unload(struct vaccel_session *sess, struct vaccel_resource *model)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tflite_model_unload";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tflite model unload", sess->id);
	return call_plugin_op<decltype(vaccel_tflite_model_unload)>(sess, VACCEL_OP_TFLITE_MODEL_UNLOAD, unload_region,
								    model);
	VACCEL_OPS_CATCH("vaccel_tflite_model_unload")
}

int vaccel_tflite_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			    struct vaccel_tflite_tensor *const *in, int nr_inputs, struct vaccel_tflite_tensor **out,
			    int nr_outputs, uint8_t *status)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tflite_model_run";
	if (int ret = check_model_op(sess, model, what))
		return ret;
	if (int ret = check_tensor_list(what, "inputs", in, nr_inputs, true))
		return ret;
	if (int ret = check_tensor_list(what, "outputs", out, nr_outputs, false))
		return ret;
	if (status == nullptr)
		return invalid_arg(what, "status is NULL");
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tflite model run", sess->id);
	return call_plugin_op<decltype(vaccel_tflite_model_run)>(sess, VACCEL_OP_TFLITE_MODEL_RUN, run_region, model,
								 in, nr_inputs, out, nr_outputs, status);
	VACCEL_OPS_CATCH("vaccel_tflite_model_run")
}
