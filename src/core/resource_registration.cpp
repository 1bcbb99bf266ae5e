// SPDX-License-Identifier: Apache-2.0
// Resources' registration with sessions (refcounted links both ways) and resource_sync.
//
// Locking: objects().mutex guards the object store and the links and is never
// held while calling out. A resource's data_mutex serialises everything that
// touches its blobs or talks to plugins about it (directory listing, download,
// reading for remote sessions, and the register/unregister/sync hooks).
// Lock order: data_mutex before objects().mutex.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "object_store.hpp"
#include "plugin_internal.hpp"
#include "resource_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel.h"

using namespace vaccel::core;

namespace vaccel::core {

// REQUIRES: objects().mutex held (see resource_internal.hpp).
void remove_link_locked(SessionState *ss, ResourceState &rs, vaccel_session *sess, vaccel_resource *res)
{
	objects().mutex.assert_held();
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

} // namespace vaccel::core

extern "C" {

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

int vaccel_sess_register(struct vaccel_session *sess, struct vaccel_resource *res)
{
	return vaccel_resource_register(res, sess);
}

int vaccel_sess_unregister(struct vaccel_session *sess, struct vaccel_resource *res)
{
	return vaccel_resource_unregister(res, sess);
}

} // extern "C"
