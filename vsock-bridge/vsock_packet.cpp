// SPDX-License-Identifier: Apache-2.0
#include "vsock_packet.hpp"

#include <cstring>

namespace vbridge {
namespace {

// Explicit little-endian byte order, so the code says what the wire is on any host.
template <typename T>
T get_le(const std::byte *p)
{
	T v = 0;
	for (size_t i = 0; i < sizeof(T); ++i)
		v |= static_cast<T>(std::to_integer<uint8_t>(p[i])) << (8 * i);
	return v;
}

template <typename T>
void put_le(std::byte *p, T v)
{
	for (size_t i = 0; i < sizeof(T); ++i)
		p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

} // namespace

bool decode(std::span<const std::byte> in, Header &h)
{
	if (in.size() < kHeaderSize)
		return false;
	const std::byte *p = in.data();
	h.src_cid = get_le<uint64_t>(p + 0);
	h.dst_cid = get_le<uint64_t>(p + 8);
	h.src_port = get_le<uint32_t>(p + 16);
	h.dst_port = get_le<uint32_t>(p + 20);
	h.len = get_le<uint32_t>(p + 24);
	h.type = get_le<uint16_t>(p + 28);
	h.op = static_cast<Op>(get_le<uint16_t>(p + 30));
	h.flags = get_le<uint32_t>(p + 32);
	h.buf_alloc = get_le<uint32_t>(p + 36);
	h.fwd_cnt = get_le<uint32_t>(p + 40);
	return true;
}

void encode(const Header &h, std::span<std::byte> out)
{
	std::byte *p = out.data();
	put_le<uint64_t>(p + 0, h.src_cid);
	put_le<uint64_t>(p + 8, h.dst_cid);
	put_le<uint32_t>(p + 16, h.src_port);
	put_le<uint32_t>(p + 20, h.dst_port);
	put_le<uint32_t>(p + 24, h.len);
	put_le<uint16_t>(p + 28, h.type);
	put_le<uint16_t>(p + 30, static_cast<uint16_t>(h.op));
	put_le<uint32_t>(p + 32, h.flags);
	put_le<uint32_t>(p + 36, h.buf_alloc);
	put_le<uint32_t>(p + 40, h.fwd_cnt);
}

const char *op_name(Op op)
{
	switch (op) {
	case Op::request:
		return "REQUEST";
	case Op::response:
		return "RESPONSE";
	case Op::rst:
		return "RST";
	case Op::shutdown:
		return "SHUTDOWN";
	case Op::rw:
		return "RW";
	case Op::credit_update:
		return "CREDIT_UPDATE";
	case Op::credit_request:
		return "CREDIT_REQUEST";
	default:
		return "op?";
	}
}

} // namespace vbridge
