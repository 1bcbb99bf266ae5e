// SPDX-License-Identifier: Apache-2.0
// Resources' files: classification of user paths, the blob array, the run directory
// <rundir>/resource.<id>, directory listings, URL downloads and blob copies.
// Locking: see resource.cpp; everything here runs on one resource at a time, under its
// data_mutex or before the resource is published.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "blob_internal.hpp"
#include "core_internal.hpp"
#include "net_internal.hpp"
#include "resource_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel.h"

namespace fs = std::filesystem;

namespace vaccel::core {

namespace {

constexpr const char kFilePrefix[] = "file://";

// Directory resources: one FILE blob per regular file below the directory
// (subdirectories flattened), in sorted order for reproducibility.
int make_dir_blobs(vaccel_resource *res)
{
	std::vector<std::string> files;
	std::error_code ec;
	for (auto it = fs::recursive_directory_iterator(res->paths[0], ec);
	     !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
		if (it->is_regular_file(ec))
			files.push_back(it->path().string());
	}
	if (ec) {
		vaccel_error("Could not list directory %s: %s", res->paths[0], ec.message().c_str());
		return ec.value() > 0 ? ec.value() : VACCEL_EIO;
	}
	std::sort(files.begin(), files.end());
	for (auto &f : files) {
		vaccel_blob *b = nullptr;
		if (int ret = vaccel_blob_new(&b, f.c_str()))
			return ret;
		if (int ret = append_blob(res, b))
			return ret;
	}
	return VACCEL_OK;
}

// URL resources registered with a local session: download each URL into
// <rundir>/resource.<id>/<name>.
int download_blobs(vaccel_resource *res)
{
	if (int ret = ensure_resource_rundir(res))
		return ret;
	for (size_t i = 0; i < res->nr_paths; ++i) {
		std::string name = net_url_filename(res->paths[i]);
		std::string dest = std::string(res->rundir) + "/" + name;
		if (fs::exists(dest))
			dest = std::string(res->rundir) + "/" + std::to_string(i) + "_" + name;
		if (int ret = net_download(res->paths[i], dest))
			return ret;
		vaccel_blob *b = nullptr;
		if (int ret = vaccel_blob_new(&b, dest.c_str())) {
			unlink(dest.c_str());
			return ret;
		}
		blob_set_path_owned(b, true);
		if (int ret = append_blob(res, b))
			return ret;
	}
	return VACCEL_OK;
}

} // namespace

int classify_path(const char *path, SourcePath &out)
{
	if (!path || !*path)
		return VACCEL_EINVAL;
	if (vaccel_path_is_url(path)) {
		out = {path, VACCEL_PATH_REMOTE_FILE};
		return VACCEL_OK;
	}
	std::string local;
	if (strncmp(path, kFilePrefix, sizeof(kFilePrefix) - 1) == 0) {
		local = path + sizeof(kFilePrefix) - 1;
	} else {
		vaccel_warn("Path does not seem to have a `<prefix>://`");
		vaccel_warn("Assuming %s is a local path", path);
		local = path;
	}
	struct stat st {};
	if (local.empty() || stat(local.c_str(), &st) != 0) {
		vaccel_error("Resource path %s does not exist", local.c_str());
		return VACCEL_ENOENT;
	}
	if (S_ISREG(st.st_mode)) {
		out = {local, VACCEL_PATH_LOCAL_FILE};
	} else if (S_ISDIR(st.st_mode)) {
		out = {local, VACCEL_PATH_LOCAL_DIR};
	} else {
		vaccel_error("Resource path %s is neither a file nor a directory", local.c_str());
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

void free_blob_array(vaccel_blob **blobs, size_t n)
{
	if (!blobs)
		return;
	for (size_t i = 0; i < n; ++i)
		if (blobs[i])
			vaccel_blob_delete(blobs[i]);
	free(blobs);
}

// Appends an owned blob to the resource's C array.
int append_blob(vaccel_resource *res, vaccel_blob *blob)
{
	auto **arr = static_cast<vaccel_blob **>(realloc(res->blobs, (res->nr_blobs + 1) * sizeof(vaccel_blob *)));
	if (!arr) {
		vaccel_blob_delete(blob);
		return VACCEL_ENOMEM;
	}
	arr[res->nr_blobs++] = blob;
	res->blobs = arr;
	return VACCEL_OK;
}

int ensure_resource_rundir(vaccel_resource *res)
{
	if (res->rundir)
		return VACCEL_OK;
	std::string top = runtime_rundir();
	if (top.empty()) {
		vaccel_error("Resource %lld: vAccel is not initialized (no rundir)", static_cast<long long>(res->id));
		return VACCEL_ENOENT;
	}
	std::string dir = top + "/resource." + std::to_string(res->id);
	if (int ret = make_dir(dir))
		return ret;
	res->rundir = dup_cstr(dir);
	return VACCEL_OK;
}

// FILE blobs for local files (not read yet).
int make_file_blobs(vaccel_resource *res)
{
	for (size_t i = 0; i < res->nr_paths; ++i) {
		vaccel_blob *b = nullptr;
		if (int ret = vaccel_blob_new(&b, res->paths[i]))
			return ret;
		if (int ret = append_blob(res, b))
			return ret;
	}
	return VACCEL_OK;
}

// Loads what a session needs before the plugin hook (data_mutex held).
int prepare_for_session(vaccel_resource *res, const vaccel_session *sess)
{
	if (res->path_type == VACCEL_PATH_LOCAL_DIR && res->nr_blobs == 0) {
		if (int ret = make_dir_blobs(res)) {
			free_blob_array(res->blobs, res->nr_blobs);
			res->blobs = nullptr;
			res->nr_blobs = 0;
			return ret;
		}
	}
	if (res->path_type == VACCEL_PATH_REMOTE_FILE) {
		// Remote sessions get the URL itself; the agent downloads it.
		if (sess->is_virtio || res->nr_blobs == res->nr_paths)
			return VACCEL_OK;
		free_blob_array(res->blobs, res->nr_blobs);
		res->blobs = nullptr;
		res->nr_blobs = 0;
		int ret = download_blobs(res);
		if (ret) {
			free_blob_array(res->blobs, res->nr_blobs);
			res->blobs = nullptr;
			res->nr_blobs = 0;
		}
		return ret;
	}
	if (sess->is_virtio) {
		// Transport plugins ship the bytes: map every file now.
		for (size_t i = 0; i < res->nr_blobs; ++i)
			if (int ret = vaccel_blob_read(res->blobs[i]))
				return ret;
	}
	return VACCEL_OK;
}

// Blobs copied into a new resource (see resource.h).
int copy_blobs(vaccel_resource *res, const vaccel_blob **blobs, size_t nr_blobs)
{
	for (size_t i = 0; i < nr_blobs; ++i) {
		const vaccel_blob *src = blobs[i];
		vaccel_blob *b = nullptr;
		int ret;
		switch (src->type) {
		case VACCEL_BLOB_FILE:
			ret = vaccel_blob_new(&b, src->path);
			break;
		case VACCEL_BLOB_BUFFER:
			ret = vaccel_blob_from_buf(&b, src->data, src->size, true, src->name, nullptr, false);
			break;
		case VACCEL_BLOB_MAPPED: {
			if ((ret = ensure_resource_rundir(res)))
				break;
			std::string name = src->name ? src->name : fs::path(src->path).filename().string();
			ret = vaccel_blob_from_buf(&b, src->data, src->size, false, name.c_str(), res->rundir, false);
			break;
		}
		default:
			ret = VACCEL_EINVAL;
		}
		if (ret)
			return ret;
		if ((ret = append_blob(res, b)))
			return ret;
	}
	return VACCEL_OK;
}

} // namespace vaccel::core
