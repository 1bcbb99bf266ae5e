// SPDX-License-Identifier: Apache-2.0
// Class labels of an image classifier: where a session's labels come from, and which line names
// which class.
//
// Where: the session's first DATA resource if it has one, else the file named by the plugin's
// environment variable (e.g. VACCEL_ONNX_LABELS); each is parsed once (per resource, or per path)
// and shared.  Which line: class_label() applies the background-line rule, so a labels file with
// one extra leading line (TFLite-style "background" first) fits a 1000-class model, and a
// 1001-class model (class 0 = background) fits a 1000-line file.
//
// Thread safety: LabelsProvider is safe to call from any thread (the per-resource cache and the
// environment entry each have their own lock); Labels objects are shared read-only.
#pragma once

#include "image.hpp"
#include "resource_access.hpp"
#include "resource_cache.hpp"

#include <vaccel.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vaccel::plugin {

// Contract: the label of class `index` of a model with `nr_classes` outputs, by the
// background-line rule above (image::Labels::name() for an index past the file).
inline std::string class_label(const image::Labels &labels, size_t index, size_t nr_classes)
{
	if (labels.size() == nr_classes + 1)
		return labels.name(index + 1);
	if (labels.size() + 1 == nr_classes)
		return index == 0 ? std::string("background") : labels.name(index - 1);
	return labels.name(index);
}

// The labels of a plugin's sessions.  One per plugin, for the process lifetime.
class LabelsProvider {
public:
	// Contract: `env_var` names the fallback file's variable; it must outlive the provider.
	explicit LabelsProvider(const char *env_var) : env_var_(env_var) {}

	// Contract: sets `out` to the session's labels; VACCEL_OK, or VACCEL_ENOENT (no labels
	// anywhere, unreadable) / VACCEL_EINVAL (an empty labels resource) with the reason in `error`.
	int get(struct vaccel_session *sess, std::shared_ptr<image::Labels> &out, std::string &error)
	{
		struct vaccel_resource *data = nullptr;
		if (vaccel_session_resource_by_type(sess, &data, VACCEL_RESOURCE_DATA) == VACCEL_OK && data != nullptr)
			return from_resource(sess, data, out, error);
		return from_env(out, error);
	}

	// Contract: the session let go of resource `res_id`; its labels are dropped when no session
	// uses them any more.
	void forget(int64_t res_id, int64_t sess_id) { by_resource_.forget(res_id, sess_id); }

	// Contract: drops every cached labels object (callers holding one keep it alive).
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
	std::mutex env_mu_; // guards env_path_ and env_labels_
	std::string env_path_;
	std::shared_ptr<image::Labels> env_labels_;
};

} // namespace vaccel::plugin
