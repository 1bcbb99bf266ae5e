// SPDX-License-Identifier: Apache-2.0
// The vsock connection state machine of the bridge: packets in from the guest, packets out to the
// guest, and the host's unix sockets on the other side, by the Firecracker "hybrid vsock"
// convention:
//   - a guest connection to (CID 2, port P) becomes an AF_UNIX connection to "<uds>_P"; nobody
//     listening there makes the guest's connect fail at once with an RST;
//   - a host process connecting to "<uds>" itself and writing "CONNECT P\n" is joined to the
//     guest's listener on port P; the bridge answers "OK <host port>\n" when the guest accepts.
// It knows nothing of virtqueues or vhost-user (the Bridge feeds it), so tests and the fuzzer
// drive it directly. Credit flow control both ways: it never sends the guest more than the
// guest's advertised credit, and never buffers more of the guest's bytes than its own buf_alloc.
// All counters are u32 and wrap at 2^32, as on the wire. Memory per connection: at most buf_alloc
// bytes from the guest plus one kStageSize chunk read from the host.
// Not thread-safe: one thread (the bridge's event loop) owns an instance.
#pragma once

#include "unique_fd.hpp"
#include "vsock_packet.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace vbridge {

using vaccel::rpc::UniqueFd;

// Host bytes read per recv() for the guest (one full-size vsock packet).
inline constexpr size_t kStageSize = 64 * 1024;

struct MuxConfig {
	uint64_t guest_cid = 3;
	std::string uds;           // the hybrid-vsock prefix; empty: refuse every guest connect
	bool host_listener = true; // accept "CONNECT P" on <uds> itself
	// Per connection: guest bytes buffered towards the host.  2 MiB, with vAccel's rpc plugin
	// asking its guest socket for as much: with 256 KiB a guest->host stream under TCG stalls on
	// credit updates (docs/performance.md).  Worst case with max_conns: 256 MiB, as before.
	uint32_t buf_alloc = 2u << 20;
	uint32_t max_conns = 128;  // connections plus pending CONNECT lines
	uint32_t counter_base = 0; // where tx/fwd counters start (tests exercise the 2^32 wrap)
};

struct MuxStats {
	uint64_t to_host = 0;  // guest payload bytes written to host sockets
	uint64_t to_guest = 0; // host bytes sent to the guest
	uint64_t rst_sent = 0;
	uint64_t dropped = 0; // guest packets ignored (wrong CID, malformed)
	uint64_t credit_updates_sent = 0;
	uint64_t credit_requests_sent = 0;
	uint64_t credit_updates_received = 0; // the guest's CREDIT_UPDATEs
	uint64_t host_reads = 0;              // recv() calls on host sockets
	uint64_t host_writes = 0;             // send() calls on host sockets
};

class VsockMux {
public:
	explicit VsockMux(MuxConfig cfg);
	~VsockMux();
	VsockMux(const VsockMux &) = delete;
	VsockMux &operator=(const VsockMux &) = delete;

	// Creates the epoll set and, with host_listener, the "<uds>" listener. 0, or errno with `why`.
	int start(std::string &why);
	// An fd that is readable when host sockets need service (add it to the caller's epoll set).
	[[nodiscard]] int poll_fd() const { return epoll_.get(); }
	// Services host sockets without blocking: accepts, CONNECT lines, flushes, readability.
	void handle_host_events();
	// One packet from the guest's tx queue; `payload` holds the bytes after the header.
	void on_guest_packet(const Header &h, std::span<const std::byte> payload);
	// True when next_rx() may produce a packet for the guest.
	[[nodiscard]] bool rx_pending() const { return !orphans_.empty() || !ready_.empty(); }
	// Writes the next packet (header + payload) for the guest into `out` and returns its size; 0
	// when there is nothing to send now. `out` must hold at least kHeaderSize + 1 bytes.
	size_t next_rx(std::span<std::byte> out);
	// Drops every connection (the device was stopped or reset: the guest forgot them all).
	void reset_all();
	[[nodiscard]] size_t connection_count() const { return conns_.size(); }
	[[nodiscard]] const MuxStats &stats() const { return stats_; }

private:
	struct Key {
		uint32_t host_port;
		uint32_t guest_port;
		auto operator<=>(const Key &) const = default;
	};
	enum class State { awaiting_response, established };
	struct Conn;
	struct Line;

	void guest_request(const Header &h);
	void guest_rw(Conn &c, std::span<const std::byte> payload);
	void guest_shutdown(Conn &c, uint32_t flags);
	void queue_orphan_rst(const Header &h);
	void close_conn(const Key &k);
	void mark_ready(Conn &c);
	void update_interest(Conn &c);
	void flush_to_host(Conn &c);
	size_t send_to_host(Conn &c, const std::byte *p, size_t n);
	bool refill_stage(Conn &c);
	void note_forwarded(Conn &c);
	[[nodiscard]] uint32_t guest_credit(const Conn &c) const;
	[[nodiscard]] static bool staged(const Conn &c);
	size_t emit(Conn &c, std::span<std::byte> out, bool &keep);
	size_t emit_data(Conn &c, std::span<std::byte> out, bool &keep);
	void fill_header(const Conn &c, Op op, Header &h) const;
	void accept_host();
	void read_line(int fd);
	void host_event(int fd, uint32_t events);
	uint32_t alloc_host_port(uint32_t guest_port);

	MuxConfig cfg_;
	UniqueFd epoll_;
	UniqueFd listener_;
	std::map<Key, std::unique_ptr<Conn>> conns_;
	std::unordered_map<int, Key> by_fd_;
	std::unordered_map<int, std::unique_ptr<Line>> lines_; // host connections still sending CONNECT
	std::deque<Key> ready_;                                // connections with something for the guest
	std::deque<Header> orphans_;                           // RSTs for packets of no connection
	uint32_t next_host_port_ = 1u << 30;
	MuxStats stats_;
};

// The guest's credit for a sender that has sent tx_cnt bytes: buf_alloc - (tx_cnt - fwd_cnt), in
// wrapping u32 arithmetic; 0 when the peer's numbers are inconsistent (more in flight than buf_alloc).
uint32_t peer_credit(uint32_t peer_buf_alloc, uint32_t tx_cnt, uint32_t peer_fwd_cnt);

} // namespace vbridge
