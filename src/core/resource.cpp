// SPDX-License-Identifier: Apache-2.0
// Resources: creation from paths/URLs/directories/buffers/blobs, release and the global
// lookups. Their files and downloads are in resource_files.cpp, their registration with
// sessions in resource_registration.cpp.
//
// Locking: objects().mutex guards the object store and the links and is never
// held while calling out. A resource's data_mutex serialises everything that
// touches its blobs or talks to plugins about it (directory listing, download,
// reading for remote sessions, and the register/unregister/sync hooks).
// Lock order: data_mutex before objects().mutex.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core_internal.hpp"
#include "object_store.hpp"
#include "resource_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel.h"

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
// resource's id and rundir) and publishes the resource in the object store.
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

} // extern "C"
