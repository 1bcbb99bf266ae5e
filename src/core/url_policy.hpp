// SPDX-License-Identifier: Apache-2.0
// The URL fetch policy of include/vaccel/url_policy.h, as net.cpp applies it.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vaccel::core {

struct UrlAllowEntry {
	std::string host;               // lower-case host name; empty for an address range
	int family = 0;                 // AF_INET or AF_INET6 for an address range
	std::array<uint8_t, 16> addr{}; // network order (4 bytes used for AF_INET)
	unsigned prefix = 0;            // leading bits that must match
	uint16_t port = 0;              // 0: any port
};

struct UrlPolicy {
	bool follow_redirects = false;
	std::vector<UrlAllowEntry> allow;
};

// The policy in force, or nullptr when none is set (fetch as vAccel 0.8 does). A fetch keeps
// the pointer it took for its whole duration.
std::shared_ptr<const UrlPolicy> current_url_policy();

// Parses one allowlist entry (syntax in url_policy.h). False if it is invalid.
bool parse_url_allow_entry(const std::string &text, UrlAllowEntry &out);

// Whether a connection to `sa`, made for a URL whose host is `url_host` (lower case), is
// allowed. On refusal `why` says which rule refused it (for the log, never for the client).
bool url_connect_allowed(const UrlPolicy &p, const std::string &url_host, const sockaddr *sa, std::string &why);

} // namespace vaccel::core
