// SPDX-License-Identifier: Apache-2.0
// Fixed 32-byte little-endian frame header of protocol version 1 (docs/protocol.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vaccel::rpc {

inline constexpr uint32_t kFrameMagic = 0x52434156; // bytes 'V' 'A' 'C' 'R'
inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderSize = 32;

enum class FrameType : uint8_t {
	hello = 1,     // client -> agent, metadata = Hello
	hello_ack = 2, // agent -> client, metadata = HelloAck
	request = 3,   // client -> agent, metadata = Request
	response = 4,  // agent -> client, metadata = Response
	data = 5,      // continuation of a message payload
};

namespace frame_flags {
inline constexpr uint16_t end = 1u << 0;    // last frame of the message
inline constexpr uint16_t has_fd = 1u << 1; // payload travels in an attached sealed memfd
inline constexpr uint16_t parts = 1u << 2;  // with has_fd: payload = parts table (inline and fd ranges)
inline constexpr uint16_t known = end | has_fd | parts;
} // namespace frame_flags

// A PARTS head frame carries a table of these (24 bytes each, little endian) as its data.
struct PayloadPart {
	enum Kind : uint32_t { inline_bytes = 0, fd_range = 1 };
	uint32_t kind = inline_bytes;
	uint32_t fd_index = 0; // fd_range: index among the fds attached to the head frame
	uint64_t offset = 0;   // fd_range: byte offset inside that memfd
	uint64_t length = 0;   // > 0
};
inline constexpr size_t kPartEntrySize = 24;
inline constexpr size_t kMaxParts = 64;
inline constexpr size_t kMaxMessageFds = 4;

namespace frame_flags {
} // namespace frame_flags

struct FrameHeader {
	FrameType type = FrameType::request;
	uint16_t flags = 0;
	uint32_t stream_id = 0;
	uint32_t meta_len = 0;
	uint64_t data_len = 0; // payload bytes carried by this frame
	uint64_t aux = 0;      // head frame: whole payload size; DATA frame: offset of its bytes
};

using FrameHeaderBytes = std::array<std::byte, kFrameHeaderSize>;

FrameHeaderBytes encode_header(const FrameHeader &h);

// Parses and validates the fixed fields (magic, version, type, flags); limits that depend on
// configuration are checked by the caller. Returns 0 or VACCEL_EINVAL-like errno with `why` set.
int decode_header(const std::byte *bytes, FrameHeader &out, std::string &why);

// Parts table of a PARTS head frame, kPartEntrySize bytes per entry.
void encode_parts(std::span<const PayloadPart> parts, std::vector<std::byte> &out);
PayloadPart decode_part(const std::byte *entry);

const char *frame_type_name(FrameType t);

} // namespace vaccel::rpc
