// SPDX-License-Identifier: Apache-2.0
// One client's state on the agent (its isolation domain): the host sessions and resources it
// created, their spool directories and charges, and its profiling samples. Ids of other
// tenants are indistinguishable from unknown ones. The request handlers (agent/handlers/)
// work on it; release_all() gives everything back when the client leaves.
// Threads: the state lock (state_lock()) is held exclusively by requests that change sessions
// or resources, shared by data-path requests that may run concurrently (agent/connection.hpp);
// samples are appended under their own lock, so record_sample() may run under the shared one.
#pragma once

#include "agent.hpp"
#include "budget.hpp"
#include "server_connection.hpp"
#include "vaccel_rpc.pb.h"

#include <vaccel.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

namespace vaccel::agent {

namespace v1 = ::vaccel::rpc::v1;
using rpc::Reply;

// CLOCK_MONOTONIC in nanoseconds, for the agent-side profiling samples.
uint64_t monotonic_ns();

class Tenant {
public:
	struct ResourceEntry {
		vaccel_resource *res = nullptr;
		std::set<int64_t> sessions; // host session ids it is registered with
		std::string dir;            // spool directory (removed on release)
		Charge memory, disk;        // its BUFFER blobs, its spooled files
	};
	struct ProfRegion {
		std::vector<v1::ProfSample> samples;
	};
	struct SessionEntry {
		vaccel_session *sess = nullptr;
		std::map<std::string, ProfRegion> prof;
	};

	// `id` names the tenant in logs and spool paths; `budget` is its connection's, charged
	// for its resources; both `agent` and `budget` outlive the tenant.
	Tenant(Agent &agent, uint64_t id, ByteBudget &budget);
	~Tenant();
	Tenant(const Tenant &) = delete;
	Tenant &operator=(const Tenant &) = delete;

	[[nodiscard]] Agent &agent() { return agent_; }
	[[nodiscard]] const AgentConfig &cfg() const { return cfg_; }
	[[nodiscard]] uint64_t id() const { return id_; }
	[[nodiscard]] ByteBudget &budget() { return budget_; }
	// See the class comment.
	[[nodiscard]] std::shared_mutex &state_lock() { return state_lock_; }

	// The tenant's sessions and resources by host id (under the state lock).
	[[nodiscard]] std::map<int64_t, SessionEntry> &sessions() { return sessions_; }
	[[nodiscard]] std::map<int64_t, ResourceEntry> &resources() { return resources_; }
	// The entry, or nullptr with `r` failed as ENOENT.
	SessionEntry *find_session(int64_t id, Reply &r);
	ResourceEntry *find_resource(int64_t id, Reply &r);
	// Session and resource of a model request; nullptr (r failed) unless both exist.
	vaccel_resource *find_model(int64_t sess_id, int64_t model_id, SessionEntry *&s, Reply &r);

	// A fresh spool directory path for a resource, relative to the agent's spool.
	std::string new_resource_dir();
	// Deletes a resource no session of the tenant holds any more (its files and charges go).
	void release_resource_if_unused(int64_t id);
	// Appends a profiling sample of `region` to session s (bounded per region).
	void record_sample(SessionEntry &s, const std::string &region, uint64_t start_ns, uint64_t dur_ns);
	// Profiling regions of s, for a reply (under the samples' lock).
	void copy_samples(SessionEntry &s, v1::ProfilingData &out);
	// Releases every session and resource and removes the tenant's spool directory.
	void release_all();

private:
	Agent &agent_;
	const AgentConfig &cfg_;
	const uint64_t id_;
	ByteBudget &budget_;
	std::shared_mutex state_lock_;
	std::mutex prof_lock_; // samples are appended by concurrent data-path requests
	std::map<int64_t, SessionEntry> sessions_;
	std::map<int64_t, ResourceEntry> resources_;
	uint64_t next_res_dir_ = 1;
};

} // namespace vaccel::agent
