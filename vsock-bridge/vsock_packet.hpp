// SPDX-License-Identifier: Apache-2.0
// The virtio-vsock packet header (virtio spec 5.10.6; linux/virtio_vsock.h): 44 bytes, packed,
// little-endian. decode() never trusts a field: it only copies bytes; the state machine judges
// them. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vbridge {

inline constexpr size_t kHeaderSize = 44;
inline constexpr uint64_t kHostCid = 2;
inline constexpr uint16_t kTypeStream = 1;

enum class Op : uint16_t {
	invalid = 0,
	request = 1,
	response = 2,
	rst = 3,
	shutdown = 4,
	rw = 5,
	credit_update = 6,
	credit_request = 7,
};

inline constexpr uint32_t kShutdownRcv = 1;  // the sender will receive no more
inline constexpr uint32_t kShutdownSend = 2; // the sender will send no more

struct Header {
	uint64_t src_cid = 0;
	uint64_t dst_cid = 0;
	uint32_t src_port = 0;
	uint32_t dst_port = 0;
	uint32_t len = 0;
	uint16_t type = kTypeStream;
	Op op = Op::invalid;
	uint32_t flags = 0;
	uint32_t buf_alloc = 0;
	uint32_t fwd_cnt = 0;
};

// Reads a header from the first kHeaderSize bytes; false when `in` is shorter.
bool decode(std::span<const std::byte> in, Header &out);
// Writes the header into the first kHeaderSize bytes of `out` (which must hold them).
void encode(const Header &h, std::span<std::byte> out);
// A short name of the op for logs ("REQUEST", ..., or "op?").
const char *op_name(Op op);

} // namespace vbridge
