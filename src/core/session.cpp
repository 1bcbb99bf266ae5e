// SPDX-License-Identifier: Apache-2.0
// Sessions: id allocation, plugin binding (session.h rules), rundir, the
// per-session resource lookups and release.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core_internal.hpp"
#include "object_store.hpp"
#include "plugin_internal.hpp"
#include "session_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel.h"

namespace vaccel::core {

void sessions_reset_pool()
{
	auto &o = objects();
	std::lock_guard lock(o.mutex);
	if (o.sessions.empty())
		o.session_ids.reset();
}

void sessions_release_all()
{
	std::vector<vaccel_session *> live;
	{
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		for (auto &[id, st] : o.sessions)
			live.push_back(st.sess);
	}
	for (auto *s : live) {
		vaccel_debug("Releasing leftover session %lld", static_cast<long long>(s->id));
		vaccel_session_release(s);
	}
}

} // namespace vaccel::core

namespace {

using namespace vaccel::core;

void init_list(vaccel_list_entry *e)
{
	e->next = e;
	e->prev = e;
}

int session_init_impl(vaccel_session *sess, uint32_t flags)
{
	if (!sess)
		return VACCEL_EINVAL;
	if (!runtime_initialized()) {
		vaccel_error("Cannot create session: vAccel is not initialized");
		return VACCEL_ENOTSUP;
	}
	std::string why;
	vaccel_plugin *plugin = plugin_select(flags, why);
	if (!plugin) {
		vaccel_error("Cannot create session: %s", why.c_str());
		return VACCEL_ENOTSUP;
	}

	auto &o = objects();
	vaccel_id_t id = o.session_ids.acquire();
	if (id == 0) {
		vaccel_error("Cannot create session: all %zu session ids are in use", kMaxSessions);
		return VACCEL_EUSERS;
	}

	std::string top = runtime_rundir();
	if (top.empty()) { // cleaned up meanwhile
		o.session_ids.release(id);
		vaccel_error("Cannot create session: vAccel is not initialized");
		return VACCEL_ENOTSUP;
	}
	std::string dir = top + "/session." + std::to_string(id);
	if (dir.size() >= PATH_MAX) {
		o.session_ids.release(id);
		return VACCEL_ENAMETOOLONG;
	}
	if (int ret = make_dir(dir)) {
		o.session_ids.release(id);
		return ret;
	}

	sess->id = id;
	sess->remote_id = 0;
	sess->hint = flags;
	sess->is_virtio = plugin->info->is_virtio;
	memcpy(sess->rundir, dir.c_str(), dir.size() + 1);
	init_list(&sess->entry);
	for (auto &e : sess->resources)
		init_list(&e);
	std::fill(std::begin(sess->resource_counts), std::end(sess->resource_counts), 0);
	pthread_mutex_init(&sess->resources_lock, nullptr);
	sess->plugin = plugin;
	sess->priv = nullptr;

	if (plugin->info->session_init) {
		int ret = call_hook(plugin->info->name, "session_init", plugin->info->session_init, sess, flags);
		if (ret) {
			vaccel_error("Cannot create session: plugin %s session_init failed (%d)", plugin->info->name,
				     ret);
			remove_tree(dir);
			pthread_mutex_destroy(&sess->resources_lock);
			o.session_ids.release(id);
			sess->id = 0;
			sess->plugin = nullptr;
			return ret;
		}
	}

	{
		std::lock_guard lock(o.mutex);
		SessionState st;
		st.sess = sess;
		o.sessions[id] = std::move(st);
	}
	vaccel_debug("New session %lld (plugin %s%s, flags 0x%x)", static_cast<long long>(id), plugin->info->name,
		     sess->is_virtio ? ", remote" : "", flags);
	return VACCEL_OK;
}

int session_release_impl(vaccel_session *sess)
{
	if (!sess)
		return VACCEL_EINVAL;
	auto &o = objects();
	std::vector<vaccel_resource *> registered;
	{
		std::lock_guard lock(o.mutex);
		SessionState *st = find_session_locked(sess);
		if (!st) {
			vaccel_error("Cannot release session %lld: not a live session",
				     static_cast<long long>(sess->id));
			return VACCEL_EINVAL;
		}
		for (auto &list : st->resources)
			registered.insert(registered.end(), list.begin(), list.end());
	}
	for (auto *res : registered)
		vaccel_resource_unregister(res, sess);

	{
		std::lock_guard lock(o.mutex);
		o.sessions.erase(sess->id);
	}

	int ret = VACCEL_OK;
	vaccel_plugin *plugin = sess->plugin;
	if (plugin && plugin->info->session_release) {
		ret = call_hook(plugin->info->name, "session_release", plugin->info->session_release, sess);
		if (ret)
			vaccel_error("Plugin %s session_release for session %lld failed (%d)", plugin->info->name,
				     static_cast<long long>(sess->id), ret);
	}
	remove_tree(sess->rundir);
	vaccel_debug("Released session %lld", static_cast<long long>(sess->id));
	o.session_ids.release(sess->id);
	pthread_mutex_destroy(&sess->resources_lock);
	sess->id = 0;
	sess->remote_id = 0;
	sess->plugin = nullptr;
	sess->rundir[0] = '\0';
	std::fill(std::begin(sess->resource_counts), std::end(sess->resource_counts), 0);
	return ret;
}

// Whether `type` names a resource list of a session (C callers may pass any int).
bool known_resource_type(const vaccel_resource_type_t &type)
{
	return enum_raw(type) >= 0 && enum_raw(type) < VACCEL_RESOURCE_MAX;
}

// Runs `body(state)` on the live session `sess` with the objects lock held;
// VACCEL_EINVAL if `sess` is not a live session.  The lookups below share it.
template <typename Body>
int with_live_session(const vaccel_session *sess, Body &&body)
{
	auto &o = objects();
	std::lock_guard lock(o.mutex);
	SessionState *st = find_session_locked(sess);
	if (!st)
		return VACCEL_EINVAL;
	return body(*st);
}

} // namespace

extern "C" {

int vaccel_session_init(struct vaccel_session *sess, uint32_t flags)
{
	return guard(__func__, [&] { return session_init_impl(sess, flags); });
}

int vaccel_session_release(struct vaccel_session *sess)
{
	return guard(__func__, [&] { return session_release_impl(sess); });
}

int vaccel_session_new(struct vaccel_session **sess, uint32_t flags)
{
	if (!sess)
		return VACCEL_EINVAL;
	auto *s = static_cast<vaccel_session *>(calloc(1, sizeof(vaccel_session)));
	if (!s)
		return VACCEL_ENOMEM;
	int ret = vaccel_session_init(s, flags);
	if (ret) {
		free(s);
		return ret;
	}
	*sess = s;
	return VACCEL_OK;
}

int vaccel_session_delete(struct vaccel_session *sess)
{
	if (!sess)
		return VACCEL_EINVAL;
	int ret = vaccel_session_release(sess);
	free(sess);
	return ret;
}

int vaccel_session_get_by_id(struct vaccel_session **sess, vaccel_id_t id)
{
	return guard(__func__, [&]() -> int {
		if (!sess)
			return VACCEL_EINVAL;
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		auto it = o.sessions.find(id);
		if (it == o.sessions.end())
			return VACCEL_ENOENT;
		*sess = it->second.sess;
		return VACCEL_OK;
	});
}

bool vaccel_session_has_resource(const struct vaccel_session *sess, const struct vaccel_resource *res)
{
	if (!sess || !res)
		return false;
	try {
		auto &o = objects();
		std::lock_guard lock(o.mutex);
		SessionState *st = find_session_locked(sess);
		if (!st || !known_resource_type(res->type))
			return false;
		auto &list = st->resources[res->type];
		return std::find(list.begin(), list.end(), res) != list.end();
	} catch (...) {
		error_from_current_exception(__func__);
		return false;
	}
}

int vaccel_session_resource_by_id(struct vaccel_session *sess, struct vaccel_resource **res, vaccel_id_t id)
{
	return guard(__func__, [&]() -> int {
		if (!sess || !res)
			return VACCEL_EINVAL;
		return with_live_session(sess, [&](SessionState &st) -> int {
			for (auto &list : st.resources)
				for (auto *r : list)
					if (r->id == id) {
						*res = r;
						return VACCEL_OK;
					}
			return VACCEL_ENOENT;
		});
	});
}

int vaccel_session_resource_by_type(struct vaccel_session *sess, struct vaccel_resource **res,
				    vaccel_resource_type_t type)
{
	return guard(__func__, [&]() -> int {
		if (!sess || !res || !known_resource_type(type))
			return VACCEL_EINVAL;
		return with_live_session(sess, [&](SessionState &st) -> int {
			if (st.resources[type].empty())
				return VACCEL_ENOENT;
			*res = st.resources[type].front();
			return VACCEL_OK;
		});
	});
}

int vaccel_session_resources_by_type(struct vaccel_session *sess, struct vaccel_resource ***res, size_t *nr_found,
				     vaccel_resource_type_t type)
{
	return guard(__func__, [&]() -> int {
		if (!sess || !res || !nr_found || !known_resource_type(type))
			return VACCEL_EINVAL;
		return with_live_session(sess, [&](SessionState &st) -> int {
			auto &list = st.resources[type];
			if (list.empty()) {
				*nr_found = 0;
				return VACCEL_ENOENT;
			}
			auto **arr = static_cast<vaccel_resource **>(malloc(list.size() * sizeof(vaccel_resource *)));
			if (!arr)
				return VACCEL_ENOMEM;
			std::copy(list.begin(), list.end(), arr);
			*res = arr;
			*nr_found = list.size();
			return VACCEL_OK;
		});
	});
}

int vaccel_session_update(struct vaccel_session *sess, uint32_t flags)
{
	return guard(__func__, [&] {
		if (!sess)
			return static_cast<int>(VACCEL_EINVAL);
		auto &o = objects();
		bool has_resources = false;
		{
			std::lock_guard lock(o.mutex);
			SessionState *st = find_session_locked(sess);
			if (!st)
				return static_cast<int>(VACCEL_EINVAL);
			for (auto &list : st->resources)
				has_resources = has_resources || !list.empty();
		}
		if (sess->is_virtio) {
			vaccel_plugin *p = sess->plugin;
			if (p->info->session_update) {
				if (int ret = call_hook(p->info->name, "session_update", p->info->session_update, sess,
							flags))
					return ret;
			}
			sess->hint = flags;
			return static_cast<int>(VACCEL_OK);
		}
		if (has_resources) {
			vaccel_error("Cannot update session %lld: it has registered resources",
				     static_cast<long long>(sess->id));
			return static_cast<int>(VACCEL_EBUSY);
		}
		std::string why;
		vaccel_plugin *plugin = plugin_select(flags, why);
		if (!plugin || plugin->info->is_virtio) {
			vaccel_error("Cannot update session %lld: %s", static_cast<long long>(sess->id),
				     plugin ? "a local session cannot become remote" : why.c_str());
			return static_cast<int>(VACCEL_ENOTSUP);
		}
		sess->plugin = plugin;
		sess->hint = flags;
		return static_cast<int>(VACCEL_OK);
	});
}

int vaccel_sess_init(struct vaccel_session *sess, uint32_t flags)
{
	return vaccel_session_init(sess, flags);
}

int vaccel_sess_update(struct vaccel_session *sess, uint32_t flags)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	return vaccel_session_update(sess, flags);
#pragma GCC diagnostic pop
}

int vaccel_sess_free(struct vaccel_session *sess)
{
	return vaccel_session_release(sess);
}

bool vaccel_sess_has_resource(struct vaccel_session *sess, struct vaccel_resource *res)
{
	return vaccel_session_has_resource(sess, res);
}

} // extern "C"
