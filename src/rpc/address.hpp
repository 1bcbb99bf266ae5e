// SPDX-License-Identifier: Apache-2.0
// Transport addresses: unix:///path, tcp://host:port, vsock://cid:port, serial:///dev/...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vaccel::rpc {

inline constexpr const char *kDefaultAddress = "tcp://127.0.0.1:65500";

struct Address {
	enum class Kind { unix_socket, tcp, vsock, serial };
	Kind kind = Kind::tcp;
	std::string path;  // unix, serial
	std::string host;  // tcp (no brackets for IPv6 literals)
	uint32_t port = 0; // tcp (1..65535), vsock
	uint32_t cid = 0;  // vsock

	[[nodiscard]] std::string to_string() const;
};

// Returns 0 and fills `out`, or EINVAL with a reason in `why`.
int parse_address(std::string_view text, Address &out, std::string &why);

// VACCEL_RPC_ADDRESS, then legacy VACCEL_RPC_ADDR, then the default.
std::string address_from_env();

} // namespace vaccel::rpc
