// SPDX-License-Identifier: Apache-2.0
// Shared state of the rpc transport plugin: the agent connection and the mapping of local
// sessions/resources to agent-side ids (valid only for the connection generation that made them).
#pragma once

#include "client.hpp"

#include <vaccel.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace vaccel::rpcplugin {

namespace v1 = ::vaccel::rpc::v1;

struct RemoteSession {
	int64_t remote_id = 0;
	uint64_t generation = 0;
};

struct RemoteResource {
	int64_t remote_id = 0;
	uint64_t generation = 0;
	std::set<vaccel_id_t> sessions; // local session ids it is registered with
};

// An arg as it goes on the wire, plus where a write arg's result lands.
struct WireArg {
	uint32_t type = VACCEL_ARG_RAW;
	uint64_t size = 0;
	uint32_t custom_type_id = 0;
	bool has_data = true;
	const void *data = nullptr; // bytes sent when has_data
	void *dest = nullptr;       // write args: result copied here (size bytes)
};

class State {
public:
	static State &get();

	// The client, created on first use from the environment.
	// The client for the current address (kept alive by the caller during a call).
	std::shared_ptr<rpc::Client> client();
	void reset_client();

	// Issues a request on behalf of a session (sess may be null for session creation).
	// Returns the agent's vAccel status, VACCEL_EREMOTEIO on transport failure, or
	// VACCEL_ESESS when the session belongs to a connection that is gone.
	int call(const vaccel_session *sess, const v1::Request &req, std::span<const iovec> payload,
		 rpc::CallResult &out);

	int session_remote_id(const vaccel_session *sess, int64_t &id, uint64_t &gen);
	void add_session(vaccel_id_t local, RemoteSession rs);
	void remove_session(vaccel_id_t local);

	// Agent-side id of a resource for the current connection (0 if none).
	int64_t resource_remote_id(const vaccel_resource *res, uint64_t gen);
	void resource_registered(const vaccel_resource *res, vaccel_id_t sess, int64_t remote, uint64_t gen);
	// Returns true if the agent-side resource is gone (no session left).
	bool resource_unregistered(const vaccel_resource *res, vaccel_id_t sess);

	int genop(vaccel_session *sess, const std::vector<WireArg> &read, const std::vector<WireArg> &write);

	// A response payload region to receive into, reused across calls (empty when none is
	// spare), and its return after the call. A fresh region per call costs an mmap, page
	// faults and an munmap with its TLB flush, more than a classify-sized response itself on
	// a VM. At most kSpareRegions are kept, each trimmed to kKeepRegion bytes.
	rpc::GrowableRegion take_region();
	void give_region(rpc::GrowableRegion r);
	static constexpr size_t kSpareRegions = 4;
	static constexpr size_t kKeepRegion = 1u << 20;

private:
	std::mutex lock_;
	std::shared_ptr<rpc::Client> client_;             // guarded by lock_ (creation)
	std::map<vaccel_id_t, RemoteSession> sessions_;   // guarded by lock_
	std::map<vaccel_id_t, RemoteResource> resources_; // guarded by lock_
	std::mutex spare_lock_;
	std::vector<rpc::GrowableRegion> spare_regions_; // guarded by spare_lock_
};

// A call's result whose payload region comes from the State's spares and goes back to them.
class PooledResult {
public:
	PooledResult() { res_.payload = State::get().take_region(); }
	~PooledResult() { State::get().give_region(std::move(res_.payload)); }
	PooledResult(const PooledResult &) = delete;
	PooledResult &operator=(const PooledResult &) = delete;
	rpc::CallResult &get() { return res_; }

private:
	rpc::CallResult res_;
};

} // namespace vaccel::rpcplugin
