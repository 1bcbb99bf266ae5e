// SPDX-License-Identifier: Apache-2.0
// Unit tests of src/rpc/message*.cpp: chunked payloads over socketpairs and loopback, size limits,
// truncation and silent peers, and sealed-memfd payloads.
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
