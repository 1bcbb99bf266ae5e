// SPDX-License-Identifier: Apache-2.0
#include "packet_io.hpp"

#include <algorithm>
#include <cstring>

namespace vbridge {

void scatter(const Chain &c, const std::byte *src, size_t len)
{
	for (const Segment &s : c.segs) {
		if (!len)
			break;
		if (!s.writable)
			continue;
		const size_t n = std::min<size_t>(s.len, len);
		memcpy(s.ptr, src, n);
		src += n;
		len -= n;
	}
}

size_t gather(const Chain &c, std::byte *dst, size_t len)
{
	size_t done = 0;
	for (const Segment &s : c.segs) {
		if (s.writable || done == len)
			break;
		const size_t n = std::min<size_t>(s.len, len - done);
		memcpy(dst + done, s.ptr, n);
		done += n;
	}
	return done;
}

bool read_tx_packet(const Chain &c, std::span<std::byte> buf, uint32_t max_packet, Header &h,
		    std::span<const std::byte> &payload, std::string &why)
{
	if (c.readable < kHeaderSize) {
		why = std::to_string(c.readable) + " bytes, shorter than a packet header";
		return false;
	}
	gather(c, buf.data(), kHeaderSize);
	decode(buf, h);
	if (h.len > max_packet || h.len > c.readable - kHeaderSize || kHeaderSize + h.len > buf.size()) {
		why = std::string(op_name(h.op)) + " claims " + std::to_string(h.len) + " payload bytes, chain holds " +
		      std::to_string(c.readable - kHeaderSize);
		return false;
	}
	// The payload may start in the header's descriptor or in any later one: gather both at once.
	gather(c, buf.data(), kHeaderSize + h.len);
	payload = std::span<const std::byte>(buf.data() + kHeaderSize, h.len);
	return true;
}

} // namespace vbridge
