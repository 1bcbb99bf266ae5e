// SPDX-License-Identifier: Apache-2.0
// The object store: the process-wide table of live sessions and resources and
// of their registration links (object_store.cpp). One mutex guards all of it;
// plugin hooks and file I/O always run outside that mutex (see resource.cpp).
// Not to be confused with the plugin registry (plugin.cpp), the loaded plugins.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "checked_mutex.hpp"
#include "id_pool.hpp"
#include "vaccel/resource.h"
#include "vaccel/session.h"

namespace vaccel::core {

// Process-wide id capacities (vaccel_session_capacity(), vaccel_resource_capacity()). Sized
// so that vaccel-agent's default tenants times their quotas fit with room to spare
// (256 connections x 64 sessions, x 256 resources); IdPool keeps them cheap (40 KiB).
inline constexpr std::size_t kMaxSessions = 65536;
inline constexpr std::size_t kMaxResources = 262144;

struct SessionState {
	vaccel_session *sess = nullptr;
	// Registered resources per type, in registration order.
	std::array<std::vector<vaccel_resource *>, VACCEL_RESOURCE_MAX> resources;
};

struct ResourceState {
	vaccel_resource *res = nullptr;
	std::vector<vaccel_session *> sessions; // registered with (active links)
	std::set<vaccel_session *> pending;     // registrations in progress
	std::mutex data_mutex;                  // guards blobs/rundir preparation
};

struct ObjectStore {
	common::CheckedMutex<> mutex; // *_locked functions assert it (debug builds)
	std::map<vaccel_id_t, SessionState> sessions;
	std::map<vaccel_id_t, std::shared_ptr<ResourceState>> resources;
	IdPool session_ids{kMaxSessions};
	IdPool resource_ids{kMaxResources};
};

// Never destroyed (the library destructor may run after static destruction).
ObjectStore &objects();

// The state of `sess`/`res`; nullptr if it is not live. REQUIRES: objects().mutex held.
SessionState *find_session_locked(const vaccel_session *sess);
std::shared_ptr<ResourceState> find_resource_locked(const vaccel_resource *res);

// Forgets live sessions/resources without touching their (user-owned,
// possibly already freed) structs; used by the library destructor.
void objects_forget_all();

} // namespace vaccel::core
