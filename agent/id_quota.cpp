// SPDX-License-Identifier: Apache-2.0
#include "id_quota.hpp"

#include "log.hpp"

#include <vaccel.h>

namespace vaccel::agent {
namespace {

bool fits(size_t conns, size_t per_conn, size_t capacity, const char *what, const char *option)
{
	if (per_conn == 0 || conns <= capacity / per_conn)
		return true;
	RPC_ERROR("--max-connections %zu x %s %zu exceeds the %zu %s ids of the host runtime: lower one of them "
		  "(otherwise some tenants could use up ids that others are promised)",
		  conns, option, per_conn, capacity, what);
	return false;
}

} // namespace

bool id_quotas_fit(const AgentConfig &cfg)
{
	bool sessions = fits(cfg.max_connections, cfg.max_sessions_per_connection, vaccel_session_capacity(), "session",
			     "--max-sessions");
	bool resources = fits(cfg.max_connections, cfg.max_resources_per_connection, vaccel_resource_capacity(),
			      "resource", "--max-resources");
	return sessions && resources;
}

} // namespace vaccel::agent
