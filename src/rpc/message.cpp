// SPDX-License-Identifier: Apache-2.0
// Sending messages: a head frame (metadata + first payload bytes) then DATA frames until END,
// gathered straight from the caller's iovecs; PARTS messages send their parts table and memfds
// with the head frame. Receiving is in message_recv.cpp, the payload sinks and views in
// message_sink.cpp.
#include "message.hpp"

#include "log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>

namespace vaccel::rpc {
namespace {
constexpr size_t kMaxFrameIov = 512;

// Cursor over a payload iovec list that slices it into frames.
struct IovCursor {
	std::span<const iovec> iov;
	size_t idx = 0;
	size_t off = 0;

	bool done() const { return idx >= iov.size(); }
	// Appends up to `max_bytes` of the next payload bytes to `out`; returns bytes appended.
	size_t take(size_t max_bytes, std::vector<iovec> &out)
	{
		size_t got = 0;
		while (idx < iov.size() && got < max_bytes && out.size() < kMaxFrameIov) {
			size_t avail = iov[idx].iov_len - off;
			if (avail == 0) {
				++idx;
				off = 0;
				continue;
			}
			size_t k = std::min(avail, max_bytes - got);
			out.push_back({static_cast<char *>(iov[idx].iov_base) + off, k});
			got += k;
			off += k;
			if (off == iov[idx].iov_len) {
				++idx;
				off = 0;
			}
		}
		while (idx < iov.size() && iov[idx].iov_len == off) {
			++idx;
			off = 0;
		}
		return got;
	}
};

} // namespace

uint64_t iov_total(std::span<const iovec> iov)
{
	uint64_t t = 0;
	for (auto &v : iov)
		t += v.iov_len;
	return t;
}

namespace {

// Sends payload bytes as frames: when `meta` is given the first frame is the head frame `h`
// carrying it, otherwise every frame is a DATA frame of h's stream (offsets from 0).
int send_frames(Channel &ch, const FrameHeader &h, const std::string *meta, std::span<const iovec> payload,
		const SendOptions &opt)
{
	const uint64_t total = iov_total(payload);
	std::vector<iovec> iov;
	iov.reserve(8);
	IovCursor cur{payload};
	size_t chunk = std::max<size_t>(opt.chunk, 4096);
	uint64_t sent = 0;
	bool head = meta != nullptr;
	while (head || sent < total) {
		iov.clear();
		FrameHeaderBytes hb{};
		iov.push_back({nullptr, 0}); // header slot, filled below
		if (head)
			iov.push_back({const_cast<char *>(meta->data()), meta->size()});
		size_t got = cur.take(chunk, iov);
		FrameHeader fh = h;
		if (!head) {
			fh.type = FrameType::data;
			fh.meta_len = 0;
			fh.aux = sent;
		}
		fh.data_len = got;
		fh.flags = (sent + got == total) ? frame_flags::end : 0;
		hb = encode_header(fh);
		iov[0] = {hb.data(), hb.size()};
		if (int r = ch.write_all(iov.data(), iov.size(), {}, opt.timeout_ms))
			return r;
		sent += got;
		head = false;
	}
	return 0;
}

// PARTS message: head frame (metadata + parts table, fds attached), then the inline parts'
// bytes as DATA frames.
int send_parts(Channel &ch, FrameHeader h, const std::string &meta, std::span<const iovec> inline_bytes,
	       const SendOptions &opt)
{
	uint64_t total = 0;
	for (const auto &p : opt.parts)
		total += p.length;
	const uint64_t inline_total = iov_total(inline_bytes);
	std::vector<std::byte> table;
	encode_parts(opt.parts, table);
	h.flags = frame_flags::has_fd | frame_flags::parts | (inline_total == 0 ? frame_flags::end : 0);
	h.data_len = table.size();
	h.aux = total;
	auto hb = encode_header(h);
	iovec iov[3] = {
		{hb.data(), hb.size()}, {const_cast<char *>(meta.data()), meta.size()}, {table.data(), table.size()}};
	if (int r = ch.write_all(iov, 3, opt.fds, opt.timeout_ms))
		return r;
	return inline_total ? send_frames(ch, h, nullptr, inline_bytes, opt) : 0;
}

} // namespace

int send_message(Channel &ch, FrameType type, uint32_t stream_id, const std::string &meta,
		 std::span<const iovec> payload, const SendOptions &opt)
{
	FrameHeader h;
	h.type = type;
	h.stream_id = stream_id;
	h.meta_len = static_cast<uint32_t>(meta.size());
	h.aux = iov_total(payload);
	if (!opt.parts.empty())
		return send_parts(ch, h, meta, payload, opt);
	if (opt.memfd >= 0) {
		// Payload lives in the memfd; the head frame only names its size.
		h.flags = frame_flags::end | frame_flags::has_fd;
		auto hb = encode_header(h);
		iovec iov[2] = {{hb.data(), hb.size()}, {const_cast<char *>(meta.data()), meta.size()}};
		return ch.write_all(iov, 2, std::span<const int>(&opt.memfd, 1), opt.timeout_ms);
	}
	return send_frames(ch, h, &meta, payload, opt);
}

} // namespace vaccel::rpc
