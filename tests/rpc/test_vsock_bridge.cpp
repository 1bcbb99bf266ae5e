// SPDX-License-Identifier: Apache-2.0
// vaccel-vsock-bridge without QEMU: a fake front-end (memfd guest RAM, hand-built split rings)
// drives the bridge through its real vhost-user socket; host sockets are real unix sockets.
#include "vsock_fake_frontend.hpp"
#include "vsock_mux.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <thread>

using namespace vtest;
using vbridge::kHeaderSize;

namespace {

std::vector<std::byte> pattern(size_t n, uint32_t seed)
{
	std::vector<std::byte> v(n);
	uint32_t x = seed * 2654435761u + 1;
	for (auto &b : v) {
		x = x * 1103515245u + 12345u;
		b = static_cast<std::byte>(x >> 24);
	}
	return v;
}

std::vector<std::byte> bytes(const std::string &s)
{
	std::vector<std::byte> v(s.size());
	memcpy(v.data(), s.data(), s.size());
	return v;
}

// Opens guest port gp -> host port P against a host listener on <uds>_P; returns the host end.
UniqueFd open_conn(FakeFrontend &f, int listener, uint32_t gp, uint32_t port)
{
	f.send(f.hdr(Op::request, gp, port));
	Header h;
	std::vector<std::byte> p;
	EXPECT_TRUE(f.recv(h, p));
	EXPECT_EQ(h.op, Op::response);
	EXPECT_EQ(h.src_cid, vbridge::kHostCid);
	EXPECT_EQ(h.dst_cid, f.guest_cid);
	EXPECT_EQ(h.src_port, port);
	EXPECT_EQ(h.dst_port, gp);
	return accept_one(listener);
}

struct Started {
	explicit Started(vbridge::BridgeConfig cfg = {}) : f(cfg)
	{
		f.handshake();
		f.post_rx(32);
	}
	FakeFrontend f;
};

} // namespace

TEST(VsockBridge, HandshakeConfigAndCleanExit)
{
	FakeFrontend f({}, 7);
	f.handshake();
	EXPECT_EQ(f.get_config_cid(), 7u);
	EXPECT_EQ(f.disconnect(), 0) << "the VMM leaving ends serve() cleanly";
	EXPECT_NE(access(f.socket_path.c_str(), F_OK), 0) << "the vhost-user socket name is removed";
}

TEST(VsockBridge, RequestConnectsAndGetsResponse)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_2048");
	UniqueFd host = open_conn(s.f, l.get(), 1234, 2048);
	ASSERT_TRUE(host.valid());
}

TEST(VsockBridge, RequestWithoutListenerGetsRstAtOnce)
{
	Started s;
	s.f.send(s.f.hdr(Op::request, 1234, 2049));
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::rst);
	EXPECT_EQ(h.src_port, 2049u);
	EXPECT_EQ(h.dst_port, 1234u);
}

// Both directions, 1 MiB each, byte-exact; the fake guest checks every packet against its credit.
// With counter_base near 2^32 every counter (both fwd_cnt and tx_cnt) wraps during the transfer.
class VsockBridgeStream : public ::testing::TestWithParam<uint32_t> {};

TEST_P(VsockBridgeStream, OneMebibyteEachWayWithinCredit)
{
	const uint32_t base = GetParam();
	vbridge::BridgeConfig cfg;
	cfg.mux.counter_base = base;
	cfg.mux.buf_alloc = 65536;
	Started s(cfg);
	FakeFrontend &f = s.f;
	f.guest_fwd_cnt = base;
	f.guest_buf_alloc = 32768; // small, so the bridge runs out of credit many times
	auto l = listen_unix(f.uds + "_3000");
	UniqueFd host = open_conn(f, l.get(), 77, 3000);
	ASSERT_TRUE(host.valid());
	const size_t total = 1u << 20;

	// Guest -> host: the guest respects the bridge's credit, as it learns it from every packet.
	auto up = pattern(total, 1);
	std::vector<std::byte> got(total);
	std::thread reader([&] { EXPECT_TRUE(read_exact(host.get(), got.data(), total)); });
	uint32_t bridge_buf = 65536, bridge_fwd = base, tx = base;
	size_t sent = 0;
	while (sent < total) {
		uint32_t credit = vbridge::peer_credit(bridge_buf, tx, bridge_fwd);
		if (credit == 0) {
			Header h;
			std::vector<std::byte> p;
			ASSERT_TRUE(f.recv(h, p)) << "no credit update after " << sent << " bytes";
			ASSERT_EQ(h.op, Op::credit_update);
			bridge_buf = h.buf_alloc;
			bridge_fwd = h.fwd_cnt;
			continue;
		}
		size_t n = std::min<size_t>({credit, 65536, total - sent});
		std::vector<std::byte> chunk(up.begin() + sent, up.begin() + sent + n);
		f.send(f.hdr(Op::rw, 77, 3000, static_cast<uint32_t>(n)), chunk);
		sent += n;
		tx += static_cast<uint32_t>(n);
	}
	reader.join();
	EXPECT_TRUE(got == up) << "guest -> host bytes differ";

	// Host -> guest: the guest only reports consumption when the bridge asks for credit.
	auto down = pattern(total, 2);
	std::thread writer([&] { EXPECT_EQ(write(host.get(), down.data(), total), static_cast<ssize_t>(total)); });
	std::vector<std::byte> recvd;
	uint32_t received = base, requests = 0;
	while (recvd.size() < total) {
		Header h;
		std::vector<std::byte> p;
		ASSERT_TRUE(f.recv(h, p)) << "stalled after " << recvd.size() << " bytes";
		if (h.op == Op::credit_request) {
			++requests;
			f.guest_fwd_cnt = received; // consumed everything: tell the bridge
			f.send(f.hdr(Op::credit_update, 77, 3000));
			continue;
		}
		if (h.op == Op::credit_update)
			continue;
		ASSERT_EQ(h.op, Op::rw);
		received += h.len;
		ASSERT_LE(static_cast<uint32_t>(received - f.guest_fwd_cnt), f.guest_buf_alloc) << "credit exceeded";
		recvd.insert(recvd.end(), p.begin(), p.end());
	}
	writer.join();
	EXPECT_TRUE(recvd == down) << "host -> guest bytes differ";
	EXPECT_GT(requests, 0u) << "the bridge ran out of credit, so it must have asked for more";
	EXPECT_EQ(f.disconnect(), 0);
	EXPECT_EQ(f.bridge()->stats().to_host, total) << "the bridge counts what it forwarded";
	EXPECT_EQ(f.bridge()->stats().to_guest, total);
	if (base > 0xF0000000u) {
		EXPECT_LT(received, base) << "the counters wrapped at 2^32";
	}
}

INSTANTIATE_TEST_SUITE_P(Counters, VsockBridgeStream, ::testing::Values(0u, 0xFFFFFFFFu - 300000u));

TEST(VsockBridge, CreditRequestIsAnsweredWithCreditUpdate)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3001");
	UniqueFd host = open_conn(s.f, l.get(), 5, 3001);
	s.f.send(s.f.hdr(Op::credit_request, 5, 3001));
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::credit_update);
	EXPECT_EQ(h.buf_alloc, vbridge::MuxConfig{}.buf_alloc);
	EXPECT_EQ(h.fwd_cnt, 0u);
}

TEST(VsockBridge, GuestShutdownGetsRstAndHostEof)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3002");
	UniqueFd host = open_conn(s.f, l.get(), 6, 3002);
	s.f.send(s.f.hdr(Op::rw, 6, 3002, 5), bytes("hello"));
	auto sh = s.f.hdr(Op::shutdown, 6, 3002);
	sh.flags = vbridge::kShutdownRcv | vbridge::kShutdownSend;
	s.f.send(sh);
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::rst);
	char buf[5];
	ASSERT_TRUE(read_exact(host.get(), buf, 5));
	EXPECT_EQ(std::string(buf, 5), "hello") << "bytes sent before the shutdown are delivered";
	EXPECT_TRUE(read_eof(host.get()));
}

TEST(VsockBridge, HostEofSendsShutdown)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3003");
	UniqueFd host = open_conn(s.f, l.get(), 7, 3003);
	host.reset();
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::shutdown);
	EXPECT_EQ(h.flags, vbridge::kShutdownRcv | vbridge::kShutdownSend);
	s.f.send(s.f.hdr(Op::rst, 7, 3003)); // the guest completes the close
	s.f.send(s.f.hdr(Op::rw, 7, 3003, 1), bytes("x"));
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::rst) << "the connection is gone after the guest's RST";
}

TEST(VsockBridge, UnknownConnectionGetsRstAndWrongCidIsDropped)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3004");
	auto bad = s.f.hdr(Op::request, 8, 3004);
	bad.src_cid = 99; // not this guest: must be ignored, not connected
	s.f.send(bad);
	s.f.send(s.f.hdr(Op::rw, 9, 3999, 1), bytes("y"));
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::rst) << "the first answer is for the unknown connection";
	EXPECT_EQ(h.src_port, 3999u);
	EXPECT_EQ(h.dst_port, 9u);
	EXPECT_EQ(s.f.disconnect(), 0);
	EXPECT_EQ(s.f.bridge()->stats().dropped, 1u);
	EXPECT_FALSE(accept_one(l.get(), 0).valid()) << "the wrong-CID REQUEST must not have connected";
}

TEST(VsockBridge, AnyDescriptorLayoutAndSmallRxBuffers)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3005");
	UniqueFd host = open_conn(s.f, l.get(), 10, 3005);
	auto data = pattern(1000, 3);
	const std::vector<std::vector<uint32_t>> layouts = {
		{static_cast<uint32_t>(kHeaderSize + 1000)}, // one descriptor
		{kHeaderSize, 1000},                         // header, payload
		{20, 24 + 10, 990},                          // header split across descriptors
		{kHeaderSize + 500, 250, 250},
	};
	for (const auto &layout : layouts) {
		s.f.send(s.f.hdr(Op::rw, 10, 3005, 1000), data, layout);
		std::vector<std::byte> got(1000);
		ASSERT_TRUE(read_exact(host.get(), got.data(), got.size()));
		EXPECT_TRUE(got == data) << "layout of " << layout.size() << " descriptors";
	}
	// Host -> guest through single 3776-byte buffers: packets never exceed one buffer.
	auto down = pattern(10000, 4);
	ASSERT_EQ(write(host.get(), down.data(), down.size()), 10000);
	std::vector<std::byte> recvd;
	while (recvd.size() < down.size()) {
		Header h;
		std::vector<std::byte> p;
		ASSERT_TRUE(s.f.recv(h, p));
		if (h.op != Op::rw)
			continue;
		EXPECT_LE(p.size() + kHeaderSize, kRxBufSize);
		recvd.insert(recvd.end(), p.begin(), p.end());
	}
	EXPECT_TRUE(recvd == down);
}

namespace {
size_t open_fds()
{
	size_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		++n;
	if (d)
		closedir(d);
	return n;
}
} // namespace

TEST(VsockBridge, RepeatedSetVringCallClosesTheOldFd)
{
	Started s;
	s.f.message(1, nullptr, 0, {}, true);
	const size_t before = open_fds();
	for (int i = 0; i < 8; ++i)
		s.f.set_vring_call(0);
	s.f.message(1, nullptr, 0, {}, true); // synchronise: the bridge handled every message
	EXPECT_EQ(open_fds(), before) << "each SET_VRING_CALL must close the fd it replaces";
	s.f.send(s.f.hdr(Op::request, 11, 3999));
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p)) << "the newest call fd is signalled";
	EXPECT_EQ(h.op, Op::rst);
}

TEST(VsockBridge, GetVringBaseStopsTheRingAndDropsConnections)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3006");
	UniqueFd host = open_conn(s.f, l.get(), 12, 3006);
	s.f.send(s.f.hdr(Op::rw, 12, 3006, 2), bytes("ab"));
	EXPECT_EQ(s.f.get_vring_base(1), 2u) << "REQUEST and RW were consumed";
	char buf[2];
	ASSERT_TRUE(read_exact(host.get(), buf, 2));
	EXPECT_TRUE(read_eof(host.get())) << "a stopped device forgets its connections";
}

TEST(VsockBridge, HostInitiatedConnect)
{
	Started s;
	UniqueFd host = connect_unix(s.f.uds);
	ASSERT_TRUE(host.valid());
	ASSERT_EQ(write(host.get(), "CONNECT 5000\n", 13), 13);
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(s.f.recv(h, p));
	ASSERT_EQ(h.op, Op::request);
	EXPECT_EQ(h.dst_port, 5000u);
	EXPECT_GE(h.src_port, 1u << 30);
	const uint32_t host_port = h.src_port;
	s.f.send(s.f.hdr(Op::response, 5000, host_port));
	const std::string ok = "OK " + std::to_string(host_port) + "\n";
	std::string line(ok.size(), '\0');
	ASSERT_TRUE(read_exact(host.get(), line.data(), line.size()));
	EXPECT_EQ(line, ok);
	ASSERT_EQ(write(host.get(), "ping", 4), 4);
	ASSERT_TRUE(s.f.recv(h, p));
	EXPECT_EQ(h.op, Op::rw);
	EXPECT_EQ(std::string(reinterpret_cast<char *>(p.data()), p.size()), "ping");
	s.f.send(s.f.hdr(Op::rw, 5000, host_port, 4), bytes("pong"));
	char buf[4];
	ASSERT_TRUE(read_exact(host.get(), buf, 4));
	EXPECT_EQ(std::string(buf, 4), "pong");

	UniqueFd refused = connect_unix(s.f.uds);
	ASSERT_EQ(write(refused.get(), "connect 5001\n", 13), 13);
	ASSERT_TRUE(s.f.recv(h, p));
	ASSERT_EQ(h.op, Op::request);
	s.f.send(s.f.hdr(Op::rst, 5001, h.src_port));
	EXPECT_TRUE(read_eof(refused.get())) << "a guest RST closes the host connection";
	UniqueFd garbage = connect_unix(s.f.uds);
	ASSERT_EQ(write(garbage.get(), "HELLO\n", 6), 6);
	EXPECT_TRUE(read_eof(garbage.get()));
}

TEST(VsockBridge, ManyConnectionsAtOnce)
{
	Started s;
	auto l = listen_unix(s.f.uds + "_3007");
	constexpr int kConns = 32;
	std::vector<UniqueFd> hosts;
	for (int i = 0; i < kConns; ++i)
		hosts.push_back(open_conn(s.f, l.get(), 2000 + i, 3007));
	for (int i = 0; i < kConns; ++i) {
		std::string msg = "conn" + std::to_string(i);
		s.f.send(s.f.hdr(Op::rw, 2000 + i, 3007, static_cast<uint32_t>(msg.size())), bytes(msg));
		ASSERT_EQ(write(hosts[i].get(), msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
	}
	for (int i = 0; i < kConns; ++i) {
		std::string msg = "conn" + std::to_string(i), got(msg.size(), '\0');
		ASSERT_TRUE(read_exact(hosts[i].get(), got.data(), got.size()));
		EXPECT_EQ(got, msg);
	}
	std::map<uint32_t, std::string> seen;
	while (seen.size() < kConns) {
		Header h;
		std::vector<std::byte> p;
		ASSERT_TRUE(s.f.recv(h, p));
		if (h.op == Op::rw)
			seen[h.dst_port].append(reinterpret_cast<char *>(p.data()), p.size());
	}
	for (int i = 0; i < kConns; ++i)
		EXPECT_EQ(seen[2000 + i], "conn" + std::to_string(i));
}

// --buf-alloc above the guest's own buffer (regression: vm_vsock_bench's boot with the bridge at
// 2 MiB, "vsock2m" then, when the guest kept its default 256 KiB). A Linux guest lets at most
// min(peer buf_alloc, its own buf_alloc) be in flight and never sends CREDIT_REQUEST: out of
// credit, it waits for an update. The bridge must send one without being asked, although the
// guest's in-flight bytes never come near the bridge's own buf_alloc.
TEST(VsockBridge, LargeBufAllocWithGuestCappedWindowKeepsFlowing)
{
	vbridge::BridgeConfig cfg;
	cfg.mux.buf_alloc = 2u << 20;
	Started s(cfg);
	FakeFrontend &f = s.f;
	f.guest_buf_alloc = 262144;
	auto l = listen_unix(f.uds + "_3010");
	UniqueFd host = open_conn(f, l.get(), 78, 3010);
	ASSERT_TRUE(host.valid());
	const size_t total = 1u << 20;
	auto up = pattern(total, 5);
	std::vector<std::byte> got(total);
	bool read_all = false;
	std::thread reader([&] { read_all = read_exact(host.get(), got.data(), total); });
	uint32_t bridge_buf = cfg.mux.buf_alloc, bridge_fwd = 0, tx = 0, updates = 0;
	size_t sent = 0;
	while (sent < total) {
		const uint32_t window = std::min(bridge_buf, f.guest_buf_alloc);
		const uint32_t credit = vbridge::peer_credit(window, tx, bridge_fwd);
		if (credit == 0) {
			Header h;
			std::vector<std::byte> p;
			// Bounded: before the fix no update ever came and the guest stalled at 256 KiB.
			if (!f.recv(h, p, 3000)) {
				ADD_FAILURE() << "no credit update after " << sent << " bytes: the guest is stuck";
				break;
			}
			EXPECT_EQ(h.op, Op::credit_update);
			++updates;
			bridge_buf = h.buf_alloc;
			bridge_fwd = h.fwd_cnt;
			continue;
		}
		const size_t n = std::min<size_t>({credit, 65536, total - sent});
		std::vector<std::byte> chunk(up.begin() + sent, up.begin() + sent + n);
		f.send(f.hdr(Op::rw, 78, 3010, static_cast<uint32_t>(n)), chunk);
		sent += n;
		tx += static_cast<uint32_t>(n);
	}
	if (sent < total)
		shutdown(host.get(), SHUT_RDWR); // ends the reader's wait
	reader.join();
	EXPECT_TRUE(read_all && got == up) << "guest -> host bytes differ";
	EXPECT_GT(updates, 0u);
	EXPECT_EQ(f.bridge()->stats().rst_sent, 0u);
}

// Tx completions only return the guest's buffers, and each interrupt costs a TCG guest an interrupt
// and a worker run, so the bridge raises one once half the ring's descriptors wait, never per packet;
// a driver out of descriptors has more than half of them completed, so it is never left waiting.
TEST(VsockBridge, TxCompletionsInterruptOnceHalfTheRingWaits)
{
	Started s;
	FakeFrontend &f = s.f;
	auto l = listen_unix(f.uds + "_3011");
	UniqueFd host = open_conn(f, l.get(), 79, 3011); // one 1-descriptor packet so far
	FakeRing &tx = f.tx();
	const uint64_t before = tx.calls;
	auto drain_call = [&](int timeout_ms) {
		pollfd p{tx.call.get(), POLLIN, 0};
		eventfd_t v = 0;
		if (poll(&p, 1, timeout_ms) > 0 && eventfd_read(tx.call.get(), &v) == 0)
			tx.calls += v;
	};
	// 15 RW packets of 2 descriptors: 31 completed descriptors, under half of kRingNum (64).
	for (int i = 0; i < 15; ++i)
		f.send(f.hdr(Op::rw, 79, 3011, 1), bytes("z"));
	drain_call(200);
	EXPECT_EQ(tx.calls, before) << "no interrupt per packet";
	f.send(f.hdr(Op::rw, 79, 3011, 1), bytes("z")); // 33 descriptors: half the ring waits
	drain_call(2000);
	EXPECT_EQ(tx.calls, before + 1) << "one interrupt once half the ring waits to be reclaimed";
	char buf[16];
	EXPECT_TRUE(read_exact(host.get(), buf, 16));
}
