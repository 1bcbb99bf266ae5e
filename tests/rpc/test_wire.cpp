// SPDX-License-Identifier: Apache-2.0
// Unit tests of the wire layer: header codec, addresses, chunked payloads over a socketpair,
// memfd validation and hostile frames.
#include "address.hpp"
#include "channel.hpp"
#include "frame.hpp"
#include "memfd_pool.hpp"
#include "message.hpp"
#include "vaccel_rpc.pb.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <thread>
#include <vector>

using namespace vaccel::rpc;

namespace {

std::pair<Channel *, Channel *> make_pair_channels(int type = AF_UNIX)
{
	int sv[2];
	EXPECT_EQ(socketpair(type, SOCK_STREAM, 0, sv), 0);
	return {new Channel(UniqueFd(sv[0])), new Channel(UniqueFd(sv[1]))};
}

std::vector<std::byte> pattern(size_t n, unsigned seed)
{
	std::vector<std::byte> v(n);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; ++i) {
		x = x * 1103515245u + 12345u;
		v[i] = static_cast<std::byte>(x >> 24);
	}
	return v;
}

} // namespace

TEST(Frame, RoundTrip)
{
	FrameHeader h;
	h.type = FrameType::response;
	h.flags = frame_flags::end;
	h.stream_id = 0xdeadbeef;
	h.meta_len = 77;
	h.data_len = 5;
	h.aux = 1ull << 40;
	auto b = encode_header(h);
	EXPECT_EQ(static_cast<uint8_t>(b[0]), 'V');
	EXPECT_EQ(static_cast<uint8_t>(b[3]), 'R');
	FrameHeader d;
	std::string why;
	ASSERT_EQ(decode_header(b.data(), d, why), 0) << why;
	EXPECT_EQ(d.type, h.type);
	EXPECT_EQ(d.flags, h.flags);
	EXPECT_EQ(d.stream_id, h.stream_id);
	EXPECT_EQ(d.meta_len, h.meta_len);
	EXPECT_EQ(d.data_len, h.data_len);
	EXPECT_EQ(d.aux, h.aux);
}

TEST(Frame, RejectsGarbage)
{
	FrameHeader h;
	h.type = FrameType::request;
	auto b = encode_header(h);
	std::string why;
	FrameHeader d;
	auto bad = b;
	bad[0] = std::byte{0};
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	bad = b;
	bad[4] = std::byte{2}; // version
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	bad = b;
	bad[5] = std::byte{99}; // type
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	bad = b;
	bad[6] = std::byte{0x80}; // unknown flag
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	h.data_len = 10; // more inline data than the declared payload
	h.aux = 5;
	b = encode_header(h);
	EXPECT_NE(decode_header(b.data(), d, why), 0);
}

TEST(Address, Parses)
{
	Address a;
	std::string why;
	ASSERT_EQ(parse_address("unix:///tmp/x.sock", a, why), 0);
	EXPECT_EQ(a.kind, Address::Kind::unix_socket);
	EXPECT_EQ(a.path, "/tmp/x.sock");
	ASSERT_EQ(parse_address("tcp://127.0.0.1:65500", a, why), 0);
	EXPECT_EQ(a.host, "127.0.0.1");
	EXPECT_EQ(a.port, 65500u);
	ASSERT_EQ(parse_address("tcp://[::1]:80", a, why), 0);
	EXPECT_EQ(a.host, "::1");
	EXPECT_EQ(a.to_string(), "tcp://[::1]:80");
	ASSERT_EQ(parse_address("tcp://localhost:1", a, why), 0);
	ASSERT_EQ(parse_address("vsock://2:2048", a, why), 0);
	EXPECT_EQ(a.kind, Address::Kind::vsock);
	EXPECT_EQ(a.cid, 2u);
	EXPECT_EQ(a.port, 2048u);
	ASSERT_EQ(parse_address("vsock://4294967295:1", a, why), 0);
	ASSERT_EQ(parse_address("serial:///dev/virtio-ports/agent", a, why), 0);
	EXPECT_EQ(a.kind, Address::Kind::serial);
	EXPECT_EQ(a.path, "/dev/virtio-ports/agent");

	for (const char *bad :
	     {"", "tcp://", "tcp://host", "tcp://::1:80", "tcp://h:70000", "tcp://h:-1", "unix://relative", "unix://",
	      "vsock://2", "vsock://x:1", "vsock://4294967296:1", "serial://dev", "http://x:1", "/tmp/sock"}) {
		EXPECT_NE(parse_address(bad, a, why), 0) << bad;
	}
	std::string long_path = "unix:///" + std::string(200, 'a');
	EXPECT_NE(parse_address(long_path, a, why), 0);
}

// VMADDR_CID_ANY written as -1, as the reference and Kata agents do (vsock://-1:1024): the
// agent in the guest-loopback case listens on it. Any other negative or malformed CID is refused.
TEST(Address, VsockCidAnyAsMinusOne)
{
	Address a;
	std::string why;
	ASSERT_EQ(parse_address("vsock://-1:2048", a, why), 0) << why;
	EXPECT_EQ(a.kind, Address::Kind::vsock);
	EXPECT_EQ(a.cid, 4294967295u);
	EXPECT_EQ(a.port, 2048u);
	for (const char *bad : {"vsock://-2:1", "vsock://-1:-1", "vsock://--1:1", "vsock://-1", "vsock://-01:1",
				"vsock://-1 :1", "vsock://+1:1"}) {
		EXPECT_NE(parse_address(bad, a, why), 0) << bad;
		EXPECT_FALSE(why.empty()) << bad;
	}
}

class MessageTest : public ::testing::TestWithParam<size_t> {};

TEST_P(MessageTest, PayloadArrivesIntact)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	size_t n = GetParam();
	auto p1 = pattern(n / 3, 1);
	auto p2 = pattern(n - n / 3, 2);
	std::string meta = "metadata-bytes";
	std::thread sender([&] {
		iovec iov[2] = {{p1.data(), p1.size()}, {p2.data(), p2.size()}};
		SendOptions opt;
		opt.chunk = 64 * 1024;
		EXPECT_EQ(send_message(*ca, FrameType::request, 7, meta, {iov, 2}, opt), 0);
	});
	Limits lim;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(*cb, lim, in, 5000, why), 0) << why;
	EXPECT_EQ(in.meta, meta);
	EXPECT_EQ(in.payload_size(), n);
	GrowableRegion region;
	MemorySink sink(region);
	ASSERT_EQ(recv_payload(*cb, lim, in, sink, why), 0) << why;
	sender.join();
	auto got = sink.bytes();
	ASSERT_EQ(got.size(), n);
	// memcmp of zero bytes still wants non-null pointers (UBSan), hence the size checks.
	if (!p1.empty()) {
		EXPECT_EQ(memcmp(got.data(), p1.data(), p1.size()), 0);
	}
	if (!p2.empty()) {
		EXPECT_EQ(memcmp(got.data() + p1.size(), p2.data(), p2.size()), 0);
	}
}

INSTANTIATE_TEST_SUITE_P(Sizes, MessageTest, ::testing::Values(0, 1, 100, 65536, 65537, 3 << 20));

TEST(Message, OverTcpLoopbackPairAndPipeLikeFd)
{
	// A non-AF_UNIX stream (as a tcp or serial fd would be) uses writev/read paths.
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	int pfd[2];
	ASSERT_EQ(pipe(pfd), 0);
	Channel w{UniqueFd(pfd[1])};
	Channel r{UniqueFd(pfd[0])};
	close(sv[0]);
	close(sv[1]);
	auto p = pattern(300000, 3);
	std::thread sender([&] {
		iovec iov{p.data(), p.size()};
		EXPECT_EQ(send_message(w, FrameType::response, 1, "m", {&iov, 1}, SendOptions{}), 0);
	});
	Limits lim;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(r, lim, in, 5000, why), 0) << why;
	GrowableRegion region;
	MemorySink sink(region);
	ASSERT_EQ(recv_payload(r, lim, in, sink, why), 0) << why;
	sender.join();
	ASSERT_EQ(sink.bytes().size(), p.size());
	EXPECT_EQ(memcmp(sink.bytes().data(), p.data(), p.size()), 0);
}

TEST(Message, RejectsOversizedDeclarations)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	FrameHeader h;
	h.type = FrameType::request;
	h.aux = 1ull << 40; // 1 TiB claimed
	h.data_len = 16;
	h.flags = 0;
	auto hb = encode_header(h);
	iovec iov{hb.data(), hb.size()};
	ASSERT_EQ(ca->write_all(&iov, 1, {}, 1000), 0);
	Limits lim;
	InMessage in;
	std::string why;
	EXPECT_EQ(recv_head(*cb, lim, in, 1000, why), EMSGSIZE);
	EXPECT_NE(why.find("exceeds"), std::string::npos) << why;

	h.aux = 100;
	h.meta_len = 1u << 30; // metadata far above the cap
	hb = encode_header(h);
	ASSERT_EQ(ca->write_all(&iov, 1, {}, 1000), 0);
	EXPECT_EQ(recv_head(*cb, lim, in, 1000, why), EMSGSIZE);
}

TEST(Message, TruncatedPayloadIsAnError)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	FrameHeader h;
	h.type = FrameType::request;
	h.aux = 1000;
	h.data_len = 1000;
	h.flags = frame_flags::end;
	auto hb = encode_header(h);
	char half[100] = {};
	iovec iov[2] = {{hb.data(), hb.size()}, {half, sizeof(half)}};
	ASSERT_EQ(ca->write_all(iov, 2, {}, 1000), 0);
	ca.reset(); // hang up mid-frame
	Limits lim;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(*cb, lim, in, 1000, why), 0);
	GrowableRegion region;
	MemorySink sink(region);
	EXPECT_EQ(recv_payload(*cb, lim, in, sink, why), ECONNRESET);
}

TEST(Message, GapTimeoutBoundsASilentPeer)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	FrameHeader h;
	h.type = FrameType::request;
	h.aux = 10;
	h.data_len = 10;
	h.flags = frame_flags::end;
	auto hb = encode_header(h);
	iovec iov{hb.data(), hb.size()};
	ASSERT_EQ(ca->write_all(&iov, 1, {}, 1000), 0);
	Limits lim;
	lim.gap_timeout_ms = 200;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(*cb, lim, in, 1000, why), 0);
	GrowableRegion region;
	MemorySink sink(region);
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(recv_payload(*cb, lim, in, sink, why), ETIMEDOUT);
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(Memfd, SealedPayloadIsMapped)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	MemfdPool pool;
	int err = 0;
	auto lease = pool.acquire(5000, &err);
	ASSERT_TRUE(lease.valid()) << err;
	auto p = pattern(5000, 9);
	memcpy(lease.data(), p.data(), p.size());
	SendOptions opt;
	opt.memfd = lease.fd();
	iovec iov{lease.data(), 5000};
	ASSERT_EQ(send_message(*ca, FrameType::request, 3, "m", {&iov, 1}, opt), 0);
	Limits lim;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(*cb, lim, in, 1000, why), 0) << why;
	EXPECT_TRUE(in.head.flags & frame_flags::has_fd);
	GrowableRegion region;
	MemorySink sink(region);
	ASSERT_EQ(recv_payload(*cb, lim, in, sink, why), 0) << why;
	ASSERT_EQ(sink.bytes().size(), 5000u);
	EXPECT_EQ(memcmp(sink.bytes().data(), p.data(), 5000), 0);

	// The pool hands the same memfd out again once released.
	int fd = lease.fd();
	lease = MemfdPool::Lease();
	auto again = pool.acquire(4000, &err);
	EXPECT_EQ(again.fd(), fd);
}

TEST(Memfd, UnsealedOrMissingFdIsRejected)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	int fd = memfd_create("unsealed", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 4096), 0);
	SendOptions opt;
	opt.memfd = fd;
	char dummy[4096];
	iovec iov{dummy, sizeof(dummy)};
	ASSERT_EQ(send_message(*ca, FrameType::request, 3, "m", {&iov, 1}, opt), 0);
	Limits lim;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(*cb, lim, in, 1000, why), 0) << why;
	GrowableRegion region;
	MemorySink sink(region);
	EXPECT_EQ(recv_payload(*cb, lim, in, sink, why), EPERM);
	EXPECT_NE(why.find("sealed"), std::string::npos) << why;
	close(fd);

	// HAS_FD flag without an fd attached.
	FrameHeader h;
	h.type = FrameType::request;
	h.aux = 10;
	h.flags = frame_flags::end | frame_flags::has_fd;
	auto hb = encode_header(h);
	iovec hv{hb.data(), hb.size()};
	ASSERT_EQ(ca->write_all(&hv, 1, {}, 1000), 0);
	EXPECT_EQ(recv_head(*cb, lim, in, 1000, why), EBADF);
}

// ---- PARTS payloads: inline bytes mixed with ranges of several memfds (zero copy) ----------

namespace {

struct SealedBuffer {
	std::unique_ptr<MemfdPool::Entry> e;
	explicit SealedBuffer(size_t n)
	{
		int err = 0;
		e = MemfdPool::create_sealed(n, &err);
		EXPECT_TRUE(e) << err;
	}
	std::byte *data() { return e->data; }
	int fd() { return e->fd.get(); }
};

// Receives one message on `ch` into `sink`; returns recv_payload's result.
int receive(Channel &ch, InMessage &in, MemorySink &sink, std::string &why, MappingCache *cache = nullptr)
{
	Limits lim;
	if (int r = recv_head(ch, lim, in, 2000, why))
		return r;
	return recv_payload(ch, lim, in, sink, why, cache);
}

} // namespace

TEST(Parts, InlineAndMemfdRangesArriveInOrderWithoutCopies)
{
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	SealedBuffer m0(1 << 20), m1(8192);
	auto p0 = pattern(1 << 20, 1), p1 = pattern(8192, 2);
	memcpy(m0.data(), p0.data(), p0.size());
	memcpy(m1.data(), p1.data(), p1.size());
	auto head = pattern(100, 3), big = pattern(3 << 20, 4); // big spans several DATA frames
	std::vector<PayloadPart> parts{{PayloadPart::inline_bytes, 0, 0, 100},
				       {PayloadPart::fd_range, 0, 4097, 300000},
				       {PayloadPart::inline_bytes, 0, 0, big.size()},
				       {PayloadPart::fd_range, 1, 0, 5000},
				       {PayloadPart::fd_range, 0, 10, 20}};
	int fds[2] = {m0.fd(), m1.fd()};
	SendOptions opt;
	opt.chunk = 64 * 1024;
	opt.parts = parts;
	opt.fds = fds;
	std::vector<iovec> inl{{head.data(), head.size()}, {big.data(), big.size()}};
	std::thread sender([&] { EXPECT_EQ(send_message(*ca, FrameType::request, 5, "meta", inl, opt), 0); });
	InMessage in;
	GrowableRegion region;
	MemorySink sink(region);
	MappingCache cache;
	std::string why;
	ASSERT_EQ(receive(*cb, in, sink, why, &cache), 0) << why;
	sender.join();
	EXPECT_EQ(in.meta, "meta");
	EXPECT_TRUE(in.head.flags & frame_flags::parts);
	PayloadView v = sink.view();
	ASSERT_EQ(v.size(), 100u + 300000u + big.size() + 5000u + 20u);
	ASSERT_EQ(v.pieces().size(), 5u);
	PayloadCursor cur(v);
	std::byte *s0 = cur.take(100), *s1 = cur.take(300000), *s2 = cur.take(big.size()), *s3 = cur.take(5000),
		  *s4 = cur.take(20);
	ASSERT_TRUE(s0 && s1 && s2 && s3 && s4);
	EXPECT_EQ(memcmp(s0, head.data(), 100), 0);
	EXPECT_EQ(memcmp(s1, p0.data() + 4097, 300000), 0);
	EXPECT_EQ(memcmp(s2, big.data(), big.size()), 0);
	EXPECT_EQ(memcmp(s3, p1.data(), 5000), 0);
	EXPECT_EQ(memcmp(s4, p0.data() + 10, 20), 0);
	// The memfd parts are the sender's pages, not copies: a later write shows through.
	m0.data()[4097] = ~m0.data()[4097];
	EXPECT_EQ(s1[0], m0.data()[4097]);
	// A segment may not straddle two parts.
	EXPECT_EQ(v.at(90, 20), nullptr);
	EXPECT_EQ(v.at(v.size() - 10, 20), nullptr);
	EXPECT_TRUE(sink.bytes().empty()); // not one contiguous piece

	// Only memfd parts (no inline bytes): the head frame ends the message.
	// The same range again is served by the cached mapping (only the pages of a range are
	// mapped, so a range of other pages is a mapping of its own).
	std::vector<PayloadPart> only{{PayloadPart::fd_range, 0, 4097, 300000}};
	opt.parts = only;
	opt.fds = std::span<const int>(fds, 1);
	ASSERT_EQ(send_message(*ca, FrameType::request, 7, "m2", {}, opt), 0);
	GrowableRegion region2;
	MemorySink sink2(region2);
	ASSERT_EQ(receive(*cb, in, sink2, why, &cache), 0) << why;
	ASSERT_EQ(sink2.bytes().size(), 300000u);
	EXPECT_EQ(sink2.bytes().data(), s1); // same cached mapping of m0
}

TEST(Parts, DefaultSinkCopiesMappedParts)
{
	// Sinks that store bytes elsewhere (the agent's resource spool) get memfd parts copied
	// through window()/commit().
	struct VectorSink : PayloadSink {
		std::vector<std::byte> got;
		std::byte buf[1000];
		int window(uint64_t offset, size_t want, std::span<std::byte> &out) override
		{
			if (offset != got.size())
				return EINVAL;
			out = {buf, std::min(want, sizeof(buf))};
			return 0;
		}
		int commit(size_t n) override
		{
			got.insert(got.end(), buf, buf + n);
			return 0;
		}
	};
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	SealedBuffer m(16384);
	auto pm = pattern(16384, 5), pi = pattern(3000, 6);
	memcpy(m.data(), pm.data(), pm.size());
	std::vector<PayloadPart> parts{{PayloadPart::fd_range, 0, 100, 10000}, {PayloadPart::inline_bytes, 0, 0, 3000}};
	int fd = m.fd();
	SendOptions opt;
	opt.parts = parts;
	opt.fds = std::span<const int>(&fd, 1);
	iovec iov{pi.data(), pi.size()};
	ASSERT_EQ(send_message(*ca, FrameType::request, 9, "", {&iov, 1}, opt), 0);
	Limits lim;
	InMessage in;
	std::string why;
	ASSERT_EQ(recv_head(*cb, lim, in, 2000, why), 0) << why;
	VectorSink sink;
	ASSERT_EQ(recv_payload(*cb, lim, in, sink, why), 0) << why;
	ASSERT_EQ(sink.got.size(), 13000u);
	EXPECT_EQ(memcmp(sink.got.data(), pm.data() + 100, 10000), 0);
	EXPECT_EQ(memcmp(sink.got.data() + 10000, pi.data(), 3000), 0);
}

namespace {

// Writes a PARTS head frame by hand (table entries as given, flags/aux chosen by the test).
void write_parts_head(Channel &ch, const std::vector<PayloadPart> &parts, uint64_t aux, uint16_t flags,
		      std::span<const int> fds)
{
	std::vector<std::byte> table;
	encode_parts(parts, table);
	FrameHeader h;
	h.type = FrameType::request;
	h.stream_id = 1;
	h.flags = flags;
	h.data_len = table.size();
	h.aux = aux;
	auto hb = encode_header(h);
	iovec iov[2] = {{hb.data(), hb.size()}, {table.data(), table.size()}};
	ASSERT_EQ(ch.write_all(iov, 2, fds, 1000), 0);
}

} // namespace

TEST(Parts, FdsOfQueuedMessagesStayWithTheirMessages)
{
	// Concurrent senders: the receiver's read-ahead may take in the next messages (and their
	// fds) before it parses them. Each message still gets exactly its own fds.
	auto [a, b] = make_pair_channels();
	std::unique_ptr<Channel> ca(a), cb(b);
	SealedBuffer m0(4096), m1(4096), m2(4096);
	memset(m0.data(), 'a', 4096);
	memset(m1.data(), 'b', 4096);
	memset(m2.data(), 'c', 4096);
	std::vector<PayloadPart> two{{PayloadPart::fd_range, 0, 0, 100}, {PayloadPart::fd_range, 1, 0, 100}};
	int fds01[2] = {m0.fd(), m1.fd()};
	SendOptions p1;
	p1.parts = two;
	p1.fds = fds01;
	ASSERT_EQ(send_message(*ca, FrameType::request, 1, "one", {}, p1), 0);
	char text[] = "plain";
	iovec tv{text, 5};
	ASSERT_EQ(send_message(*ca, FrameType::request, 3, "two", {&tv, 1}, SendOptions{}), 0);
	SendOptions p3;
	p3.memfd = m2.fd();
	iovec mv{m2.data(), 100};
	ASSERT_EQ(send_message(*ca, FrameType::request, 5, "three", {&mv, 1}, p3), 0);
	std::string expect[3] = {std::string(100, 'a') + std::string(100, 'b'), "plain", std::string(100, 'c')};
	for (int i = 0; i < 3; ++i) {
		SCOPED_TRACE(i);
		InMessage in;
		GrowableRegion region;
		MemorySink sink(region);
		std::string why;
		ASSERT_EQ(receive(*cb, in, sink, why), 0) << why;
		PayloadView v = sink.view();
		std::string got;
		for (auto &piece : v.pieces())
			got.append(reinterpret_cast<const char *>(piece.bytes.data()), piece.bytes.size());
		EXPECT_EQ(got, expect[i]);
	}
	EXPECT_EQ(cb->pending_fds(), 0u);
}

TEST(Parts, HostileTablesAreRejected)
{
	SealedBuffer m(8192);
	int fd = m.fd();
	int unsealed = memfd_create("unsealed", MFD_CLOEXEC);
	ASSERT_GE(unsealed, 0);
	ASSERT_EQ(ftruncate(unsealed, 8192), 0);
	constexpr uint16_t kParts = frame_flags::has_fd | frame_flags::parts | frame_flags::end;
	using P = PayloadPart;
	struct Case {
		const char *name;
		std::vector<PayloadPart> parts;
		uint64_t aux;
		uint16_t flags;
		int fd;
		const char *why; // expected in the error text
	};
	std::vector<Case> cases{
		{"sum differs from declared", {{P::fd_range, 0, 0, 100}}, 200, kParts, fd, "add up"},
		{"fd index beyond the attached fds", {{P::fd_range, 1, 0, 100}}, 100, kParts, fd, "2 file descriptor"},
		{"fd index beyond the limit", {{P::fd_range, 9, 0, 100}}, 100, kParts, fd, "names fd 9"},
		{"fd 0 never named",
		 {{P::fd_range, 1, 0, 100}, {P::fd_range, 1, 0, 1}},
		 101,
		 kParts,
		 fd,
		 "file descriptor"},
		{"range past the memfd", {{P::fd_range, 0, 8000, 1000}}, 1000, kParts, fd, "smaller"},
		{"offset overflows", {{P::fd_range, 0, UINT64_MAX - 5, 100}}, 100, kParts, fd, "overflow"},
		{"unsealed memfd", {{P::fd_range, 0, 0, 100}}, 100, kParts, unsealed, "sealed"},
		{"unknown kind", {{7, 0, 0, 100}}, 100, kParts, fd, "kind"},
		{"zero-length part", {{P::fd_range, 0, 0, 0}}, 0, kParts, fd, "length"},
		{"inline part with an offset",
		 {{P::inline_bytes, 0, 5, 10}, {P::fd_range, 0, 0, 1}},
		 11,
		 frame_flags::has_fd | frame_flags::parts,
		 fd,
		 "inline"},
		{"END with inline parts", {{P::inline_bytes, 0, 0, 10}, {P::fd_range, 0, 0, 1}}, 11, kParts, fd, "END"},
		{"no fd at all", {{P::fd_range, 0, 0, 100}}, 100, kParts, -1, "file descriptor"},
		{"no memfd range",
		 {{P::inline_bytes, 0, 0, 10}},
		 10,
		 frame_flags::has_fd | frame_flags::parts,
		 fd,
		 "without a memfd range"},
	};
	for (auto &c : cases) {
		SCOPED_TRACE(c.name);
		auto [a, b] = make_pair_channels();
		std::unique_ptr<Channel> ca(a), cb(b);
		std::span<const int> fds;
		if (c.fd >= 0)
			fds = std::span<const int>(&c.fd, 1);
		write_parts_head(*ca, c.parts, c.aux, c.flags, fds);
		InMessage in;
		GrowableRegion region;
		MemorySink sink(region);
		std::string why;
		EXPECT_NE(receive(*cb, in, sink, why), 0);
		EXPECT_NE(why.find(c.why), std::string::npos) << why;
	}
	close(unsealed);

	// Header-level checks: PARTS without HAS_FD, a table that is not whole entries or too long.
	FrameHeader h;
	h.type = FrameType::request;
	h.aux = 100;
	std::string why;
	FrameHeader out;
	h.flags = frame_flags::parts | frame_flags::end;
	h.data_len = kPartEntrySize;
	EXPECT_EQ(decode_header(encode_header(h).data(), out, why), EPROTO);
	h.flags = frame_flags::parts | frame_flags::has_fd | frame_flags::end;
	h.data_len = kPartEntrySize + 1;
	EXPECT_EQ(decode_header(encode_header(h).data(), out, why), EPROTO);
	h.data_len = kPartEntrySize * (kMaxParts + 1);
	EXPECT_EQ(decode_header(encode_header(h).data(), out, why), EPROTO);
	h.data_len = kPartEntrySize * kMaxParts;
	EXPECT_EQ(decode_header(encode_header(h).data(), out, why), 0) << why;
}

TEST(Proto, RequestRoundTrip)
{
	vaccel::rpc::v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(42);
	auto *arg = g->add_read();
	arg->set_type(9);
	arg->set_size(1);
	arg->set_has_data(true);
	std::string s;
	ASSERT_TRUE(req.SerializeToString(&s));
	vaccel::rpc::v1::Request back;
	ASSERT_TRUE(back.ParseFromString(s));
	EXPECT_EQ(back.call_case(), vaccel::rpc::v1::Request::kGenop);
	EXPECT_EQ(back.genop().session_id(), 42);
	EXPECT_FALSE(back.ParseFromString(std::string("\xff\xff\xff\xff garbage", 13)));
}
