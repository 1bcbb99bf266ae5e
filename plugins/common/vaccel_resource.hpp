// SPDX-License-Identifier: Apache-2.0
// Reading vAccel resources from plugins (header-only; include only from code linking `vaccel`).
// A registered resource has blobs[0..nr_blobs): FILE blobs carry a path (data may be NULL until
// read), BUFFER/MAPPED blobs carry data+size (and a path when persisted).  These helpers handle
// both without modifying the blob.
#pragma once

#include "image.hpp"
#include "resource_cache.hpp"

#include <vaccel.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace vaccel::plugin {

// Contents of blob `index` of `res` (copied).  Returns a VACCEL_* code; on error `error` says why.
inline int resource_blob_bytes(const struct vaccel_resource *res, size_t index, std::vector<uint8_t> &out,
			       std::string &error)
{
	if (res == nullptr || res->blobs == nullptr || index >= res->nr_blobs || res->blobs[index] == nullptr) {
		error = "resource has no data (no blob " + std::to_string(index) + ")";
		return VACCEL_ENOENT;
	}
	const struct vaccel_blob *blob = res->blobs[index];
	if (blob->data != nullptr && blob->size > 0) {
		out.assign(blob->data, blob->data + blob->size);
		return VACCEL_OK;
	}
	if (blob->path != nullptr) {
		if (!image::read_file(blob->path, out, error))
			return VACCEL_ENOENT;
		return VACCEL_OK;
	}
	error = "resource blob " + std::to_string(index) + " is empty";
	return VACCEL_EINVAL;
}

// A readable file path for blob `index`, or "" if the blob lives only in memory.
inline std::string resource_blob_path(const struct vaccel_resource *res, size_t index)
{
	if (res == nullptr || res->blobs == nullptr || index >= res->nr_blobs || res->blobs[index] == nullptr ||
	    res->blobs[index]->path == nullptr)
		return {};
	return res->blobs[index]->path;
}

// A short name for log lines: the blob's file name or "resource <id>".
inline std::string resource_name(const struct vaccel_resource *res)
{
	if (res != nullptr && res->blobs != nullptr && res->nr_blobs > 0 && res->blobs[0] != nullptr &&
	    res->blobs[0]->name != nullptr)
		return res->blobs[0]->name;
	return "resource " + std::to_string(res != nullptr ? static_cast<long long>(res->id) : -1);
}

// Runs an op body, turning any escaping C++ exception into an error code and a log line:
// nothing may unwind through the C ABI.
template <class Body>
int op_boundary(const char *plugin, const char *op, Body &&body) noexcept
{
	try {
		return body();
	} catch (const std::bad_alloc &) {
		vaccel_error("[%s] %s: out of memory", plugin, op);
		return VACCEL_ENOMEM;
	} catch (const std::exception &e) {
		vaccel_error("[%s] %s: unexpected error: %s", plugin, op, e.what());
		return VACCEL_EBACKEND;
	} catch (...) {
		vaccel_error("[%s] %s: unexpected unknown exception", plugin, op);
		return VACCEL_EBACKEND;
	}
}

// Class labels for a session: the session's first DATA resource if it has one, else the file
// named by an environment variable (e.g. VACCEL_ONNX_LABELS).  Parsed once per resource / path.
class LabelsProvider {
public:
	explicit LabelsProvider(const char *env_var) : env_var_(env_var) {}

	// VACCEL_OK, or VACCEL_ENOENT (no labels anywhere / unreadable) / VACCEL_EINVAL (empty file).
	int get(struct vaccel_session *sess, std::shared_ptr<image::Labels> &out, std::string &error)
	{
		struct vaccel_resource *data = nullptr;
		if (vaccel_session_resource_by_type(sess, &data, VACCEL_RESOURCE_DATA) == VACCEL_OK && data != nullptr)
			return from_resource(sess, data, out, error);
		return from_env(out, error);
	}

	// The session let go of resource `res_id`.
	void forget(int64_t res_id, int64_t sess_id) { by_resource_.forget(res_id, sess_id); }

	void clear()
	{
		by_resource_.clear();
		std::lock_guard lock(env_mu_);
		env_labels_.reset();
		env_path_.clear();
	}

private:
	int from_resource(struct vaccel_session *sess, struct vaccel_resource *data,
			  std::shared_ptr<image::Labels> &out, std::string &error)
	{
		int rc = VACCEL_OK;
		out = by_resource_.get_or_load(data->id, sess->id, [&]() -> std::shared_ptr<image::Labels> {
			std::vector<uint8_t> bytes;
			rc = resource_blob_bytes(data, 0, bytes, error);
			if (rc != VACCEL_OK)
				return nullptr;
			auto labels = std::make_shared<image::Labels>();
			if (!labels->load_from_buffer({reinterpret_cast<const char *>(bytes.data()), bytes.size()},
						      error)) {
				error = "labels DATA resource " + resource_name(data) + ": " + error;
				rc = VACCEL_EINVAL;
				return nullptr;
			}
			return labels;
		});
		return out ? VACCEL_OK : (rc != VACCEL_OK ? rc : VACCEL_ENOENT);
	}

	int from_env(std::shared_ptr<image::Labels> &out, std::string &error)
	{
		const char *path = std::getenv(env_var_);
		if (path == nullptr || *path == '\0') {
			error = std::string("no labels: register a DATA resource with the labels file, or set ") +
				env_var_;
			return VACCEL_ENOENT;
		}
		std::lock_guard lock(env_mu_);
		if (env_labels_ && env_path_ == path) {
			out = env_labels_;
			return VACCEL_OK;
		}
		auto labels = std::make_shared<image::Labels>();
		if (!labels->load(path, error)) {
			error = std::string(env_var_) + ": " + error;
			return VACCEL_ENOENT;
		}
		env_path_ = path;
		env_labels_ = labels;
		out = labels;
		return VACCEL_OK;
	}

	const char *env_var_;
	ResourceCache<image::Labels> by_resource_;
	std::mutex env_mu_;
	std::string env_path_;
	std::shared_ptr<image::Labels> env_labels_;
};

// The label of class `index` of a model with `nr_classes` outputs.  A labels file with one extra
// leading line (TFLite-style "background" first) is shifted so 1000-class models can use it, and
// a 1001-class model (class 0 = background) can use a 1000-line file.
inline std::string class_label(const image::Labels &labels, size_t index, size_t nr_classes)
{
	if (labels.size() == nr_classes + 1)
		return labels.name(index + 1);
	if (labels.size() + 1 == nr_classes)
		return index == 0 ? std::string("background") : labels.name(index - 1);
	return labels.name(index);
}

// ---- IMAGE_CLASSIFY glue shared by the classification plugins (onnx, tflite) ----------------

// What a classification plugin keeps between calls: its loaded models by MODEL resource and its
// labels.  Plugins hold one for the whole process and never destroy it (see leaked_plugin_state).
template <class Model>
struct ClassifierState {
	explicit ClassifierState(const char *labels_env_var) : labels(labels_env_var) {}

	// The session let go of resource `res_id`.  Returns true if a model was released.
	bool forget(int64_t res_id, int64_t sess_id)
	{
		const bool released = models.forget(res_id, sess_id);
		labels.forget(res_id, sess_id);
		return released;
	}

	void clear()
	{
		models.clear();
		labels.clear();
	}

	ResourceCache<Model> models;
	LabelsProvider labels;
};

// A plugin's process-lifetime state, made on first use and deliberately never destroyed: the core
// may call fini() or resource_unregister() from its own exit-time cleanup, after this library's
// static destructors would have run.  Each plugin .so has its own copy (hidden visibility).
template <class Model>
ClassifierState<Model> &leaked_plugin_state(const char *labels_env_var)
{
	static auto *state = new ClassifierState<Model>(labels_env_var);
	return *state;
}

// The argument checks every IMAGE_CLASSIFY op starts with.  VACCEL_OK, or VACCEL_EINVAL with a
// log line naming `plugin`.
inline int check_classify_args(const char *plugin, const struct vaccel_session *sess, const void *img, size_t len_img,
			       const unsigned char *out_text, size_t len_out_text)
{
	if (sess == nullptr || img == nullptr || len_img == 0) {
		vaccel_error("[%s] image classification: %s", plugin,
			     sess == nullptr ? "no session" : "empty image buffer");
		return VACCEL_EINVAL;
	}
	if (out_text == nullptr || len_out_text == 0) {
		vaccel_error("[%s] image classification: no output text buffer", plugin);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

// The session's MODEL resource.  VACCEL_OK, or VACCEL_ENOENT with a log line telling the user how
// to register one (`model_ext` is the file extension the plugin expects, e.g. "onnx").
inline int session_model_resource(const char *plugin, const char *model_ext, struct vaccel_session *sess,
				  struct vaccel_resource *&out)
{
	out = nullptr;
	if (vaccel_session_resource_by_type(sess, &out, VACCEL_RESOURCE_MODEL) == VACCEL_OK && out != nullptr)
		return VACCEL_OK;
	vaccel_error("[%s] session %lld has no MODEL resource: register the .%s model with the "
		     "session (e.g. `classify <image> 1 <model.%s>`)",
		     plugin, static_cast<long long>(sess->id), model_ext, model_ext);
	out = nullptr;
	return VACCEL_ENOENT;
}

// The result of ResourceCache::get_or_load for a model: VACCEL_OK if `loaded`, else the loader's
// code `rc` (VACCEL_EBACKEND if it set none) with a log line naming the model.
inline int model_load_result(const char *plugin, const struct vaccel_resource *res, bool loaded, int rc,
			     const std::string &error)
{
	if (loaded)
		return VACCEL_OK;
	vaccel_error("[%s] cannot load model %s: %s", plugin, resource_name(res).c_str(), error.c_str());
	return rc != VACCEL_OK ? rc : VACCEL_EBACKEND;
}

// Writes the best class of `probs` to the caller's buffers: the result text to `out_text`, the
// bare label to `out_imgname` (no image is produced, so the "image name" is the label).
inline int write_top1(const char *plugin, const struct vaccel_session *sess, const image::Labels &labels,
		      const std::vector<float> &probs, unsigned char *out_text, size_t len_out_text,
		      unsigned char *out_imgname, size_t len_out_imgname)
{
	if (probs.empty()) {
		vaccel_error("[%s] image classification: the model produced no scores", plugin);
		return VACCEL_EBACKEND;
	}
	const auto best = image::top_k(probs, 1).at(0);
	const std::string label = class_label(labels, best.index, probs.size());
	const std::string text = image::format_top1(label, best);
	image::copy_to_c_buffer(text, out_text, len_out_text);
	image::copy_to_c_buffer(label, out_imgname, len_out_imgname);
	vaccel_debug("[%s] session %lld: %s", plugin, static_cast<long long>(sess->id), text.c_str());
	return VACCEL_OK;
}

} // namespace vaccel::plugin
