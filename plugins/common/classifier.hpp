// SPDX-License-Identifier: Apache-2.0
// The IMAGE_CLASSIFY pipeline shared by the image plugins (onnx, tflite, torch):
//
//   check the call → the session's model and labels → decode → preprocess → engine → top-k
//   → output strings
//
// The kit does every step that does not depend on the engine; a plugin supplies two: preprocess
// (decoded RGB image → the model's input) and infer (input → class probabilities).  Steps report
// failure by throwing plugin::Failure (status.hpp), which the plugin's boundary() maps to a code.
// ClassifierState holds what a plugin keeps between calls: its loaded models (one per MODEL
// resource, shared by the sessions that registered it) and its labels (labels.hpp).
//
// Thread safety: ClassifierState is safe from any thread (ResourceCache and LabelsProvider lock
// internally); classify_image() keeps no state, and the engine serialises its own runs.
#pragma once

#include "image.hpp"
#include "labels.hpp"
#include "resource_cache.hpp"
#include "status.hpp"

#include <vaccel.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::plugin {

// The arguments of one IMAGE_CLASSIFY call (vaccel_image_classification()).
struct ClassifyCall {
	struct vaccel_session *sess;
	const void *img;
	size_t len_img;
	unsigned char *out_text;
	size_t len_out_text;
	unsigned char *out_imgname;
	size_t len_out_imgname;
};

// What a classification plugin keeps between calls.  Plugins hold one for the whole process and
// never destroy it (see leaked_plugin_state).
template <class Model>
struct ClassifierState {
	// Contract: `labels_env_var` names the labels fallback variable (e.g. "VACCEL_ONNX_LABELS").
	explicit ClassifierState(const char *labels_env_var) : labels(labels_env_var) {}

	// Contract: the session let go of resource `res_id`; true if a model was released.
	bool forget(int64_t res_id, int64_t sess_id)
	{
		const bool released = models.forget(res_id, sess_id);
		labels.forget(res_id, sess_id);
		return released;
	}

	// Contract: drops every cached model and labels object.
	void clear()
	{
		models.clear();
		labels.clear();
	}

	ResourceCache<Model> models;
	LabelsProvider labels;
};

// Contract: the plugin's process-lifetime state, made on first use and deliberately never
// destroyed: the core may call fini() or resource_unregister() from its own exit-time cleanup,
// after this library's static destructors would have run.  Each plugin .so has its own copy
// (hidden visibility).
template <class Model>
ClassifierState<Model> &leaked_plugin_state(const char *labels_env_var)
{
	static auto *state = new ClassifierState<Model>(labels_env_var);
	return *state;
}

// Contract: VACCEL_OK if `call` has a session, a non-empty image and an output text buffer; else
// VACCEL_EINVAL with a log line naming `plugin`.
inline int check_classify_call(const char *plugin, const ClassifyCall &call)
{
	if (call.sess == nullptr || call.img == nullptr || call.len_img == 0) {
		vaccel_error("[%s] image classification: %s", plugin,
			     call.sess == nullptr ? "no session" : "empty image buffer");
		return VACCEL_EINVAL;
	}
	if (call.out_text == nullptr || call.len_out_text == 0) {
		vaccel_error("[%s] image classification: no output text buffer", plugin);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

// Contract: writes the best class of `probs` to the call's buffers: the result text
// ("<label> (class <i>, p=<p>)") to out_text and the bare label to out_imgname (no image is
// produced, so the "image name" is the label).  The label follows class_label()'s
// background-line rule.  VACCEL_OK, or VACCEL_EBACKEND (logged) when `probs` is empty.
inline int write_top1(const char *plugin, const ClassifyCall &call, const image::Labels &labels,
		      const std::vector<float> &probs)
{
	if (probs.empty()) {
		vaccel_error("[%s] image classification: the model produced no scores", plugin);
		return VACCEL_EBACKEND;
	}
	const auto best = image::top_k(probs, 1).at(0);
	const std::string label = class_label(labels, best.index, probs.size());
	const std::string text = image::format_top1(label, best);
	image::copy_to_c_buffer(text, call.out_text, call.len_out_text);
	image::copy_to_c_buffer(label, call.out_imgname, call.len_out_imgname);
	vaccel_debug("[%s] session %lld: %s", plugin, static_cast<long long>(call.sess->id), text.c_str());
	return VACCEL_OK;
}

// Contract: decodes the call's image (VACCEL_EINVAL, logged, if it is not a decodable image),
// then input = preprocess(const image::Image &), probs = infer(input) (a std::vector<float> of
// class probabilities), then write_top1().  Steps throw Failure on error; run inside boundary().
template <class Preprocess, class Infer>
int classify_image(const char *plugin, const ClassifyCall &call, const image::Labels &labels, Preprocess &&preprocess,
		   Infer &&infer)
{
	image::Image decoded;
	std::string error;
	if (!image::decode_rgb(call.img, call.len_img, decoded, error)) {
		vaccel_error("[%s] image classification: %s", plugin, error.c_str());
		return VACCEL_EINVAL;
	}
	const auto input = preprocess(static_cast<const image::Image &>(decoded));
	const std::vector<float> probs = infer(input);
	return write_top1(plugin, call, labels, probs);
}

} // namespace vaccel::plugin
