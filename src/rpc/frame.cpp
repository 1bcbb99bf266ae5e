// SPDX-License-Identifier: Apache-2.0
#include "frame.hpp"

#include <cerrno>
#include <cstring>

namespace vaccel::rpc {
namespace {

void put_le(std::byte *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; ++i)
		p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

uint64_t get_le(const std::byte *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; ++i)
		v |= static_cast<uint64_t>(p[i]) << (8 * i);
	return v;
}

// A PARTS head frame: has_fd set, data = the parts table (1..kMaxParts entries), and no
// DATA frames follow when it also ends the message (no inline parts).
int check_parts_header(const FrameHeader &h, std::string &why)
{
	if (h.type == FrameType::data || !(h.flags & frame_flags::has_fd)) {
		why = "PARTS flag only on a head frame with HAS_FD";
		return EPROTO;
	}
	if (h.data_len == 0 || h.data_len % kPartEntrySize != 0 || h.data_len / kPartEntrySize > kMaxParts) {
		why = "PARTS table of " + std::to_string(h.data_len) + " bytes is not 1.." + std::to_string(kMaxParts) +
		      " entries";
		return EPROTO;
	}
	return 0;
}

} // namespace

FrameHeaderBytes encode_header(const FrameHeader &h)
{
	FrameHeaderBytes b{};
	put_le(&b[0], kFrameMagic, 4);
	put_le(&b[4], kProtocolVersion, 1);
	put_le(&b[5], static_cast<uint8_t>(h.type), 1);
	put_le(&b[6], h.flags, 2);
	put_le(&b[8], h.stream_id, 4);
	put_le(&b[12], h.meta_len, 4);
	put_le(&b[16], h.data_len, 8);
	put_le(&b[24], h.aux, 8);
	return b;
}

int decode_header(const std::byte *b, FrameHeader &out, std::string &why)
{
	if (get_le(&b[0], 4) != kFrameMagic) {
		why = "bad magic";
		return EPROTO;
	}
	auto version = static_cast<uint8_t>(get_le(&b[4], 1));
	if (version != kProtocolVersion) {
		why = "unsupported protocol version " + std::to_string(version);
		return EPROTO;
	}
	auto type = static_cast<uint8_t>(get_le(&b[5], 1));
	if (type < static_cast<uint8_t>(FrameType::hello) || type > static_cast<uint8_t>(FrameType::data)) {
		why = "unknown frame type " + std::to_string(type);
		return EPROTO;
	}
	out.type = static_cast<FrameType>(type);
	out.flags = static_cast<uint16_t>(get_le(&b[6], 2));
	if (out.flags & ~frame_flags::known) {
		why = "unknown frame flags";
		return EPROTO;
	}
	out.stream_id = static_cast<uint32_t>(get_le(&b[8], 4));
	out.meta_len = static_cast<uint32_t>(get_le(&b[12], 4));
	out.data_len = get_le(&b[16], 8);
	out.aux = get_le(&b[24], 8);
	if (out.type == FrameType::data && out.meta_len != 0) {
		why = "DATA frame with metadata";
		return EPROTO;
	}
	if (out.flags & frame_flags::parts)
		return check_parts_header(out, why);
	if (out.type != FrameType::data && out.data_len > out.aux) {
		why = "frame data exceeds declared payload";
		return EPROTO;
	}
	if ((out.flags & frame_flags::has_fd) && (out.data_len != 0 || !(out.flags & frame_flags::end))) {
		why = "HAS_FD frame must carry no inline data and end the message";
		return EPROTO;
	}
	return 0;
}

void encode_parts(std::span<const PayloadPart> parts, std::vector<std::byte> &out)
{
	out.assign(parts.size() * kPartEntrySize, std::byte{0});
	std::byte *b = out.data();
	for (const auto &p : parts) {
		put_le(&b[0], p.kind, 4);
		put_le(&b[4], p.fd_index, 4);
		put_le(&b[8], p.offset, 8);
		put_le(&b[16], p.length, 8);
		b += kPartEntrySize;
	}
}

PayloadPart decode_part(const std::byte *b)
{
	PayloadPart p;
	p.kind = static_cast<uint32_t>(get_le(&b[0], 4));
	p.fd_index = static_cast<uint32_t>(get_le(&b[4], 4));
	p.offset = get_le(&b[8], 8);
	p.length = get_le(&b[16], 8);
	return p;
}

const char *frame_type_name(FrameType t)
{
	switch (t) {
	case FrameType::hello:
		return "HELLO";
	case FrameType::hello_ack:
		return "HELLO_ACK";
	case FrameType::request:
		return "REQUEST";
	case FrameType::response:
		return "RESPONSE";
	case FrameType::data:
		return "DATA";
	}
	return "?";
}

} // namespace vaccel::rpc
