// SPDX-License-Identifier: Apache-2.0
// vAccel `tflite` plugin: TFLITE_MODEL_LOAD / RUN / UNLOAD and IMAGE_CLASSIFY on XNNPACK, or on
// Arm NN for models the XNNPACK engine does not cover ($VACCEL_TFLITE_ENGINE, tflite_model.hpp).
//
// Models are MODEL resources registered with the session.  Each is parsed and prepared once per
// resource (XNNPACK, else the fastest Arm NN backend present: GpuAcc, CpuAcc, then CpuRef) and
// shared by the sessions using it; it is released when the last of them unloads or unregisters it.
// IMAGE_CLASSIFY labels come from the session's DATA resource or $VACCEL_TFLITE_LABELS.
#include "boundary.hpp"
#include "classifier.hpp"
#include "resource_access.hpp"
#include "tflite_model.hpp"

#include <vaccel.h>

#include <cstring>

namespace {

using vaccel::plugin::Status;
using vaccel::tflite::DType;
using vaccel::tflite::Model;
using vaccel::tflite::TensorDesc;
namespace vp = vaccel::plugin;

constexpr char kName[] = "tflite";

// Loaded models by MODEL resource and labels by DATA resource / $VACCEL_TFLITE_LABELS.
vp::ClassifierState<Model> &state()
{
	return vp::leaked_plugin_state<Model>("VACCEL_TFLITE_LABELS");
}

std::string dims_text(const std::vector<int32_t> &dims)
{
	std::string s = "[";
	for (size_t i = 0; i < dims.size(); ++i)
		s += (i != 0 ? "," : "") + std::to_string(dims[i]);
	return s + "]";
}

// The engine of `res`, loaded on first use by any session.
int model_for(struct vaccel_session *sess, const struct vaccel_resource *res, std::shared_ptr<Model> &out)
{
	if (sess == nullptr || res == nullptr) {
		vaccel_error("[tflite] %s", sess == nullptr ? "no session" : "no model resource");
		return VACCEL_EINVAL;
	}
	if (res->type != VACCEL_RESOURCE_MODEL) {
		vaccel_error("[tflite] resource %lld is not a MODEL resource", static_cast<long long>(res->id));
		return VACCEL_EINVAL;
	}
	int rc = VACCEL_OK;
	std::string err;
	out = state().models.get_or_load(res->id, sess->id, [&]() -> std::shared_ptr<Model> {
		std::vector<uint8_t> bytes;
		rc = vp::resource_blob_bytes(res, 0, bytes, err);
		if (rc != VACCEL_OK)
			return nullptr;
		Status st = Status::Ok;
		std::unique_ptr<Model> model = Model::load(std::move(bytes), st, err);
		if (!model) {
			rc = vp::status_code(st);
			return nullptr;
		}
		std::string backends;
		for (const auto &b : model->backends())
			backends += (backends.empty() ? "" : ",") + b;
		if (!model->fallback_reason().empty())
			vaccel_info("[tflite] %s: not on XNNPACK (%s), falling back to Arm NN",
				    vp::resource_name(res).c_str(), model->fallback_reason().c_str());
		vaccel_info("[tflite] loaded %s on %s (%s) (input %s %s)", vp::resource_name(res).c_str(),
			    model->engine() == vaccel::tflite::Engine::Xnnpack ? "XNNPACK" : "Arm NN", backends.c_str(),
			    dims_text(model->inputs().at(0).dims).c_str(),
			    vaccel::tflite::dtype_name(model->inputs().at(0).dtype));
		return std::shared_ptr<Model>(std::move(model));
	});
	return vp::model_load_result(kName, res, out != nullptr, rc, err);
}

// Checks a caller tensor against the model's input description.
bool input_matches(const struct vaccel_tflite_tensor *t, const TensorDesc &d, size_t index, std::string &error)
{
	const std::string which = "input " + std::to_string(index) + " ('" + d.name + "')";
	if (t == nullptr || t->data == nullptr) {
		error = which + " has no data";
		return false;
	}
	if (static_cast<int>(t->data_type) != static_cast<int>(d.dtype)) {
		error = which + ": data type " + std::to_string(static_cast<int>(t->data_type)) + ", model expects " +
			vaccel::tflite::dtype_name(d.dtype) + " (" + std::to_string(static_cast<int>(d.dtype)) + ")";
		return false;
	}
	const bool same_dims = t->dims != nullptr && t->nr_dims == static_cast<int>(d.dims.size()) &&
			       std::equal(d.dims.begin(), d.dims.end(), t->dims);
	if (!same_dims) {
		std::vector<int32_t> got;
		if (t->dims != nullptr && t->nr_dims > 0 && t->nr_dims < 16)
			got.assign(t->dims, t->dims + t->nr_dims);
		error = which + ": dims " + dims_text(got) + ", model expects " + dims_text(d.dims);
		return false;
	}
	if (t->size != d.bytes) {
		error = which + ": " + std::to_string(t->size) + " bytes, model expects " + std::to_string(d.bytes);
		return false;
	}
	return true;
}

// Allocates the caller's output tensors (freed by the caller with vaccel_tflite_tensor_delete).
int fill_outputs(const Model &model, std::vector<std::vector<uint8_t>> &raw, struct vaccel_tflite_tensor **out,
		 int nr_out)
{
	for (int i = 0; i < nr_out; ++i) {
		const TensorDesc &d = model.outputs()[static_cast<size_t>(i)];
		struct vaccel_tflite_tensor *t = nullptr;
		const int rc =
			vaccel_tflite_tensor_allocate(&t, static_cast<int>(d.dims.size()), d.dims.data(),
						      static_cast<enum vaccel_tflite_data_type>(d.dtype), d.bytes);
		if (rc != VACCEL_OK || t == nullptr || (d.bytes > 0 && t->data == nullptr)) {
			for (int j = 0; j < i; ++j) {
				vaccel_tflite_tensor_delete(out[j]);
				out[j] = nullptr;
			}
			vaccel_error("[tflite] cannot allocate output tensor %d", i);
			return rc != VACCEL_OK ? rc : VACCEL_ENOMEM;
		}
		std::memcpy(t->data, raw[static_cast<size_t>(i)].data(), d.bytes);
		out[i] = t;
	}
	return VACCEL_OK;
}

int run_impl(struct vaccel_session *sess, const struct vaccel_resource *res, struct vaccel_tflite_tensor *const *in,
	     int nr_in, struct vaccel_tflite_tensor **out, int nr_out)
{
	std::shared_ptr<Model> model;
	if (const int rc = model_for(sess, res, model); rc != VACCEL_OK)
		return rc;
	std::string err;
	if (in == nullptr || nr_in != static_cast<int>(model->inputs().size())) {
		vaccel_error("[tflite] model run: model has %zu input(s), got %d", model->inputs().size(),
			     in == nullptr ? 0 : nr_in);
		return VACCEL_EINVAL;
	}
	if (out == nullptr || nr_out < 1 || nr_out > static_cast<int>(model->outputs().size())) {
		vaccel_error("[tflite] model run: asked for %d output(s), model has %zu", nr_out,
			     model->outputs().size());
		return VACCEL_EINVAL;
	}
	std::vector<const void *> inputs;
	for (int i = 0; i < nr_in; ++i) {
		if (!input_matches(in[i], model->inputs()[static_cast<size_t>(i)], static_cast<size_t>(i), err)) {
			vaccel_error("[tflite] model run: %s", err.c_str());
			return VACCEL_EINVAL;
		}
		inputs.push_back(in[i]->data);
	}
	std::vector<std::vector<uint8_t>> raw;
	if (const Status s = model->run(inputs, raw, err); s != Status::Ok) {
		vaccel_error("[tflite] model run failed: %s", err.c_str());
		return vp::status_code(s);
	}
	return fill_outputs(*model, raw, out, nr_out);
}

// IMAGE_CLASSIFY through the kit's pipeline; the engine steps are make_image_input and
// run + dequantize.
int classify_impl(const vp::ClassifyCall &call)
{
	if (const int rc = vp::check_classify_call(kName, call); rc != VACCEL_OK)
		return rc;
	struct vaccel_resource *res = nullptr;
	if (const int rc = vp::session_model_resource(kName, "tflite", call.sess, res); rc != VACCEL_OK)
		return rc;
	std::shared_ptr<Model> model;
	if (const int rc = model_for(call.sess, res, model); rc != VACCEL_OK)
		return rc;
	std::string err;
	std::shared_ptr<vaccel::image::Labels> labels;
	if (const int rc = state().labels.get(call.sess, labels, err); rc != VACCEL_OK) {
		vaccel_error("[tflite] %s", err.c_str());
		return rc;
	}
	return vp::classify_image(
		kName, call, *labels,
		[&](const vaccel::image::Image &img) {
			std::vector<uint8_t> tensor;
			std::string error;
			if (const Status s = model->make_image_input(img, tensor, error); s != Status::Ok)
				vp::fail(s, error);
			return tensor;
		},
		[&](const std::vector<uint8_t> &tensor) {
			std::vector<std::vector<uint8_t>> out;
			std::string error;
			if (const Status s = model->run({tensor.data()}, out, error); s != Status::Ok)
				vp::fail(s, error);
			const TensorDesc &desc = model->outputs().at(0);
			const std::vector<float> scores = model->dequantize(out.at(0), desc);
			if (scores.empty())
				vp::fail(Status::Unsupported, std::string("unsupported output type ") +
								      vaccel::tflite::dtype_name(desc.dtype));
			return vaccel::tflite::to_probabilities(scores, desc);
		});
}

extern "C" int tflite_model_load_op(struct vaccel_session *sess, struct vaccel_resource *model)
{
	return vp::boundary(kName, "model load", [&] {
		std::shared_ptr<Model> m;
		return model_for(sess, model, m);
	});
}

extern "C" int tflite_model_run_op(struct vaccel_session *sess, const struct vaccel_resource *model,
				   struct vaccel_tflite_tensor *const *in, int nr_in, struct vaccel_tflite_tensor **out,
				   int nr_out, uint8_t *status)
{
	const int rc = vp::boundary(kName, "model run", [&] { return run_impl(sess, model, in, nr_in, out, nr_out); });
	if (status != nullptr)
		*status = rc == VACCEL_OK ? 0 : 1; // TfLiteStatus: kTfLiteOk / kTfLiteError
	return rc;
}

extern "C" int tflite_model_unload_op(struct vaccel_session *sess, struct vaccel_resource *model)
{
	return vp::boundary(kName, "model unload", [&] {
		if (sess == nullptr || model == nullptr)
			return VACCEL_EINVAL;
		if (!state().models.used_by(model->id, sess->id)) {
			vaccel_error("[tflite] model unload: resource %lld is not loaded in session %lld",
				     static_cast<long long>(model->id), static_cast<long long>(sess->id));
			return VACCEL_EINVAL;
		}
		if (state().models.forget(model->id, sess->id))
			vaccel_debug("[tflite] released model of resource %lld", static_cast<long long>(model->id));
		return VACCEL_OK;
	});
}

int tflite_image_classify(struct vaccel_session *sess, const void *img, unsigned char *out_text,
			  unsigned char *out_imgname, size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	return classify_impl({sess, img, len_img, out_text, len_out_text, out_imgname, len_out_imgname});
}

int tflite_resource_register(struct vaccel_resource *res, struct vaccel_session *sess)
{
	(void)res; // models load on first use (TFLITE_MODEL_LOAD or IMAGE_CLASSIFY)
	(void)sess;
	return VACCEL_OK;
}

int tflite_resource_unregister(struct vaccel_resource *res, struct vaccel_session *sess)
{
	if (res == nullptr || sess == nullptr)
		return VACCEL_EINVAL;
	return vp::boundary(kName, "resource unregister", [&] {
		state().forget(res->id, sess->id);
		return VACCEL_OK;
	});
}

struct vaccel_op g_ops[] = {
	VACCEL_OP_INIT(g_ops[0], VACCEL_OP_TFLITE_MODEL_LOAD, tflite_model_load_op),
	VACCEL_OP_INIT(g_ops[1], VACCEL_OP_TFLITE_MODEL_RUN, tflite_model_run_op),
	VACCEL_OP_INIT(g_ops[2], VACCEL_OP_TFLITE_MODEL_UNLOAD, tflite_model_unload_op),
	VACCEL_OP_INIT(g_ops[3], VACCEL_OP_IMAGE_CLASSIFY,
		       (vp::at_boundary<kName, VACCEL_OP_IMAGE_CLASSIFY, tflite_image_classify>)),
};

int tflite_init()
{
	return vaccel_plugin_register_ops(g_ops, sizeof(g_ops) / sizeof(g_ops[0]));
}

int tflite_fini()
{
	state().clear();
	return VACCEL_OK;
}

} // namespace

// TENSORFLOW: serves the TensorFlow Lite ops; CPU: CpuRef/CpuAcc (GpuAcc is used when present but
// not advertised, since this build's x86 packages only ship CpuRef).
VACCEL_PLUGIN(.name = "tflite", .version = "0.1.0", .vaccel_version = VACCEL_VERSION, .init = tflite_init,
	      .fini = tflite_fini, .is_virtio = false,
	      .type = static_cast<vaccel_plugin_type_t>(VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_TENSORFLOW),
	      .session_init = nullptr, .session_release = nullptr, .session_update = nullptr,
	      .resource_register = tflite_resource_register, .resource_unregister = tflite_resource_unregister,
	      .resource_sync = nullptr)
