// SPDX-License-Identifier: Apache-2.0
// Reading a session's vAccel resources from a plugin.
//
// A registered resource has blobs[0..nr_blobs): FILE blobs carry a path (their data may be NULL
// until read), BUFFER/MAPPED blobs carry data+size (and a path when persisted).  These helpers
// read either form without modifying the blob, and find a session's resource of a given type with
// the log line a user needs when it is missing.  Header-only; include only from code linking
// `vaccel`.
//
// Thread safety: the functions keep no state.  A resource may be read while the session holds
// it registered (libvaccel does not change a registered resource's blobs).
#pragma once

#include "image.hpp"

#include <vaccel.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::plugin {

// Contract: copies blob `index` of `res` into `out`; VACCEL_OK, or VACCEL_ENOENT (no such blob,
// unreadable file) / VACCEL_EINVAL (an empty blob) with the reason in `error`.
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

// Contract: a readable file path for blob `index`, or "" if the blob lives only in memory.
inline std::string resource_blob_path(const struct vaccel_resource *res, size_t index)
{
	if (res == nullptr || res->blobs == nullptr || index >= res->nr_blobs || res->blobs[index] == nullptr ||
	    res->blobs[index]->path == nullptr)
		return {};
	return res->blobs[index]->path;
}

// Contract: a short name for log lines: the first blob's file name, else "resource <id>".
inline std::string resource_name(const struct vaccel_resource *res)
{
	if (res != nullptr && res->blobs != nullptr && res->nr_blobs > 0 && res->blobs[0] != nullptr &&
	    res->blobs[0]->name != nullptr)
		return res->blobs[0]->name;
	return "resource " + std::to_string(res != nullptr ? static_cast<long long>(res->id) : -1);
}

// Contract: sets `out` to the session's MODEL resource; VACCEL_OK, or VACCEL_ENOENT with a log
// line telling the user how to register one (`model_ext`: the file extension the plugin expects,
// e.g. "onnx").
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

// Contract: the result of ResourceCache::get_or_load for a model: VACCEL_OK if `loaded`, else the
// loader's code `rc` (VACCEL_EBACKEND if it set none) with a log line naming the model.
inline int model_load_result(const char *plugin, const struct vaccel_resource *res, bool loaded, int rc,
			     const std::string &error)
{
	if (loaded)
		return VACCEL_OK;
	vaccel_error("[%s] cannot load model %s: %s", plugin, resource_name(res).c_str(), error.c_str());
	return rc != VACCEL_OK ? rc : VACCEL_EBACKEND;
}

} // namespace vaccel::plugin
