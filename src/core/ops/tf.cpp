// SPDX-License-Identifier: Apache-2.0
// TensorFlow model ops. The model must be a MODEL resource registered with
// the session (VACCEL_EINVAL / VACCEL_EPERM), also for sessions served by a
// transport plugin (which maps the resource to its remote id itself).
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion load_region("vaccel_tf_model_load");
OpRegion unload_region("vaccel_tf_model_unload");
OpRegion run_region("vaccel_tf_model_run");

// The shared model-op prologue, plus the TF status every tf op fills in.
int check_tf_model_op(const vaccel_session *sess, const vaccel_resource *model, const vaccel_tf_status *status,
		      const char *what) noexcept
{
	if (int ret = check_model_op(sess, model, what))
		return ret;
	if (status == nullptr)
		return invalid_arg(what, "status is NULL");
	return VACCEL_OK;
}
} // namespace

int vaccel_tf_model_load(struct vaccel_session *sess, struct vaccel_resource *model, struct vaccel_tf_status *status)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tf_model_load";
	// vAccel 0.8 accepts a NULL status here; the plugin still gets one (ours,
	// discarded afterwards) so that plugins which always fill it in are safe.
	vaccel_tf_status scratch{};
	const bool own_status = status == nullptr;
	if (own_status)
		status = &scratch;
	if (int ret = check_tf_model_op(sess, model, status, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tf model load", sess->id);
	const int ret = call_plugin_op<decltype(vaccel_tf_model_load)>(sess, VACCEL_OP_TF_MODEL_LOAD, load_region,
								       model, status);
	if (own_status)
		vaccel_tf_status_release(&scratch);
	return ret;
	VACCEL_OPS_CATCH("vaccel_tf_model_load")
}

int vaccel_tf_model_unload(struct vaccel_session *sess, struct vaccel_resource *model, struct vaccel_tf_status *status)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tf_model_unload";
	if (int ret = check_tf_model_op(sess, model, status, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tf model unload", sess->id);
	return call_plugin_op<decltype(vaccel_tf_model_unload)>(sess, VACCEL_OP_TF_MODEL_UNLOAD, unload_region, model,
								status);
	VACCEL_OPS_CATCH("vaccel_tf_model_unload")
}

int vaccel_tf_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			const struct vaccel_tf_buffer *run_options, const struct vaccel_tf_node *in_nodes,
			struct vaccel_tf_tensor *const *in, int nr_inputs, const struct vaccel_tf_node *out_nodes,
			struct vaccel_tf_tensor **out, int nr_outputs, struct vaccel_tf_status *status)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_tf_model_run";
	if (int ret = check_tf_model_op(sess, model, status, what))
		return ret;
	if (int ret = check_tensor_list(what, "inputs", in, nr_inputs, true))
		return ret;
	if (int ret = check_tensor_list(what, "outputs", out, nr_outputs, false))
		return ret;
	if ((nr_inputs > 0 && in_nodes == nullptr) || (nr_outputs > 0 && out_nodes == nullptr))
		return invalid_arg(what, "input or output nodes are NULL");
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing tf model run", sess->id);
	return call_plugin_op<decltype(vaccel_tf_model_run)>(sess, VACCEL_OP_TF_MODEL_RUN, run_region, model,
							     run_options, in_nodes, in, nr_inputs, out_nodes, out,
							     nr_outputs, status);
	VACCEL_OPS_CATCH("vaccel_tf_model_run")
}
