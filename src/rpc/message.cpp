#include "message.hpp"

#include "log.hpp"

#include <algorithm>
#include <chrono>
#include <cerrno>
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

int send_message(Channel &ch, FrameType type, uint32_t stream_id, const std::string &meta,
		 std::span<const iovec> payload, const SendOptions &opt)
{
	uint64_t total = iov_total(payload);
	FrameHeader h;
	h.type = type;
	h.stream_id = stream_id;
	h.meta_len = static_cast<uint32_t>(meta.size());
	h.aux = total;
	std::vector<iovec> iov;
	iov.reserve(8);

	if (opt.memfd >= 0) {
		// Payload lives in the memfd; the head frame only names its size.
		h.flags = frame_flags::end | frame_flags::has_fd;
		auto hb = encode_header(h);
		iov.push_back({hb.data(), hb.size()});
		iov.push_back({const_cast<char *>(meta.data()), meta.size()});
		return ch.write_all(iov.data(), iov.size(), opt.memfd, opt.timeout_ms);
	}

	IovCursor cur{payload};
	size_t chunk = std::max<size_t>(opt.chunk, 4096);
	uint64_t sent = 0;
	bool head = true;
	while (head || sent < total) {
		iov.clear();
		FrameHeaderBytes hb{};
		iov.push_back({nullptr, 0}); // header slot, filled below
		if (head)
			iov.push_back({const_cast<char *>(meta.data()), meta.size()});
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
		if (int r = ch.write_all(iov.data(), iov.size(), -1, opt.timeout_ms))
			return r;
		sent += got;
		head = false;
	}
	return 0;
}

int recv_head(Channel &ch, const Limits &lim, InMessage &out, int first_timeout_ms, std::string &why)
{
	FrameHeaderBytes hb;
	int r = ch.read_exact(hb.data(), hb.size(), first_timeout_ms, lim.gap_timeout_ms);
	if (r)
		return why = "reading frame header: " + std::string(strerror(r)), r;
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
	if (h.meta_len && (r = ch.read_exact(out.meta.data(), h.meta_len, lim.gap_timeout_ms, lim.gap_timeout_ms)))
		return why = "reading metadata: " + std::string(strerror(r)), r;
	out.fd.reset();
	if (h.flags & frame_flags::has_fd) {
		out.fd = ch.take_fd();
		if (!out.fd) {
			why = "HAS_FD frame arrived without a file descriptor";
			return EBADF;
		}
	}
	if (ch.pending_fds()) {
		// An fd attached to a frame that does not declare one: close it and refuse.
		while (ch.pending_fds())
			ch.take_fd();
		why = "unexpected file descriptor attached";
		return EBADF;
	}
	return 0;
}

int recv_payload(Channel &ch, const Limits &lim, InMessage &msg, PayloadSink &sink, std::string &why,
		 MappingCache *cache)
{
	const uint64_t total = msg.head.aux;
	if (msg.head.flags & frame_flags::has_fd) {
		const char *reason = nullptr;
		if (int r = check_sealed_memfd(msg.fd.get(), total, &reason))
			return why = reason, r;
		Mapping m;
		if (int r = cache ? cache->view(msg.fd.get(), total, m) : m.map_readonly(msg.fd.get(), total))
			return why = "mmap of memfd failed: " + std::string(strerror(r)), r;
		msg.fd.reset();
		return sink.adopt_mapping(std::move(m));
	}

	uint64_t offset = 0;
	uint64_t in_frame = msg.head.data_len;
	bool end = msg.head.flags & frame_flags::end;
	for (;;) {
		while (in_frame > 0) {
			std::span<std::byte> win;
			size_t want = static_cast<size_t>(std::min<uint64_t>(in_frame, 1ull << 30));
			if (int r = sink.window(offset, want, win))
				return why = "no room for payload", r;
			size_t k = std::min(win.size(), want);
			if (int r = ch.read_exact(win.data(), k, lim.gap_timeout_ms, lim.gap_timeout_ms))
				return why = "reading payload: " + std::string(strerror(r)), r;
			if (int r = sink.commit(k))
				return why = "payload sink failed", r;
			offset += k;
			in_frame -= k;
		}
		if (end)
			break;
		FrameHeaderBytes hb;
		FrameHeader d;
		if (int r = ch.read_exact(hb.data(), hb.size(), lim.gap_timeout_ms, lim.gap_timeout_ms))
			return why = "reading DATA header: " + std::string(strerror(r)), r;
		if (int r = decode_header(hb.data(), d, why))
			return r;
		if (d.type != FrameType::data || d.stream_id != msg.head.stream_id) {
			why = "expected DATA frame of stream " + std::to_string(msg.head.stream_id);
			return EPROTO;
		}
		if (d.aux != offset || d.data_len > total - offset || d.data_len > lim.max_chunk) {
			why = "DATA frame offset/length inconsistent with the declared payload";
			return EPROTO;
		}
		if (d.flags & frame_flags::has_fd) {
			why = "DATA frame may not carry an fd";
			return EPROTO;
		}
		in_frame = d.data_len;
		end = d.flags & frame_flags::end;
		if (!end && d.data_len == 0) {
			why = "empty non-final DATA frame";
			return EPROTO;
		}
	}
	if (offset != total) {
		why = "payload ended after " + std::to_string(offset) + " of " + std::to_string(total) + " bytes";
		return EPROTO;
	}
	return 0;
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
	int adopt_mapping(Mapping) override { return 0; }

private:
	std::byte buf_[64 * 1024];
};
} // namespace

int discard_payload(Channel &ch, const Limits &lim, InMessage &msg, std::string &why)
{
	auto sink = std::make_unique<DiscardSink>();
	return recv_payload(ch, lim, msg, *sink, why);
}

int MemorySink::window(uint64_t offset, size_t want, std::span<std::byte> &out)
{
	if (offset != region_.size())
		return EINVAL;
	// Grow by what this frame still carries (bytes that are on their way), never by the
	// size the peer declared for the whole message.
	if (int r = region_.reserve(region_.size() + want))
		return r;
	out = std::span<std::byte>(region_.data() + region_.size(), want);
	return 0;
}

int MemorySink::commit(size_t n)
{
	region_.commit(n);
	return 0;
}

int MemorySink::adopt_mapping(Mapping m)
{
	mapping_ = std::move(m);
	mapped_ = true;
	return 0;
}

std::span<std::byte> MemorySink::bytes()
{
	if (mapped_)
		return {mapping_.data(), mapping_.size()};
	return {region_.data(), region_.size()};
}

} // namespace vaccel::rpc

namespace vaccel::rpc {

int scan_for_head(Channel &ch, const Limits &lim, FrameType want, InMessage &out, int timeout_ms,
		  size_t max_scan, std::string &why)
{
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	auto left_ms = [&] {
		auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
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
