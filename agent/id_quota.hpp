// SPDX-License-Identifier: Apache-2.0
// Per-tenant id quotas: every connection may hold --max-sessions sessions and --max-resources
// resources, and the agent only starts if all connections' quotas together fit the host
// runtime's process-wide id pools (include/vaccel/limits.h). So no tenant can take ids that
// another tenant is promised, whatever the others do.
#pragma once

#include "agent.hpp"

namespace vaccel::agent {

// True if max_connections x per-connection quotas fit the host runtime's id capacities;
// otherwise logs which limit to lower and returns false.
bool id_quotas_fit(const AgentConfig &cfg);

} // namespace vaccel::agent
