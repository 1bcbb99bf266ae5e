// SPDX-License-Identifier: Apache-2.0
#include "url_policy.hpp"

#include "server_connection.hpp"
#include "log.hpp"

#include <vaccel.h>

#include <vector>

namespace vaccel::agent {

bool apply_url_policy(const AgentConfig &cfg)
{
	std::vector<const char *> allow;
	for (const auto &h : cfg.url_allow_hosts)
		allow.push_back(h.c_str());
	unsigned flags = cfg.url_allow_redirects ? VACCEL_URL_POLICY_REDIRECTS : 0;
	if (vaccel_url_policy_set(flags, allow.data(), allow.size()) != VACCEL_OK) {
		RPC_ERROR("invalid --url-allow-host entry (HOST[:PORT], IPV4[/LEN][:PORT], [IPV6][/LEN][:PORT])");
		return false;
	}
	if (cfg.allow_url_resources && !cfg.url_allow_hosts.empty())
		RPC_WARN("--url-allow-host: clients may fetch from %zu internal host(s) or range(s)",
			 cfg.url_allow_hosts.size());
	return true;
}

bool url_scheme_allowed(const std::string &url)
{
	return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

void fail_url_resource(rpc::Reply &r, uint64_t conn, int status, const char *step)
{
	RPC_INFO("conn %llu: URL resource %s failed (%d); the client gets %d", (unsigned long long)conn, step, status,
		 VACCEL_EREMOTEIO);
	r.fail(VACCEL_EREMOTEIO, "URL resource could not be fetched");
}

} // namespace vaccel::agent
