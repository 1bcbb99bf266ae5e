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

	for (const char *bad : {"", "tcp://", "tcp://host", "tcp://::1:80", "tcp://h:70000", "tcp://h:-1",
				"unix://relative", "unix://", "vsock://2", "vsock://x:1", "vsock://4294967296:1",
				"serial://dev", "http://x:1", "/tmp/sock"}) {
		EXPECT_NE(parse_address(bad, a, why), 0) << bad;
	}
	std::string long_path = "unix:///" + std::string(200, 'a');
	EXPECT_NE(parse_address(long_path, a, why), 0);
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
	ASSERT_EQ(ca->write_all(&iov, 1, -1, 1000), 0);
	Limits lim;
	InMessage in;
	std::string why;
	EXPECT_EQ(recv_head(*cb, lim, in, 1000, why), EMSGSIZE);
	EXPECT_NE(why.find("exceeds"), std::string::npos) << why;

	h.aux = 100;
	h.meta_len = 1u << 30; // metadata far above the cap
	hb = encode_header(h);
	ASSERT_EQ(ca->write_all(&iov, 1, -1, 1000), 0);
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
	ASSERT_EQ(ca->write_all(iov, 2, -1, 1000), 0);
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
	ASSERT_EQ(ca->write_all(&iov, 1, -1, 1000), 0);
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
	ASSERT_EQ(ca->write_all(&hv, 1, -1, 1000), 0);
	EXPECT_EQ(recv_head(*cb, lim, in, 1000, why), EBADF);
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
