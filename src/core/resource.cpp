// SPDX-License-Identifier: Apache-2.0
// Resources: creation from paths/URLs/directories/buffers/blobs, their
// files under <rundir>/resource.<id>, registration with sessions (refcounted)
// and the global lookups.
//
// Locking: objects().mutex guards the registry and the links and is never
// held while calling out. A resource's data_mutex serialises everything that
// touches its blobs or talks to plugins about it (directory listing, download,
// reading for remote sessions, and the register/unregister/sync hooks).
// Lock order: data_mutex before objects().mutex.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "blob_internal.hpp"
#include "core_internal.hpp"
#include "registry.hpp"
#include "vaccel.h"

namespace fs = std::filesystem;
using namespace vaccel::core;

namespace vaccel::core {

void resources_reset_pool()
{
	auto &o = objects();
	std::lock_guard lock(o.mutex);
	if (o.resources.empty())
		o.resource_ids.reset();
}

void resources_release_all()
{
	std::vector<vaccel_resource *> live;
	{
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		for (auto &[id, st] : o.resources)
			live.push_back(st->res);
	}
	for (auto *r : live) {
		vaccel_debug("Releasing leftover resource %lld", static_cast<long long>(r->id));
		vaccel_resource_release(r);
	}
}

} // namespace vaccel::core

namespace {

constexpr const char kFilePrefix[] = "file://";

void init_list(vaccel_list_entry *e)
{
	e->next = e;
	e->prev = e;
}

bool valid_type(const vaccel_resource_type_t &type)
{
	const long long raw = enum_raw(type);
	return raw >= 0 && raw < VACCEL_RESOURCE_MAX;
}

// A path as given by the user, classified.
struct SourcePath {
	std::string path; // local path without file://, or the URL
	vaccel_path_type_t type;
};

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

// Clears the public fields after release (so a second release is harmless).
void reset_resource_struct(vaccel_resource *res)
{
	res->id = 0;
	res->remote_id = 0;
	res->paths = nullptr;
	res->nr_paths = 0;
	res->rundir = nullptr;
	res->blobs = nullptr;
	res->nr_blobs = 0;
	res->refcount = 0;
	res->plugin_priv = nullptr;
}

// Frees what an initialised resource owns (blobs, path copies, run
// directory and its files, the sessions lock) and clears the public fields.
// Shared by release and by a failed init, so both undo exactly the same.
void free_resource_contents(vaccel_resource *res)
{
	free_blob_array(res->blobs, res->nr_blobs);
	if (res->paths) {
		for (size_t i = 0; i < res->nr_paths; ++i)
			free(res->paths[i]);
		free(res->paths);
	}
	if (res->rundir) {
		remove_tree(res->rundir);
		free(res->rundir);
	}
	pthread_mutex_destroy(&res->sessions_lock);
	reset_resource_struct(res);
}

// Assigns an id, fills the struct, runs `make_blobs` (which may use the
// resource's id and rundir) and publishes the resource in the registry.
int publish_resource(vaccel_resource *res, vaccel_resource_type_t type, vaccel_path_type_t path_type,
		     const std::vector<std::string> &paths, const std::function<int(vaccel_resource *)> &make_blobs)
{
	if (!runtime_initialized()) {
		vaccel_error("Cannot create resource: vAccel is not initialized");
		return VACCEL_EPERM;
	}
	auto &o = objects();
	vaccel_id_t id = o.resource_ids.acquire();
	if (id == 0) {
		vaccel_error("Cannot create resource: all %zu resource ids are in use", kMaxResources);
		return VACCEL_EUSERS;
	}
	reset_resource_struct(res);
	res->id = id;
	res->type = type;
	res->path_type = path_type;
	init_list(&res->entry);
	init_list(&res->sessions);
	pthread_mutex_init(&res->sessions_lock, nullptr);

	auto fail = [&](int ret) {
		free_resource_contents(res);
		o.resource_ids.release(id);
		return ret;
	};

	try {
		if (!paths.empty()) {
			res->paths = static_cast<char **>(calloc(paths.size(), sizeof(char *)));
			if (!res->paths)
				return fail(VACCEL_ENOMEM);
			res->nr_paths = paths.size();
			for (size_t i = 0; i < paths.size(); ++i)
				res->paths[i] = dup_cstr(paths[i]);
		}
		if (make_blobs) {
			if (int ret = make_blobs(res))
				return fail(ret);
		}
		auto st = std::make_shared<ResourceState>();
		st->res = res;
		std::lock_guard lock(o.mutex);
		o.resources[id] = std::move(st);
	} catch (...) {
		return fail(error_from_current_exception("vaccel_resource_init"));
	}
	vaccel_debug("New resource %lld (type %d, path type %d, %zu blobs)", static_cast<long long>(id),
		     static_cast<int>(type), static_cast<int>(path_type), res->nr_blobs);
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

int resource_init_paths(vaccel_resource *res, const char **paths, size_t nr_paths, const vaccel_resource_type_t &type,
			bool allow_dir)
{
	if (!res || !paths || nr_paths == 0 || !valid_type(type))
		return VACCEL_EINVAL;
	std::vector<SourcePath> sources(nr_paths);
	for (size_t i = 0; i < nr_paths; ++i) {
		if (int ret = classify_path(paths[i], sources[i]))
			return ret;
		if (sources[i].type != sources[0].type) {
			vaccel_error("Cannot create resource: paths must all be of the same kind "
				     "(%s differs from %s)",
				     paths[i], paths[0]);
			return VACCEL_EINVAL;
		}
	}
	vaccel_path_type_t kind = sources[0].type;
	if (kind == VACCEL_PATH_LOCAL_DIR && (!allow_dir || nr_paths > 1)) {
		vaccel_error("Cannot create resource from several paths: directories are not allowed");
		return VACCEL_EINVAL;
	}
	// URLs are not contacted here: as in vAccel 0.8 a local session downloads
	// them at register time (and a remote one sends the URL itself), so an
	// unreachable URL fails vaccel_resource_register, not init.
	std::vector<std::string> plain;
	for (auto &s : sources)
		plain.push_back(s.path);
	std::function<int(vaccel_resource *)> make_blobs;
	if (kind == VACCEL_PATH_LOCAL_FILE)
		make_blobs = make_file_blobs;
	return publish_resource(res, type, kind, plain, make_blobs);
}

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

void remove_link_locked(SessionState *ss, ResourceState &rs, vaccel_session *sess, vaccel_resource *res)
{
	auto &sl = rs.sessions;
	sl.erase(std::remove(sl.begin(), sl.end(), sess), sl.end());
	std::atomic_ref<unsigned int>(res->refcount).fetch_sub(1);
	if (ss) {
		auto &rl = ss->resources[res->type];
		rl.erase(std::remove(rl.begin(), rl.end(), res), rl.end());
		if (sess->resource_counts[res->type] > 0)
			sess->resource_counts[res->type]--;
	}
}

// Registration and unregistration of one resource are serialised by its
// data_mutex, held across data preparation, the plugin hook and the link
// update: hooks of one resource never run concurrently (a transport plugin
// can safely create the remote resource once and reuse its remote_id), and
// an unregister hook always completes before a new register hook starts.
int register_impl(vaccel_resource *res, vaccel_session *sess)
{
	if (!res || !sess)
		return VACCEL_EINVAL;
	auto &o = objects();
	std::shared_ptr<ResourceState> rs;
	{
		std::lock_guard lock(o.mutex);
		rs = find_resource_locked(res);
		if (!rs) {
			vaccel_error("Cannot register resource: not an initialized resource");
			return VACCEL_EINVAL;
		}
		if (!find_session_locked(sess)) {
			vaccel_error("Cannot register resource %lld: not a live session",
				     static_cast<long long>(res->id));
			return VACCEL_EINVAL;
		}
		if (std::find(rs->sessions.begin(), rs->sessions.end(), sess) != rs->sessions.end()) {
			vaccel_warn("Resource %lld is already registered with session %lld",
				    static_cast<long long>(res->id), static_cast<long long>(sess->id));
			return VACCEL_OK;
		}
		if (rs->pending.count(sess)) {
			vaccel_error("Resource %lld: registration with session %lld already in progress",
				     static_cast<long long>(res->id), static_cast<long long>(sess->id));
			return VACCEL_EBUSY;
		}
		rs->pending.insert(sess);
	}

	std::lock_guard data_lock(rs->data_mutex);
	int ret = guard(__func__, [&] { return prepare_for_session(res, sess); });
	vaccel_plugin *plugin = sess->plugin;
	bool hook_called = false;
	if (ret == VACCEL_OK && plugin && plugin->info->resource_register) {
		hook_called = true;
		ret = call_hook(plugin->info->name, "resource_register", plugin->info->resource_register, res, sess);
		if (ret)
			vaccel_error("Plugin %s could not register resource %lld with session %lld (%d)",
				     plugin->info->name, static_cast<long long>(res->id),
				     static_cast<long long>(sess->id), ret);
		else if (sess->is_virtio && res->remote_id <= 0) {
			vaccel_error("Plugin %s registered resource %lld without a remote id", plugin->info->name,
				     static_cast<long long>(res->id));
			ret = VACCEL_EINVAL;
		}
	}

	bool session_gone = false;
	{
		std::lock_guard lock(o.mutex);
		rs->pending.erase(sess);
		SessionState *ss = find_session_locked(sess);
		if (ret == VACCEL_OK && (!ss || !find_resource_locked(res))) {
			session_gone = true;
			ret = VACCEL_EINVAL;
		}
		if (ret == VACCEL_OK) {
			rs->sessions.push_back(sess);
			ss->resources[res->type].push_back(res);
			sess->resource_counts[res->type]++;
			std::atomic_ref<unsigned int>(res->refcount).fetch_add(1);
		}
	}
	if (session_gone) {
		vaccel_error("Resource %lld: session or resource released during registration",
			     static_cast<long long>(res->id));
		if (hook_called && plugin->info->resource_unregister)
			call_hook(plugin->info->name, "resource_unregister", plugin->info->resource_unregister, res,
				  sess);
	}
	if (ret == VACCEL_OK)
		vaccel_debug("Registered resource %lld with session %lld", static_cast<long long>(res->id),
			     static_cast<long long>(sess->id));
	return ret;
}

int unregister_impl(vaccel_resource *res, vaccel_session *sess)
{
	if (!res || !sess)
		return VACCEL_EINVAL;
	auto &o = objects();
	std::shared_ptr<ResourceState> rs;
	{
		std::lock_guard lock(o.mutex);
		rs = find_resource_locked(res);
	}
	if (!rs) {
		vaccel_error("Cannot unregister resource: not an initialized resource");
		return VACCEL_EINVAL;
	}
	std::lock_guard data_lock(rs->data_mutex);
	{
		std::lock_guard lock(o.mutex);
		if (std::find(rs->sessions.begin(), rs->sessions.end(), sess) == rs->sessions.end()) {
			vaccel_error("Resource %lld is not registered with session %lld",
				     static_cast<long long>(res->id), static_cast<long long>(sess->id));
			return VACCEL_EPERM;
		}
		remove_link_locked(find_session_locked(sess), *rs, sess, res);
	}
	int ret = VACCEL_OK;
	vaccel_plugin *plugin = sess->plugin;
	if (plugin && plugin->info->resource_unregister) {
		ret = call_hook(plugin->info->name, "resource_unregister", plugin->info->resource_unregister, res,
				sess);
		if (ret)
			vaccel_error("Plugin %s could not unregister resource %lld from session %lld (%d)",
				     plugin->info->name, static_cast<long long>(res->id),
				     static_cast<long long>(sess->id), ret);
	}
	vaccel_debug("Unregistered resource %lld from session %lld", static_cast<long long>(res->id),
		     static_cast<long long>(sess->id));
	return ret;
}

int release_impl(vaccel_resource *res)
{
	if (!res)
		return VACCEL_EINVAL;
	auto &o = objects();
	std::vector<vaccel_session *> sessions;
	std::shared_ptr<ResourceState> rs;
	{
		std::lock_guard lock(o.mutex);
		rs = find_resource_locked(res);
		if (!rs) {
			vaccel_debug("Resource release: not a live resource (already released?)");
			return VACCEL_EINVAL;
		}
		sessions = rs->sessions;
	}
	for (auto *s : sessions)
		unregister_impl(res, s);
	{
		std::lock_guard lock(o.mutex);
		// Links added meanwhile by a racing register are dropped silently.
		for (auto *s : std::vector<vaccel_session *>(rs->sessions))
			remove_link_locked(find_session_locked(s), *rs, s, res);
		o.resources.erase(res->id);
	}
	vaccel_id_t id = res->id;
	{
		std::lock_guard data_lock(rs->data_mutex);
		free_resource_contents(res);
	}
	o.resource_ids.release(id);
	vaccel_debug("Released resource %lld", static_cast<long long>(id));
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

// The *_new constructors: a zeroed heap resource set up by `init` (one of
// the vaccel_resource_init* functions), freed again if that fails.
template <typename Init>
int new_resource(vaccel_resource **res, Init &&init)
{
	if (!res)
		return VACCEL_EINVAL;
	auto *r = static_cast<vaccel_resource *>(calloc(1, sizeof(vaccel_resource)));
	if (!r)
		return VACCEL_ENOMEM;
	if (int ret = init(r)) {
		free(r);
		return ret;
	}
	*res = r;
	return VACCEL_OK;
}

} // namespace

extern "C" {

int vaccel_resource_init(struct vaccel_resource *res, const char *path, vaccel_resource_type_t type)
{
	return guard(__func__, [&] {
		if (!path)
			return static_cast<int>(VACCEL_EINVAL);
		const char *paths[] = {path};
		return resource_init_paths(res, paths, 1, type, true);
	});
}

int vaccel_resource_init_multi(struct vaccel_resource *res, const char **paths, size_t nr_paths,
			       vaccel_resource_type_t type)
{
	return guard(__func__, [&] {
		if (paths)
			for (size_t i = 0; i < nr_paths; ++i)
				if (!paths[i])
					return static_cast<int>(VACCEL_EINVAL);
		return resource_init_paths(res, paths, nr_paths, type, false);
	});
}

int vaccel_resource_init_from_buf(struct vaccel_resource *res, const void *buf, size_t nr_bytes,
				  vaccel_resource_type_t type, const char *filename, bool mem_only)
{
	return guard(__func__, [&] {
		if (!res || !buf || nr_bytes == 0 || !valid_type(type))
			return static_cast<int>(VACCEL_EINVAL);
		auto make = [&](vaccel_resource *r) {
			const auto *bytes = static_cast<const uint8_t *>(buf);
			vaccel_blob *b = nullptr;
			int ret;
			if (mem_only) {
				ret = vaccel_blob_from_buf(&b, bytes, nr_bytes, true, filename, nullptr, false);
			} else {
				if ((ret = ensure_resource_rundir(r)))
					return ret;
				bool randomize = !filename || !*filename;
				ret = vaccel_blob_from_buf(&b, bytes, nr_bytes, false, randomize ? "file" : filename,
							   r->rundir, randomize);
			}
			return ret ? ret : append_blob(r, b);
		};
		return publish_resource(res, type, VACCEL_PATH_LOCAL_FILE, {}, make);
	});
}

int vaccel_resource_init_from_blobs(struct vaccel_resource *res, const struct vaccel_blob **blobs, size_t nr_blobs,
				    vaccel_resource_type_t type)
{
	return guard(__func__, [&] {
		if (!res || !blobs || nr_blobs == 0 || !valid_type(type))
			return static_cast<int>(VACCEL_EINVAL);
		for (size_t i = 0; i < nr_blobs; ++i) {
			if (!vaccel_blob_valid(blobs[i])) {
				vaccel_error("Cannot create resource: blob %zu is not valid", i);
				return static_cast<int>(VACCEL_EINVAL);
			}
		}
		return publish_resource(res, type, VACCEL_PATH_LOCAL_FILE, {},
					[&](vaccel_resource *r) { return copy_blobs(r, blobs, nr_blobs); });
	});
}

int vaccel_resource_release(struct vaccel_resource *res)
{
	return guard(__func__, [&] { return release_impl(res); });
}

int vaccel_resource_new(struct vaccel_resource **res, const char *path, vaccel_resource_type_t type)
{
	return new_resource(res, [&](vaccel_resource *r) { return vaccel_resource_init(r, path, type); });
}

int vaccel_resource_multi_new(struct vaccel_resource **res, const char **paths, size_t nr_paths,
			      vaccel_resource_type_t type)
{
	return new_resource(res,
			    [&](vaccel_resource *r) { return vaccel_resource_init_multi(r, paths, nr_paths, type); });
}

int vaccel_resource_from_buf(struct vaccel_resource **res, const void *buf, size_t nr_bytes,
			     vaccel_resource_type_t type, const char *filename, bool mem_only)
{
	return new_resource(res, [&](vaccel_resource *r) {
		return vaccel_resource_init_from_buf(r, buf, nr_bytes, type, filename, mem_only);
	});
}

int vaccel_resource_from_blobs(struct vaccel_resource **res, const struct vaccel_blob **blobs, size_t nr_blobs,
			       vaccel_resource_type_t type)
{
	return new_resource(
		res, [&](vaccel_resource *r) { return vaccel_resource_init_from_blobs(r, blobs, nr_blobs, type); });
}

int vaccel_resource_delete(struct vaccel_resource *res)
{
	if (!res)
		return VACCEL_EINVAL;
	int ret = vaccel_resource_release(res);
	free(res);
	return ret;
}

int vaccel_resource_register(struct vaccel_resource *res, struct vaccel_session *sess)
{
	return guard(__func__, [&] { return register_impl(res, sess); });
}

int vaccel_resource_unregister(struct vaccel_resource *res, struct vaccel_session *sess)
{
	return guard(__func__, [&] { return unregister_impl(res, sess); });
}

int vaccel_resource_sync(struct vaccel_resource *res, struct vaccel_session *sess)
{
	return guard(__func__, [&] {
		if (!res || !sess)
			return static_cast<int>(VACCEL_EINVAL);
		if (!vaccel_session_has_resource(sess, res)) {
			vaccel_error("Cannot sync resource %lld: not registered with session %lld",
				     static_cast<long long>(res->id), static_cast<long long>(sess->id));
			return static_cast<int>(VACCEL_EPERM);
		}
		vaccel_plugin *plugin = sess->plugin;
		std::shared_ptr<ResourceState> rs;
		{
			auto &o = objects();
			std::lock_guard lock(o.mutex);
			rs = find_resource_locked(res);
		}
		if (!rs)
			return static_cast<int>(VACCEL_EINVAL);
		std::lock_guard data_lock(rs->data_mutex);
		if (plugin && plugin->info->resource_sync)
			return call_hook(plugin->info->name, "resource_sync", plugin->info->resource_sync, res, sess);
		if (sess->is_virtio) {
			vaccel_error("Cannot sync resource %lld: plugin %s has no resource_sync",
				     static_cast<long long>(res->id), plugin->info->name);
			return static_cast<int>(VACCEL_ENOTSUP);
		}
		return static_cast<int>(VACCEL_OK); // local buffers are always current
	});
}

int vaccel_resource_directory(struct vaccel_resource *res, char *out_path, size_t out_path_size, char **alloc_path)
{
	return guard(__func__, [&] {
		if (!res || (!out_path && !alloc_path))
			return static_cast<int>(VACCEL_EINVAL);
		if (res->path_type != VACCEL_PATH_LOCAL_DIR || !res->paths || res->nr_paths == 0) {
			vaccel_error("Resource %lld is not a directory resource", static_cast<long long>(res->id));
			return static_cast<int>(VACCEL_ENOTSUP);
		}
		const char *dir = res->paths[0];
		size_t len = strlen(dir);
		if (out_path) {
			if (out_path_size < len + 1)
				return static_cast<int>(VACCEL_ENAMETOOLONG);
			memcpy(out_path, dir, len + 1);
			return static_cast<int>(VACCEL_OK);
		}
		*alloc_path = dup_cstr(dir);
		return static_cast<int>(VACCEL_OK);
	});
}

int vaccel_resource_get_by_id(struct vaccel_resource **res, vaccel_id_t id)
{
	return guard(__func__, [&]() -> int {
		if (!res)
			return VACCEL_EINVAL;
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		auto it = o.resources.find(id);
		if (it == o.resources.end())
			return VACCEL_ENOENT;
		*res = it->second->res;
		return VACCEL_OK;
	});
}

int vaccel_resource_get_by_type(struct vaccel_resource **res, vaccel_resource_type_t type)
{
	return guard(__func__, [&]() -> int {
		if (!res || !valid_type(type))
			return VACCEL_EINVAL;
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		for (auto &[id, st] : o.resources) {
			if (st->res->type == type) {
				*res = st->res;
				return VACCEL_OK;
			}
		}
		return VACCEL_ENOENT;
	});
}

int vaccel_resource_get_all_by_type(struct vaccel_resource ***res, size_t *nr_found, vaccel_resource_type_t type)
{
	return guard(__func__, [&]() -> int {
		if (!res || !nr_found || !valid_type(type))
			return VACCEL_EINVAL;
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		std::vector<vaccel_resource *> found;
		for (auto &[id, st] : o.resources)
			if (st->res->type == type)
				found.push_back(st->res);
		*nr_found = found.size();
		if (found.empty())
			return VACCEL_ENOENT;
		auto **arr = static_cast<vaccel_resource **>(malloc(found.size() * sizeof(vaccel_resource *)));
		if (!arr)
			return VACCEL_ENOMEM;
		std::copy(found.begin(), found.end(), arr);
		*res = arr;
		return VACCEL_OK;
	});
}

long int vaccel_resource_refcount(const struct vaccel_resource *res)
{
	if (!res)
		return -VACCEL_EINVAL;
	return static_cast<long int>(
		std::atomic_ref<unsigned int>(const_cast<vaccel_resource *>(res)->refcount).load());
}

int vaccel_sess_register(struct vaccel_session *sess, struct vaccel_resource *res)
{
	return vaccel_resource_register(res, sess);
}

int vaccel_sess_unregister(struct vaccel_session *sess, struct vaccel_resource *res)
{
	return vaccel_resource_unregister(res, sess);
}

} // extern "C"
