// SPDX-License-Identifier: Apache-2.0
// Private to vsock_mux*.cpp: one bridged connection and one pending host CONNECT line.
#pragma once

#include "vsock_mux.hpp"

namespace vbridge {

struct VsockMux::Conn {
	Key key{};
	UniqueFd fd;
	State state = State::established;
	// Towards the guest: what the guest told us of its receive buffer, and what we sent.
	uint32_t peer_buf_alloc = 0;
	uint32_t peer_fwd_cnt = 0;
	uint32_t tx_cnt = 0;
	// From the guest: bytes received, bytes written to the host socket, fwd_cnt last reported.
	uint32_t rx_cnt = 0;
	uint32_t fwd_cnt = 0;
	uint32_t reported_fwd = 0;
	std::vector<std::byte> to_host; // guest bytes not yet accepted by the host socket
	size_t to_host_off = 0;
	uint32_t guest_shut = 0;   // SHUTDOWN flags the guest sent
	uint32_t epoll_events = 0; // the interest registered now (0: not in the epoll set)
	size_t own_bytes = 0;      // leading bytes of to_host that are ours (the OK line)
	// Towards the guest: host bytes read but not yet sent. One recv of up to kStageSize bytes fills
	// many guest rx buffers (a Linux guest posts 3776-byte ones); allocated on first use.
	std::unique_ptr<std::byte[]> stage;
	size_t stage_len = 0;
	size_t stage_off = 0;
	bool host_readable = false; // the socket may hold input (edge-triggered: until a short read)
	bool host_eof = false;
	bool queued = false;       // in ready_
	bool want_request = false; // host-initiated: REQUEST to the guest not sent yet
	bool want_response = false;
	bool want_credit_update = false;
	bool want_credit_request = false;
	bool credit_requested = false; // sent; not again until the guest's credit changes
	bool want_shutdown = false;
	bool shutdown_sent = false;
	bool want_rst = false;
	bool rst_after_flush = false; // guest closed both ways with bytes still to deliver
	bool shut_wr_after_flush = false;
	std::string ok_line; // host-initiated: "OK <port>\n" for the host once accepted
};

struct VsockMux::Line {
	UniqueFd fd;
	std::string text;
};

} // namespace vbridge
