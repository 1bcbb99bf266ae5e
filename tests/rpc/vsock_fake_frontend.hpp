// SPDX-License-Identifier: Apache-2.0
// A fake vhost-user front-end and guest driver for testing vaccel-vsock-bridge without QEMU: guest
// RAM is a memfd, the split rings are built by hand in it, and the bridge (run on a thread of the
// test) is driven through its real vhost-user socket, kick and call eventfds. The fake guest keeps
// its own credit counters so tests can assert that the bridge never exceeds them.
// Not thread-safe: one test thread uses an instance (the bridge runs on its own thread).
#pragma once

#include "bridge.hpp"
#include "vsock_packet.hpp"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace vtest {

using vbridge::Header;
using vbridge::Op;
using vbridge::UniqueFd;

// Guest physical layout inside the memfd ("guest RAM").
inline constexpr uint64_t kRamSize = 8u << 20;
inline constexpr uint64_t kUserBase = 0x7f0000000000ull; // the "VMM address" of guest address 0
inline constexpr uint32_t kRingNum = 64;
inline constexpr uint32_t kRxBufSize = 3776; // what the Linux 6.1 guest posts

struct FakeRing {
	uint64_t desc = 0, avail = 0, used = 0; // guest physical addresses
	uint16_t avail_idx = 0;
	uint16_t used_seen = 0;
	uint64_t calls = 0; // interrupts the bridge raised on this ring that wait_used() consumed
	UniqueFd kick, call;
};

class FakeFrontend {
public:
	// Starts a bridge with `cfg` (socket path and uds filled in from a fresh temp dir) on a thread.
	explicit FakeFrontend(vbridge::BridgeConfig cfg = {}, uint64_t guest_cid = 3);
	~FakeFrontend();

	// vhost-user: one message; returns the reply payload (empty when none is expected).
	std::vector<std::byte> message(uint32_t request, const void *payload, uint32_t size, std::vector<int> fds = {},
				       bool expect_reply = false);
	// The whole QEMU start sequence (features, memory table, both rings started and enabled).
	void handshake();
	uint64_t get_config_cid();
	uint32_t get_vring_base(unsigned ring);
	void set_vring_call(unsigned ring);

	// Guest side. Sends one packet on the tx ring, split over descriptors of the given sizes
	// (their sum must be kHeaderSize + payload size), and waits until the bridge consumed it.
	void send(const Header &h, const std::vector<std::byte> &payload = {}, std::vector<uint32_t> split = {});
	// Posts `count` rx buffers of `size` bytes (one writable descriptor each).
	void post_rx(unsigned count, uint32_t size = kRxBufSize);
	// Waits (bounded, 10 s) for the next packet on the rx ring; false on timeout.
	bool recv(Header &h, std::vector<std::byte> &payload, int timeout_ms = 10000);
	// Raw ring access for hostile-ring tests.
	FakeRing &tx() { return rings_[1]; }
	FakeRing &rx() { return rings_[0]; }
	std::byte *ram(uint64_t gpa) { return ram_ + gpa; }
	void write_desc(FakeRing &r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
	void publish(FakeRing &r, uint16_t head); // avail ring entry + idx
	void kick(FakeRing &r);
	uint16_t used_idx(FakeRing &r);
	// Waits (bounded) until the bridge's used index of `r` reaches `target`.
	bool wait_used(FakeRing &r, uint16_t target, int timeout_ms = 10000);

	// A guest header for connection (guest_port -> host port) with the fake guest's credit state.
	Header hdr(Op op, uint32_t guest_port, uint32_t host_port, uint32_t len = 0);
	// Closes the vhost-user connection (the VMM went away) and waits for the bridge to return.
	int disconnect();

	std::string dir, socket_path, uds;
	uint64_t guest_cid;
	uint32_t guest_buf_alloc = 262144; // what the fake guest advertises
	uint32_t guest_fwd_cnt = 0;        // bytes the fake guest consumed (it reports them)
	int serve_result = -1;
	vbridge::Bridge *bridge() { return bridge_.get(); }

private:
	void setup_ring(unsigned i, uint64_t base);
	uint64_t alloc_buf(uint32_t size);

	std::unique_ptr<vbridge::Bridge> bridge_;
	std::thread thread_;
	UniqueFd stop_;
	UniqueFd conn_;
	UniqueFd memfd_;
	std::byte *ram_ = nullptr;
	FakeRing rings_[2];
	uint64_t next_buf_ = 0x100000;  // bump allocator for packet buffers (wraps in its area)
	std::vector<uint64_t> rx_bufs_; // guest address of each rx descriptor's buffer, by descriptor id
	uint16_t next_tx_desc_ = 0;
	uint16_t next_rx_desc_ = 0;
};

// Host side helpers.
UniqueFd listen_unix(const std::string &path);
UniqueFd accept_one(int listener, int timeout_ms = 10000);
UniqueFd connect_unix(const std::string &path);
// Reads exactly n bytes (bounded wait); false on EOF/timeout.
bool read_exact(int fd, void *p, size_t n, int timeout_ms = 10000);
// True when the next read sees EOF within the timeout.
bool read_eof(int fd, int timeout_ms = 10000);

} // namespace vtest
