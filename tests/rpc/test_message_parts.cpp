// SPDX-License-Identifier: Apache-2.0
// Unit tests of PARTS payloads (src/rpc/message*.cpp with region.cpp's mapping cache): inline bytes mixed
// with ranges of several memfds (zero copy), and hostile part tables.
#include "channel.hpp"
#include "memfd_pool.hpp"
#include "message.hpp"
#include "wire_test_util.hpp"

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
using namespace wiretest;

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
