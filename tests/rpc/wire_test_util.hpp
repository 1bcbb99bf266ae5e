// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the wire-layer unit tests (test_frame, test_message, test_message_parts).
#pragma once

#include "channel.hpp"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace wiretest {

// Two connected channels over a socketpair of `type` (the caller deletes them).
inline std::pair<vaccel::rpc::Channel *, vaccel::rpc::Channel *> make_pair_channels(int type = AF_UNIX)
{
	int sv[2];
	EXPECT_EQ(socketpair(type, SOCK_STREAM, 0, sv), 0);
	return {new vaccel::rpc::Channel(vaccel::rpc::UniqueFd(sv[0])),
		new vaccel::rpc::Channel(vaccel::rpc::UniqueFd(sv[1]))};
}

// `n` pseudo-random bytes, the same for the same `seed`.
inline std::vector<std::byte> pattern(size_t n, unsigned seed)
{
	std::vector<std::byte> v(n);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; ++i) {
		x = x * 1103515245u + 12345u;
		v[i] = static_cast<std::byte>(x >> 24);
	}
	return v;
}

} // namespace wiretest
