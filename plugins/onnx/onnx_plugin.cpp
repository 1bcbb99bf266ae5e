// SPDX-License-Identifier: Apache-2.0
// vAccel `onnx` plugin: IMAGE_CLASSIFY with ONNX classifiers on OpenCV DNN.
//
// The model is the session's MODEL resource (`classify <image> 1 <model.onnx>`); labels come from
// the session's DATA resource or $VACCEL_ONNX_LABELS.  Each model is loaded once per resource and
// shared by the sessions that registered it; it is released when the last of them unregisters it.
// Preprocessing is configured with VACCEL_ONNX_* variables (README.md), read at each call.
#include "boundary.hpp"
#include "classifier.hpp"
#include "onnx_classifier.hpp"
#include "resource_access.hpp"
#include "xnn_graph.hpp"

#include <vaccel.h>

#include <opencv2/core/utility.hpp>

#include <cstdlib>

namespace {

using vaccel::onnx::Classifier;
using vaccel::onnx::Preprocess;
using vaccel::plugin::Status;
namespace vp = vaccel::plugin;

constexpr char kName[] = "onnx";

// Loaded networks by MODEL resource and labels by DATA resource / $VACCEL_ONNX_LABELS.
vp::ClassifierState<Classifier> &state()
{
	return vp::leaked_plugin_state<Classifier>("VACCEL_ONNX_LABELS");
}

// The session's model, loaded on first use.  OpenCV reads files itself; in-memory resources
// (e.g. sent by a remote client without persisting) are parsed from their bytes.
int session_model(struct vaccel_session *sess, std::shared_ptr<Classifier> &out)
{
	struct vaccel_resource *res = nullptr;
	if (const int rc = vp::session_model_resource(kName, "onnx", sess, res); rc != VACCEL_OK)
		return rc;
	int rc = VACCEL_OK;
	std::string err;
	out = state().models.get_or_load(res->id, sess->id, [&]() -> std::shared_ptr<Classifier> {
		const std::string path = vp::resource_blob_path(res, 0);
		std::unique_ptr<Classifier> net;
		if (!path.empty()) {
			net = Classifier::from_file(path, err);
		} else {
			std::vector<uint8_t> bytes;
			rc = vp::resource_blob_bytes(res, 0, bytes, err);
			if (rc != VACCEL_OK)
				return nullptr;
			net = Classifier::from_buffer(bytes.data(), bytes.size(), err);
		}
		if (!net) {
			rc = VACCEL_EBACKEND;
			return nullptr;
		}
		if (!net->fallback_reason().empty())
			vaccel_info("[onnx] %s: not on XNNPACK (%s), falling back to OpenCV DNN",
				    vp::resource_name(res).c_str(), net->fallback_reason().c_str());
		vaccel_info("[onnx] loaded model %s (resource %lld) on %s", vp::resource_name(res).c_str(),
			    static_cast<long long>(res->id), net->engine());
		return std::shared_ptr<Classifier>(std::move(net));
	});
	return vp::model_load_result(kName, res, out != nullptr, rc, err);
}

// IMAGE_CLASSIFY through the kit's pipeline; the engine steps are make_input and forward.
int classify_impl(const vp::ClassifyCall &call)
{
	if (const int rc = vp::check_classify_call(kName, call); rc != VACCEL_OK)
		return rc;
	std::string err;
	Preprocess pre;
	if (!vaccel::onnx::preprocess_from_env(pre, err)) {
		vaccel_error("[onnx] bad preprocessing setting: %s", err.c_str());
		return VACCEL_EINVAL;
	}
	std::shared_ptr<Classifier> net;
	if (const int rc = session_model(call.sess, net); rc != VACCEL_OK)
		return rc;
	std::shared_ptr<vaccel::image::Labels> labels;
	if (const int rc = state().labels.get(call.sess, labels, err); rc != VACCEL_OK) {
		vaccel_error("[onnx] %s", err.c_str());
		return rc;
	}
	return vp::classify_image(
		kName, call, *labels,
		[&](const vaccel::image::Image &img) { return vaccel::onnx::make_input(img, pre); },
		[&](const std::vector<float> &input) {
			std::vector<float> scores;
			std::string error;
			if (const Status s = net->forward(input, pre, scores, error); s != Status::Ok)
				vp::fail(s, error);
			return vaccel::onnx::to_probabilities(scores, pre.softmax);
		});
}

int onnx_image_classify(struct vaccel_session *sess, const void *img, unsigned char *out_text,
			unsigned char *out_imgname, size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	return classify_impl({sess, img, len_img, out_text, len_out_text, out_imgname, len_out_imgname});
}

int onnx_resource_register(struct vaccel_resource *res, struct vaccel_session *sess)
{
	// Models load lazily on first use, so registering labels or unrelated data costs nothing.
	(void)res;
	(void)sess;
	return VACCEL_OK;
}

int onnx_resource_unregister(struct vaccel_resource *res, struct vaccel_session *sess)
{
	if (res == nullptr || sess == nullptr)
		return VACCEL_EINVAL;
	return vp::boundary(kName, "resource unregister", [&] {
		if (state().forget(res->id, sess->id))
			vaccel_debug("[onnx] released model of resource %lld", static_cast<long long>(res->id));
		return VACCEL_OK;
	});
}

struct vaccel_op g_ops[] = {
	VACCEL_OP_INIT(g_ops[0], VACCEL_OP_IMAGE_CLASSIFY,
		       (vp::at_boundary<kName, VACCEL_OP_IMAGE_CLASSIFY, onnx_image_classify>)),
};

int onnx_init()
{
	return vp::boundary(kName, "init", [] {
		// One thread by default (OpenCV: no gain from 2 on MobileNetV2 at batch 1; one thread
		// stays steady when the host is busy); the XNNPACK engine reads the same variable.
		cv::setNumThreads(static_cast<int>(vaccel::xnn::threads_from_env("VACCEL_ONNX_THREADS")));
		return vaccel_plugin_register_ops(g_ops, sizeof(g_ops) / sizeof(g_ops[0]));
	});
}

int onnx_fini()
{
	state().clear();
	return VACCEL_OK;
}

} // namespace

VACCEL_PLUGIN(.name = "onnx", .version = "0.1.0", .vaccel_version = VACCEL_VERSION, .init = onnx_init,
	      .fini = onnx_fini, .is_virtio = false,
	      .type = static_cast<vaccel_plugin_type_t>(VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_SOFTWARE),
	      .session_init = nullptr, .session_release = nullptr, .session_update = nullptr,
	      .resource_register = onnx_resource_register, .resource_unregister = onnx_resource_unregister,
	      .resource_sync = nullptr)
