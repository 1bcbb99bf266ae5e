// SPDX-License-Identifier: Apache-2.0
// Receiving messages: the head frame (recv_head, scan_for_head), then the payload into a
// PayloadSink: inline bytes frame by frame (never trusting a length before the bytes arrive),
// and PARTS messages' table and sealed memfds checked and mapped. Sending is in message.cpp.
#include "message.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>

namespace vaccel::rpc {

namespace {

// Reads and validates the parts table of a PARTS head frame: kinds, lengths adding up to the
// declared payload, the END flag; *nfds = how many fds the table refers to.
int read_parts_table(Channel &ch, const Limits &lim, InMessage &msg, Deadline by, size_t &nfds, std::string &why)
{
	std::byte table[kMaxParts * kPartEntrySize];
	const auto table_len = static_cast<size_t>(msg.head.data_len); // <= sizeof(table): decode_header
	if (int r = ch.read_exact(table, table_len, lim.gap_timeout_ms, lim.gap_timeout_ms, by))
		return why = "reading parts table: " + std::string(strerror(r)), r;
	uint64_t sum = 0, inline_total = 0;
	nfds = 0;
	for (size_t i = 0; i < table_len / kPartEntrySize; ++i) {
		PayloadPart p = decode_part(table + i * kPartEntrySize);
		if (p.length == 0 || p.length > lim.max_payload)
			return why = "payload part " + std::to_string(i) + " has a bad length", EPROTO;
		if (p.kind == PayloadPart::inline_bytes) {
			if (p.fd_index != 0 || p.offset != 0)
				return why = "inline payload part with an fd index or offset", EPROTO;
			inline_total += p.length;
		} else if (p.kind == PayloadPart::fd_range) {
			if (p.fd_index >= kMaxMessageFds)
				return why = "payload part names fd " + std::to_string(p.fd_index) + " (at most " +
					     std::to_string(kMaxMessageFds) + " per message)",
				       EPROTO;
			if (p.offset > UINT64_MAX - p.length)
				return why = "payload part range overflows", EPROTO;
			nfds = std::max<size_t>(nfds, p.fd_index + 1);
		} else {
			return why = "unknown payload part kind " + std::to_string(p.kind), EPROTO;
		}
		sum += p.length; // each length <= max_payload and at most kMaxParts of them: no overflow
		msg.parts.push_back(p);
	}
	if (sum != msg.head.aux)
		return why = "payload parts add up to " + std::to_string(sum) + " bytes, not the declared " +
			     std::to_string(msg.head.aux),
		       EPROTO;
	if ((inline_total == 0) != static_cast<bool>(msg.head.flags & frame_flags::end))
		return why = "END flag does not match the inline parts", EPROTO;
	if (nfds == 0)
		return why = "PARTS message without a memfd range", EPROTO;
	return 0;
}

} // namespace

Deadline payload_due(const Limits &lim, const InMessage &msg, uint64_t offset)
{
	if (lim.frame_timeout_ms < 0)
		return kNoDeadline;
	if (lim.min_rate == 0)
		return kNoDeadline;
	// offset <= max_payload + frame headers, so offset * 1000 does not overflow in practice;
	// saturate anyway rather than trust that.
	uint64_t ms = offset > UINT64_MAX / 1000 ? UINT64_MAX : offset * 1000 / lim.min_rate;
	ms = std::min<uint64_t>(ms, INT64_MAX - static_cast<uint64_t>(lim.frame_timeout_ms));
	return deadline_after(msg.started, static_cast<int64_t>(ms) + lim.frame_timeout_ms);
}

int recv_head(Channel &ch, const Limits &lim, InMessage &out, int first_timeout_ms, std::string &why, Deadline deadline)
{
	FrameHeaderBytes hb;
	// The first byte may be long in coming (idle connection); from then on the whole head
	// frame is on a clock.
	int r = ch.read_exact(hb.data(), 1, first_timeout_ms, lim.gap_timeout_ms, deadline);
	if (r)
		return why = "reading frame header: " + std::string(strerror(r)), r;
	out.started = std::chrono::steady_clock::now();
	const Deadline by = std::min(deadline, deadline_after(out.started, lim.frame_timeout_ms));
	r = ch.read_exact(hb.data() + 1, hb.size() - 1, lim.gap_timeout_ms, lim.gap_timeout_ms, by);
	if (r)
		return why = "reading frame header: " + std::string(strerror(r)) +
			     (r == ETIMEDOUT ? " (frame deadline)" : ""),
		       r;
	if ((r = decode_header(hb.data(), out.head, why)))
		return r;
	const FrameHeader &h = out.head;
	if (h.type == FrameType::data) {
		why = "DATA frame without a preceding head frame";
		return EPROTO;
	}
	if (h.meta_len > lim.max_meta) {
		why = "metadata of " + std::to_string(h.meta_len) + " bytes exceeds limit";
		return EMSGSIZE;
	}
	if (h.aux > lim.max_payload) {
		why = "declared payload of " + std::to_string(h.aux) + " bytes exceeds limit of " +
		      std::to_string(lim.max_payload);
		return EMSGSIZE;
	}
	if (h.data_len > lim.max_chunk) {
		why = "frame data of " + std::to_string(h.data_len) + " bytes exceeds chunk limit";
		return EMSGSIZE;
	}
	// meta_len is capped above, so this allocation is bounded.
	out.meta.resize(h.meta_len);
	if (h.meta_len && (r = ch.read_exact(out.meta.data(), h.meta_len, lim.gap_timeout_ms, lim.gap_timeout_ms, by)))
		return why = "reading metadata: " + std::string(strerror(r)), r;
	out.fds.clear();
	out.parts.clear();
	size_t nfds = (h.flags & frame_flags::has_fd) ? 1 : 0;
	if (h.flags & frame_flags::parts) {
		if ((r = read_parts_table(ch, lim, out, by, nfds, why)))
			return r;
	}
	// The fds came with the first byte of this head frame, so they are queued by now; a
	// concurrent sender's next message may have queued its own behind them.
	while (out.fds.size() < nfds && ch.pending_fds())
		out.fds.push_back(ch.take_fd());
	if (out.fds.size() < nfds) {
		why = "HAS_FD frame arrived without its " + std::to_string(nfds) + " file descriptor(s)";
		return EBADF;
	}
	return 0;
}

namespace {

// Reads the inline (streamed) bytes of one message: those of the head frame, then DATA frames
// of the same stream with consecutive offsets until END. Never trusts a length before the
// bytes arrive: the sink grows per frame.
class InlineStream {
public:
	InlineStream(Channel &ch, const Limits &lim, const InMessage &msg, uint64_t total, uint64_t in_head, bool end)
	    : ch_(ch), lim_(lim), msg_(msg), stream_(msg.head.stream_id), total_(total), in_frame_(in_head), end_(end)
	{
	}

	// Reads the next n stream bytes into the sink at payload offset `at`.
	int read(PayloadSink &sink, uint64_t at, uint64_t n, std::string &why)
	{
		while (n > 0) {
			if (in_frame_ == 0) {
				if (end_)
					return why = "payload ended after " + std::to_string(offset_) + " of " +
						     std::to_string(total_) + " inline bytes",
					       EPROTO;
				if (int r = next_frame(why))
					return r;
				continue;
			}
			size_t want = static_cast<size_t>(std::min({in_frame_, n, uint64_t{1} << 30}));
			std::span<std::byte> win;
			if (int r = sink.window(at, want, win))
				return why = "no room for payload", r;
			size_t k = std::min(win.size(), want);
			const Deadline due = payload_due(lim_, msg_, wire_ + k);
			if (int r = ch_.read_exact(win.data(), k, lim_.gap_timeout_ms, lim_.gap_timeout_ms, due))
				return why = "reading payload: " + std::string(strerror(r)), r;
			wire_ += k;
			if (int r = sink.commit(k))
				return why = "payload sink failed", r;
			at += k;
			offset_ += k;
			in_frame_ -= k;
			n -= k;
		}
		return 0;
	}

	// After the last byte: reads what is left of the frames up to END (only empty final
	// frames may remain) and checks that the stream carried exactly `total` bytes.
	int finish(std::string &why)
	{
		while (!end_ && in_frame_ == 0)
			if (int r = next_frame(why))
				return r;
		if (in_frame_ != 0 || offset_ != total_) {
			why = "payload ended after " + std::to_string(offset_) + " of " + std::to_string(total_) +
			      " bytes";
			return EPROTO;
		}
		return 0;
	}

private:
	int next_frame(std::string &why)
	{
		FrameHeaderBytes hb;
		FrameHeader d;
		// Frame headers count against the rate too: tiny frames buy no extra time.
		const Deadline due = payload_due(lim_, msg_, wire_ + hb.size());
		if (int r = ch_.read_exact(hb.data(), hb.size(), lim_.gap_timeout_ms, lim_.gap_timeout_ms, due))
			return why = "reading DATA header: " + std::string(strerror(r)), r;
		wire_ += hb.size();
		if (int r = decode_header(hb.data(), d, why))
			return r;
		if (d.type != FrameType::data || d.stream_id != stream_) {
			why = "expected DATA frame of stream " + std::to_string(stream_);
			return EPROTO;
		}
		if (d.aux != offset_ || d.data_len > total_ - offset_ || d.data_len > lim_.max_chunk) {
			why = "DATA frame offset/length inconsistent with the declared payload";
			return EPROTO;
		}
		if (d.flags & frame_flags::has_fd) {
			why = "DATA frame may not carry an fd";
			return EPROTO;
		}
		in_frame_ = d.data_len;
		end_ = d.flags & frame_flags::end;
		if (!end_ && d.data_len == 0) {
			why = "empty non-final DATA frame";
			return EPROTO;
		}
		return 0;
	}

	Channel &ch_;
	const Limits &lim_;
	const InMessage &msg_;
	uint64_t wire_ = 0; // stream bytes read so far (payload and DATA headers): what is due when
	uint32_t stream_;
	uint64_t total_;
	uint64_t offset_ = 0;
	uint64_t in_frame_;
	bool end_;
};

int map_range(MappingCache *cache, int fd, uint64_t offset, uint64_t len, Mapping &m)
{
	if (len > SIZE_MAX)
		return EINVAL;
	return cache ? cache->view(fd, offset, static_cast<size_t>(len), m)
		     : m.map_readonly(fd, offset, static_cast<size_t>(len));
}

// Checks the attached memfds of a PARTS message: every one used by some range, sealed, and
// large enough for the furthest range into it.
int check_parts_fds(const Limits &lim, const InMessage &msg, std::string &why)
{
	std::vector<uint64_t> fd_end(msg.fds.size(), 0);
	for (const auto &p : msg.parts)
		if (p.kind == PayloadPart::fd_range)
			fd_end[p.fd_index] = std::max(fd_end[p.fd_index], p.offset + p.length);
	for (size_t i = 0; i < msg.fds.size(); ++i) {
		if (fd_end[i] == 0)
			return why = "attached fd " + std::to_string(i) + " is not used by any part", EPROTO;
		const char *reason = nullptr;
		if (int r = check_sealed_memfd(msg.fds[i].get(), fd_end[i], lim.max_payload, &reason))
			return why = reason, r;
	}
	return 0;
}

int recv_parts(Channel &ch, const Limits &lim, InMessage &msg, PayloadSink &sink, std::string &why, MappingCache *cache)
{
	if (int r = check_parts_fds(lim, msg, why))
		return r;
	uint64_t inline_total = 0;
	for (const auto &p : msg.parts)
		if (p.kind == PayloadPart::inline_bytes)
			inline_total += p.length;
	InlineStream stream(ch, lim, msg, inline_total, 0, msg.head.flags & frame_flags::end);
	uint64_t at = 0;
	for (const auto &p : msg.parts) {
		if (p.kind == PayloadPart::inline_bytes) {
			if (int r = stream.read(sink, at, p.length, why))
				return r;
		} else {
			Mapping m;
			if (int r = map_range(cache, msg.fds[p.fd_index].get(), p.offset, p.length, m))
				return why = "mmap of memfd part failed: " + std::string(strerror(r)), r;
			if (int r = sink.adopt_range(at, std::move(m)))
				return why = "payload sink failed", r;
		}
		at += p.length;
	}
	msg.fds.clear();
	return stream.finish(why);
}

} // namespace

int recv_payload(Channel &ch, const Limits &lim, InMessage &msg, PayloadSink &sink, std::string &why,
		 MappingCache *cache)
{
	const uint64_t total = msg.head.aux;
	if (msg.head.flags & frame_flags::parts)
		return recv_parts(ch, lim, msg, sink, why, cache);
	if (msg.head.flags & frame_flags::has_fd) {
		const char *reason = nullptr;
		if (int r = check_sealed_memfd(msg.fds.at(0).get(), total, lim.max_payload, &reason))
			return why = reason, r;
		Mapping m;
		if (int r = map_range(cache, msg.fds[0].get(), 0, total, m))
			return why = "mmap of memfd failed: " + std::string(strerror(r)), r;
		msg.fds.clear();
		return sink.adopt_range(0, std::move(m));
	}
	InlineStream stream(ch, lim, msg, total, msg.head.data_len, msg.head.flags & frame_flags::end);
	if (int r = stream.read(sink, 0, total, why))
		return r;
	return stream.finish(why);
}

namespace {
class DiscardSink : public PayloadSink {
public:
	int window(uint64_t, size_t want, std::span<std::byte> &out) override
	{
		out = std::span<std::byte>(buf_, std::min(want, sizeof(buf_)));
		return 0;
	}
	int commit(size_t) override { return 0; }
	int adopt_range(uint64_t, Mapping) override { return 0; }

private:
	std::byte buf_[64 * 1024];
};
} // namespace

int discard_payload(Channel &ch, const Limits &lim, InMessage &msg, std::string &why)
{
	auto sink = std::make_unique<DiscardSink>();
	return recv_payload(ch, lim, msg, *sink, why);
}

int scan_for_head(Channel &ch, const Limits &lim, FrameType want, InMessage &out, int timeout_ms, size_t max_scan,
		  std::string &why)
{
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	auto left_ms = [&] {
		auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
									       std::chrono::steady_clock::now());
		return static_cast<int>(std::max<int64_t>(d.count(), 0));
	};
	FrameHeaderBytes win{};
	size_t have = 0;
	size_t skipped = 0;
	while (skipped <= max_scan) {
		int ms = left_ms();
		if (ms == 0)
			return why = "no frame found before the deadline", ETIMEDOUT;
		if (have < win.size()) {
			if (int r = ch.read_exact(&win[have], 1, ms, ms))
				return why = "scanning: " + std::string(strerror(r)), r;
			++have;
			continue;
		}
		FrameHeader h;
		std::string ignored;
		if (decode_header(win.data(), h, ignored) == 0 && h.type == want && h.meta_len <= lim.max_meta &&
		    h.aux <= lim.max_payload && h.data_len <= lim.max_chunk && !(h.flags & frame_flags::has_fd)) {
			out.head = h;
			out.meta.resize(h.meta_len);
			if (h.meta_len && ch.read_exact(out.meta.data(), h.meta_len, ms, ms) != 0)
				return why = "scanning: torn metadata", EPROTO;
			while (ch.pending_fds())
				ch.take_fd();
			return 0;
		}
		// Slide the window by one byte.
		memmove(&win[0], &win[1], win.size() - 1);
		--have;
		++skipped;
	}
	why = "no frame found within " + std::to_string(max_scan) + " bytes";
	return EPROTO;
}

} // namespace vaccel::rpc
