// SPDX-License-Identifier: Apache-2.0
// The object store: live sessions and resources and their registration links (object_store.hpp).
#include <mutex>

#include "object_store.hpp"
#include "vaccel/log.h"

namespace vaccel::core {

ObjectStore &objects()
{
	static auto *o = new ObjectStore;
	return *o;
}

SessionState *find_session_locked(const vaccel_session *sess)
{
	objects().mutex.assert_held();
	if (!sess)
		return nullptr;
	auto &o = objects();
	auto it = o.sessions.find(sess->id);
	return (it != o.sessions.end() && it->second.sess == sess) ? &it->second : nullptr;
}

std::shared_ptr<ResourceState> find_resource_locked(const vaccel_resource *res)
{
	objects().mutex.assert_held();
	if (!res)
		return nullptr;
	auto &o = objects();
	auto it = o.resources.find(res->id);
	return (it != o.resources.end() && it->second->res == res) ? it->second : nullptr;
}

void objects_forget_all()
{
	auto &o = objects();
	std::lock_guard lock(o.mutex);
	if (!o.sessions.empty() || !o.resources.empty())
		vaccel_debug("Dropping %zu unreleased session(s) and %zu resource(s) at exit", o.sessions.size(),
			     o.resources.size());
	o.sessions.clear();
	o.resources.clear();
	o.session_ids.reset();
	o.resource_ids.reset();
}

} // namespace vaccel::core
