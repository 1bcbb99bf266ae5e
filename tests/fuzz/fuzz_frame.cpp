// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: the wire decoder of src/rpc as the agent and the rpc plugin run it on what
// a peer sends: frame headers (decode_header), message reassembly (recv_head: metadata and
// PARTS tables; recv_payload/discard_payload: DATA frames into a MemorySink or discarded),
// resynchronisation (scan_for_head) and the protobuf parse of the metadata (Hello, Request,
// Response, HelloAck), then the walk over the payload segments a Genop request declares.
//
// Input: byte 0 picks the mode (bit 0: resync scan first; bit 1: discard payloads), the rest is
// the byte stream a peer wrote into the socket. It goes through a real AF_UNIX socketpair into a
// Channel, then EOF; no fds are attached, so HAS_FD heads end with an error (memfd mapping is
// not covered here).
#include "fuzz_util.hpp"

#include "channel.hpp"
#include "frame.hpp"
#include "message.hpp"
#include "region.hpp"
#include "vaccel_rpc.pb.h"

#include <sys/socket.h>
#include <unistd.h>

namespace {

namespace rpc = vaccel::rpc;
namespace v1 = vaccel::rpc::v1;

constexpr size_t kMaxInput = 128 * 1024; // fits the socket buffer raised below
constexpr int kMaxMessages = 32;

// Parses the metadata as the message its frame type announces, and for a Genop walks the payload
// the way the agent cuts it into args.
void parse_meta(const rpc::InMessage &in, const rpc::PayloadView *payload)
{
	switch (in.head.type) {
	case rpc::FrameType::hello: {
		v1::Hello h;
		(void)h.ParseFromString(in.meta);
		break;
	}
	case rpc::FrameType::hello_ack: {
		v1::HelloAck a;
		(void)a.ParseFromString(in.meta);
		break;
	}
	case rpc::FrameType::response: {
		v1::Response r;
		(void)r.ParseFromString(in.meta);
		break;
	}
	case rpc::FrameType::request: {
		v1::Request req;
		if (!req.ParseFromString(in.meta) || !payload || req.call_case() != v1::Request::kGenop)
			break;
		rpc::PayloadCursor seg{*payload};
		volatile uint8_t sink = 0;
		for (const auto &a : req.genop().read())
			if (const std::byte *p = seg.take(a.size()))
				sink = sink ^ static_cast<uint8_t>(p[0]) ^ static_cast<uint8_t>(p[a.size() - 1]);
		break;
	}
	case rpc::FrameType::data:
		break;
	}
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	vaccel::fuzz::quiet_logs();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > kMaxInput)
		return 0;
	const uint8_t mode = data[0];
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	int sndbuf = 4 * kMaxInput;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf));
	size_t off = 1;
	while (off < size) {
		ssize_t w = write(sv[1], data + off, size - off);
		if (w <= 0)
			abort(); // the buffers hold kMaxInput: a short write is a harness bug
		off += static_cast<size_t>(w);
	}
	close(sv[1]); // EOF after the input: no read ever waits

	rpc::Channel ch{rpc::UniqueFd(sv[0])};
	rpc::Limits lim;
	lim.max_meta = 4096;
	lim.max_chunk = 8192;
	lim.max_payload = 64 * 1024;
	lim.gap_timeout_ms = 0;
	rpc::GrowableRegion region;
	std::string why;
	for (int i = 0; i < kMaxMessages; ++i) {
		rpc::InMessage in;
		int r = (mode & 1) && i == 0 ? rpc::scan_for_head(ch, lim, rpc::FrameType::request, in, 1000, 4096, why)
					     : rpc::recv_head(ch, lim, in, 0, why);
		if (r != 0)
			break;
		if (mode & 2) {
			parse_meta(in, nullptr);
			if (rpc::discard_payload(ch, lim, in, why) != 0)
				break;
			continue;
		}
		rpc::MemorySink sink{region};
		if (rpc::recv_payload(ch, lim, in, sink, why) != 0)
			break;
		const rpc::PayloadView view = sink.view();
		if (view.size() != in.payload_size())
			abort(); // a payload accepted whole must have exactly its declared size
		parse_meta(in, &view);
	}
	return 0;
}
