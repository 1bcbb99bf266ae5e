// SPDX-License-Identifier: Apache-2.0
// Who may talk to vaccel-agent: unix socket permissions and peer credentials, loopback-only
// tcp unless --allow-remote, and the optional shared-secret handshake (src/rpc/auth.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::agent {

// Unix-socket peers allowed to connect, checked with SO_PEERCRED at accept. Empty lists admit
// every peer the socket file's permissions let in. Does not apply to tcp or vsock peers.
struct PeerPolicy {
	std::vector<uid_t> uids;
	std::vector<gid_t> gids;

	[[nodiscard]] bool restricts() const { return !uids.empty() || !gids.empty(); }
	// Whether the peer of the connected unix socket `fd` may be served: its uid is listed, or
	// its primary or one of its supplementary groups is. `who` describes the peer for logs.
	[[nodiscard]] bool admits(int fd, std::string &who) const;
};

// Option values of vaccel-agent; false with `why` set on a bad value.
// "1000,1001" or "alice,bob" (names looked up in the user or group database).
bool parse_id_list(const char *text, bool groups, std::vector<uint32_t> &out, std::string &why);
// A group name or number.
bool parse_group(const char *text, gid_t &out, std::string &why);
// Octal permission bits, at most 0777 (e.g. 600, 0660).
bool parse_socket_mode(const char *text, mode_t &out, std::string &why);

} // namespace vaccel::agent
