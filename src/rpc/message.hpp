// SPDX-License-Identifier: Apache-2.0
// Messages = a head frame (HELLO/REQUEST/RESPONSE + metadata + first payload bytes) followed by
// DATA frames until END. Payload bytes are gathered from caller iovecs (never copied into the
// metadata) and received straight into a sink, growing memory only as bytes arrive.
#pragma once

#include "channel.hpp"
#include "frame.hpp"
#include "region.hpp"

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vaccel::rpc {

struct Limits {
	uint32_t max_meta = 64 * 1024;     // metadata bytes per frame
	uint64_t max_chunk = 16ull << 20;  // data bytes per frame
	uint64_t max_payload = 8ull << 30; // payload bytes per message
	int gap_timeout_ms = 10000;        // silence allowed inside a frame
	// Whole-message deadlines, counted from the first byte of the head frame (off by default;
	// the agent sets them, docs/protocol.md §7). The head frame (header, metadata, parts
	// table) must be complete within frame_timeout_ms; inline payload byte k (DATA frame
	// headers counted too) is due frame_timeout_ms + k / min_rate later. The payload's
	// deadline thus grows with its size at a rate any real link beats, while a peer that
	// trickles bytes loses the connection once it falls behind that rate.
	int frame_timeout_ms = -1; // -1: no deadline
	uint64_t min_rate = 0;     // bytes/s; 0: payload only bound by the gaps
};

struct SendOptions {
	size_t chunk = 2u << 20; // payload bytes per frame
	int memfd = -1;          // when >= 0: payload already in this sealed memfd (AF_UNIX)
	int timeout_ms = 30000;  // max stall per write
	// When not empty (AF_UNIX): the payload is these parts in order; the payload iovecs passed
	// to send_message are then the bytes of the inline parts only, and `fds` (at most
	// kMaxMessageFds sealed memfds) are attached for the fd_range parts.
	std::span<const PayloadPart> parts;
	std::span<const int> fds;
};

// Total bytes of an iovec list.
uint64_t iov_total(std::span<const iovec> iov);

int send_message(Channel &ch, FrameType type, uint32_t stream_id, const std::string &meta,
		 std::span<const iovec> payload, const SendOptions &opt);

struct InMessage {
	FrameHeader head;
	std::string meta;
	std::vector<UniqueFd> fds;      // attached memfds when head.flags has HAS_FD (one unless PARTS)
	std::vector<PayloadPart> parts; // PARTS: the table, read (and checked) with the head
	Deadline started = kNoDeadline; // when its first byte was read (deadlines count from it)
	uint64_t payload_size() const { return head.aux; }
};

// Reads one head frame (header + metadata, and the parts table of a PARTS message) and takes
// the fds attached to it. Fds are matched to messages in stream order: those queued beyond what
// this message declares belong to messages after it. Does not read payload bytes.
// first_timeout_ms bounds the wait for its first byte; the head must be complete by
// lim.frame_timeout_ms after that byte, and in any case by `deadline` (ETIMEDOUT).
int recv_head(Channel &ch, const Limits &lim, InMessage &out, int first_timeout_ms, std::string &why,
	      Deadline deadline = kNoDeadline);

// When inline payload byte `offset` of `msg` is due (lim.frame_timeout_ms, lim.min_rate).
Deadline payload_due(const Limits &lim, const InMessage &msg, uint64_t offset);

// Receives the payload bytes of a message whose head was read by recv_head.
class PayloadSink {
public:
	virtual ~PayloadSink() = default;
	// Where the payload bytes at `offset` go: at least 1 and at most `want` bytes of space.
	virtual int window(uint64_t offset, size_t want, std::span<std::byte> &out) = 0;
	virtual int commit(size_t n) = 0;
	// The payload bytes at `offset` as a read-only mapping (memfd paths); the sink may keep
	// it. By default they are copied through window()/commit().
	virtual int adopt_range(uint64_t offset, Mapping m);
};

// A received payload: one or more contiguous pieces (stream bytes, mapped memfd ranges).
// Mapped pieces are `shared`: the peer's own pages, which it can still write while the
// request is served (docs/protocol.md, "Client memory"). Stream pieces are private copies.
class PayloadView {
public:
	struct Piece {
		uint64_t start = 0;
		std::span<std::byte> bytes;
		bool shared = false;
	};
	PayloadView() = default;
	explicit PayloadView(std::vector<Piece> pieces);
	[[nodiscard]] uint64_t size() const { return size_; }
	[[nodiscard]] const std::vector<Piece> &pieces() const { return pieces_; }
	// [off, off + len) when it lies inside one piece; nullptr when it runs past the end,
	// crosses from one piece into the next, or len is 0. *shared (optional) tells whether
	// the bytes are the peer's shared memory.
	[[nodiscard]] std::byte *at(uint64_t off, uint64_t len, bool *shared = nullptr) const;

private:
	std::vector<Piece> pieces_;
	uint64_t size_ = 0;
};

// Hands out the consecutive segments of a payload (segments appear in message order).
class PayloadCursor {
public:
	explicit PayloadCursor(const PayloadView &v) : view_(v) {}
	// The next n bytes, or nullptr when n is 0 or they are not one contiguous range (a
	// segment the sender split across parts). *shared as for PayloadView::at.
	std::byte *take(uint64_t n, bool *shared = nullptr)
	{
		std::byte *p = view_.at(pos_, n, shared);
		pos_ += n;
		return p;
	}

private:
	const PayloadView &view_;
	uint64_t pos_ = 0;
};

// Address space that mapping the memfd parts of a message takes (whole pages; 0 without fds).
uint64_t mapped_span(const InMessage &msg);
// Payload bytes of a message that travel inline (received into memory), not in memfds.
uint64_t inline_size(const InMessage &msg);

// `cache` (optional) keeps memfd mappings across messages; the views it hands to the sink keep
// their mapping alive on their own.
int recv_payload(Channel &ch, const Limits &lim, InMessage &msg, PayloadSink &sink, std::string &why,
		 MappingCache *cache = nullptr);

// Reads and throws away the payload (used after rejecting a request, to stay in sync).
int discard_payload(Channel &ch, const Limits &lim, InMessage &msg, std::string &why);

// Sink that collects the payload in memory without copying mapped parts: stream bytes go
// to a reusable growable region, memfd ranges stay mapped.
class MemorySink : public PayloadSink {
public:
	explicit MemorySink(GrowableRegion &region) : region_(region) { region_.clear(); }
	// Forgets the received payload (empties the region, drops mappings) for the next message.
	void reset()
	{
		pieces_.clear();
		end_ = 0;
		region_.clear();
	}
	int window(uint64_t offset, size_t want, std::span<std::byte> &out) override;
	int commit(size_t n) override;
	int adopt_range(uint64_t offset, Mapping m) override;
	// The received payload; valid while the sink and its region live.
	[[nodiscard]] PayloadView view();
	// The payload when it is one contiguous piece (or empty); an empty span otherwise.
	[[nodiscard]] std::span<std::byte> bytes();

private:
	struct Piece {
		uint64_t start = 0;
		uint64_t len = 0;
		size_t region_off = 0; // stream piece: where its bytes start in region_
		Mapping map;           // mapped piece when map.data() != nullptr
	};
	GrowableRegion &region_;
	std::vector<Piece> pieces_;
	uint64_t end_ = 0; // payload bytes received so far
};

} // namespace vaccel::rpc

namespace vaccel::rpc {

// Resynchronises a byte stream after garbage or a torn frame: scans byte by byte for a valid
// header of type `want`, then reads its metadata. Bounded by timeout_ms (total) and by
// max_scan bytes skipped. Used on persistent channels (virtio-serial) by both ends.
int scan_for_head(Channel &ch, const Limits &lim, FrameType want, InMessage &out, int timeout_ms, size_t max_scan,
		  std::string &why);

} // namespace vaccel::rpc
