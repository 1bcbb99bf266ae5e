// SPDX-License-Identifier: Apache-2.0
// URL resources (--allow-url-resources): what the agent lets the host runtime fetch for a
// client, and what the client learns when a fetch fails.
#pragma once

#include "agent.hpp"

#include <string>

namespace vaccel::rpc {
struct Reply;
} // namespace vaccel::rpc

namespace vaccel::agent {

// Installs the agent's URL policy in the host runtime (include/vaccel/url_policy.h): http and
// https only, no internal addresses unless --url-allow-host names them, no redirects unless
// --url-allow-redirects. Set whether or not URL resources are enabled, so that nothing in the
// agent process ever fetches under the permissive default. False (logged) on an invalid entry.
bool apply_url_policy(const AgentConfig &cfg);

// First check of a client's URL, before anything is fetched: http:// or https:// only.
bool url_scheme_allowed(const std::string &url);

// Answers a failed URL resource with the one error every such failure gets (the client must
// not tell a refused address from a closed port or a missing document); `status` and `step`
// go to the agent log only.
void fail_url_resource(rpc::Reply &r, uint64_t conn, int status, const char *step);

} // namespace vaccel::agent
