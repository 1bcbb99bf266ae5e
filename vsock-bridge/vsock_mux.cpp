// SPDX-License-Identifier: Apache-2.0
// The guest-facing half of the state machine: packets from the guest, packets for the guest.
// The host-facing half (sockets, CONNECT lines) is in vsock_host.cpp.
#include "log.hpp"
#include "vsock_conn.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vbridge {

uint32_t peer_credit(uint32_t peer_buf_alloc, uint32_t tx_cnt, uint32_t peer_fwd_cnt)
{
	const uint32_t in_flight = tx_cnt - peer_fwd_cnt; // wraps like the counters
	return in_flight > peer_buf_alloc ? 0 : peer_buf_alloc - in_flight;
}

VsockMux::VsockMux(MuxConfig cfg) : cfg_(std::move(cfg)) {}
VsockMux::~VsockMux() = default;

uint32_t VsockMux::guest_credit(const Conn &c) const
{
	return peer_credit(c.peer_buf_alloc, c.tx_cnt, c.peer_fwd_cnt);
}

void VsockMux::on_guest_packet(const Header &h, std::span<const std::byte> payload)
{
	if (h.src_cid != cfg_.guest_cid) {
		// Another CID cannot be on this device: a confused or hostile guest. Nothing to answer.
		++stats_.dropped;
		VB_DEBUG("dropped %s from CID %llu (guest is %llu)", op_name(h.op), (unsigned long long)h.src_cid,
			 (unsigned long long)cfg_.guest_cid);
		return;
	}
	if (h.op == Op::rst && (h.dst_cid != kHostCid || !conns_.count({h.dst_port, h.src_port})))
		return; // never answer an RST
	if (h.dst_cid != kHostCid || h.type != kTypeStream || h.src_port == UINT32_MAX) {
		queue_orphan_rst(h); // sibling VMs and SEQPACKET are not offered: fail the guest fast
		return;
	}
	if (h.op == Op::request) {
		guest_request(h);
		return;
	}
	auto it = conns_.find({h.dst_port, h.src_port});
	if (it == conns_.end()) {
		queue_orphan_rst(h);
		return;
	}
	Conn &c = *it->second;
	// Every packet carries the guest's receive state: more credit may let host bytes flow again.
	const uint32_t before = guest_credit(c);
	c.peer_buf_alloc = h.buf_alloc;
	c.peer_fwd_cnt = h.fwd_cnt;
	if (guest_credit(c) != before)
		c.credit_requested = false;
	switch (h.op) {
	case Op::response:
		if (c.state != State::awaiting_response) {
			c.want_rst = true;
			break;
		}
		c.state = State::established;
		c.to_host.assign(reinterpret_cast<const std::byte *>(c.ok_line.data()),
				 reinterpret_cast<const std::byte *>(c.ok_line.data() + c.ok_line.size()));
		c.to_host_off = 0;
		c.own_bytes = c.ok_line.size();
		flush_to_host(c);
		break;
	case Op::rst:
		close_conn(c.key);
		return;
	case Op::rw:
		if (c.state != State::established || (c.guest_shut & kShutdownSend)) {
			c.want_rst = true;
			break;
		}
		guest_rw(c, payload);
		break;
	case Op::credit_request:
		c.want_credit_update = true;
		break;
	case Op::credit_update:
		++stats_.credit_updates_received;
		break;
	case Op::shutdown:
		guest_shutdown(c, h.flags);
		break;
	default:
		++stats_.dropped;
		c.want_rst = true;
		break;
	}
	if (conns_.count(c.key)) {
		update_interest(c);
		mark_ready(c);
	}
}

void VsockMux::guest_rw(Conn &c, std::span<const std::byte> payload)
{
	const size_t buffered = c.to_host.size() - c.to_host_off - c.own_bytes;
	if (buffered + payload.size() > cfg_.buf_alloc) {
		VB_WARN("guest port %u exceeded its credit (%zu buffered + %zu > %u): reset", c.key.guest_port,
			buffered, payload.size(), cfg_.buf_alloc);
		c.want_rst = true;
		return;
	}
	c.rx_cnt += static_cast<uint32_t>(payload.size());
	if (c.to_host_off == c.to_host.size()) {
		// Nothing queued before these bytes: write them straight from the packet and keep only
		// what the socket did not take.
		c.to_host.clear();
		c.to_host_off = 0;
		payload = payload.subspan(send_to_host(c, payload.data(), payload.size()));
		if (c.want_rst)
			return;
	}
	c.to_host.insert(c.to_host.end(), payload.begin(), payload.end());
	flush_to_host(c);
}

void VsockMux::guest_shutdown(Conn &c, uint32_t flags)
{
	c.guest_shut |= flags & (kShutdownRcv | kShutdownSend);
	if ((c.guest_shut & (kShutdownRcv | kShutdownSend)) == (kShutdownRcv | kShutdownSend)) {
		// The guest closed: deliver what it sent, then complete its close with an RST.
		if (c.to_host_off == c.to_host.size())
			c.want_rst = true;
		else
			c.rst_after_flush = true;
		return;
	}
	if (c.guest_shut & kShutdownSend) {
		if (c.to_host_off == c.to_host.size())
			::shutdown(c.fd.get(), SHUT_WR);
		else
			c.shut_wr_after_flush = true;
	}
}

void VsockMux::queue_orphan_rst(const Header &h)
{
	// Bounded: a guest spraying bad packets cannot grow memory; it just gets fewer answers.
	if (orphans_.size() >= 1024) {
		++stats_.dropped;
		return;
	}
	Header r;
	r.src_cid = h.dst_cid;
	r.dst_cid = h.src_cid;
	r.src_port = h.dst_port;
	r.dst_port = h.src_port;
	r.type = h.type;
	r.op = Op::rst;
	orphans_.push_back(r);
}

void VsockMux::mark_ready(Conn &c)
{
	const bool has_work = c.want_rst || c.want_request || c.want_response || c.want_credit_update ||
			      c.want_shutdown || c.want_credit_request ||
			      ((c.host_readable || staged(c)) && c.state == State::established);
	if (has_work && !c.queued) {
		c.queued = true;
		ready_.push_back(c.key);
	}
}

void VsockMux::fill_header(const Conn &c, Op op, Header &h) const
{
	h = Header{};
	h.src_cid = kHostCid;
	h.dst_cid = cfg_.guest_cid;
	h.src_port = c.key.host_port;
	h.dst_port = c.key.guest_port;
	h.type = kTypeStream;
	h.op = op;
	h.buf_alloc = cfg_.buf_alloc;
	h.fwd_cnt = c.fwd_cnt;
}

size_t VsockMux::next_rx(std::span<std::byte> out)
{
	if (out.size() <= kHeaderSize)
		return 0;
	if (!orphans_.empty()) {
		encode(orphans_.front(), out);
		orphans_.pop_front();
		++stats_.rst_sent;
		return kHeaderSize;
	}
	// Round robin: one packet per connection per turn, so one busy stream cannot starve others.
	for (size_t turns = ready_.size(); turns > 0; --turns) {
		Key k = ready_.front();
		ready_.pop_front();
		auto it = conns_.find(k);
		if (it == conns_.end())
			continue;
		Conn &c = *it->second;
		c.queued = false;
		bool keep = true;
		size_t n = emit(c, out, keep);
		if (!keep) {
			close_conn(k);
		} else {
			update_interest(c);
			mark_ready(c);
		}
		if (n)
			return n;
	}
	return 0;
}

// One packet of connection `c`, by priority; `keep` = false when the connection is finished.
size_t VsockMux::emit(Conn &c, std::span<std::byte> out, bool &keep)
{
	Header h;
	auto control = [&](Op op, uint32_t flags = 0) {
		fill_header(c, op, h);
		h.flags = flags;
		encode(h, out);
		c.reported_fwd = c.fwd_cnt;
		return kHeaderSize;
	};
	if (c.want_rst) {
		keep = false;
		++stats_.rst_sent;
		return control(Op::rst);
	}
	if (c.want_request) {
		c.want_request = false;
		return control(Op::request);
	}
	if (c.want_response) {
		c.want_response = false;
		return control(Op::response);
	}
	if (c.want_credit_update) {
		c.want_credit_update = false;
		++stats_.credit_updates_sent;
		return control(Op::credit_update);
	}
	if (size_t n = emit_data(c, out, keep); n || !keep)
		return n;
	if (c.want_credit_request) {
		c.want_credit_request = false;
		c.credit_requested = true;
		++stats_.credit_requests_sent;
		return control(Op::credit_request);
	}
	if (c.want_shutdown) {
		c.want_shutdown = false;
		c.shutdown_sent = true;
		return control(Op::shutdown, kShutdownRcv | kShutdownSend);
	}
	return 0;
}

bool VsockMux::staged(const Conn &c)
{
	return c.stage_off < c.stage_len;
}

// Reads the next chunk of host bytes into the connection's stage; false when there is none now (the
// socket is drained, at EOF, or failed: the flags say which).
bool VsockMux::refill_stage(Conn &c)
{
	if (!c.stage)
		c.stage = std::make_unique_for_overwrite<std::byte[]>(kStageSize);
	c.stage_off = c.stage_len = 0;
	++stats_.host_reads;
	ssize_t n = ::recv(c.fd.get(), c.stage.get(), kStageSize, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		c.host_readable = false; // epoll is edge-triggered: new bytes bring a new event
		return false;
	}
	if (n < 0) {
		VB_DEBUG("host side of port %u: %s: reset", c.key.host_port, strerror(errno));
		c.host_readable = false;
		c.want_rst = true;
		return false;
	}
	if (n == 0) {
		c.host_readable = false;
		c.host_eof = true;
		if (!c.shutdown_sent)
			c.want_shutdown = true;
		return false;
	}
	// A short read of a stream socket means it was drained: no need to see EAGAIN.
	if (static_cast<size_t>(n) < kStageSize)
		c.host_readable = false;
	c.stage_len = static_cast<size_t>(n);
	return true;
}

// Host bytes for the guest: never more than the guest's credit or the buffer offered.
size_t VsockMux::emit_data(Conn &c, std::span<std::byte> out, bool &keep)
{
	if (c.state != State::established || (!c.host_readable && !staged(c)))
		return 0;
	if (c.guest_shut & kShutdownRcv) {
		c.host_readable = false; // the guest takes no more: leave the bytes in the socket
		c.stage_off = c.stage_len = 0;
		return 0;
	}
	const uint32_t credit = guest_credit(c);
	if (credit == 0) {
		if (!c.credit_requested)
			c.want_credit_request = true;
		return 0;
	}
	if (!staged(c) && !refill_stage(c))
		return c.want_rst ? emit(c, out, keep) : 0;
	const size_t n = std::min({out.size() - kHeaderSize, static_cast<size_t>(credit), c.stage_len - c.stage_off});
	memcpy(out.data() + kHeaderSize, c.stage.get() + c.stage_off, n);
	c.stage_off += n;
	Header h;
	fill_header(c, Op::rw, h);
	h.len = static_cast<uint32_t>(n);
	encode(h, out);
	c.reported_fwd = c.fwd_cnt;
	c.tx_cnt += static_cast<uint32_t>(n);
	stats_.to_guest += static_cast<uint64_t>(n);
	return kHeaderSize + n;
}

void VsockMux::reset_all()
{
	for (auto &[k, c] : conns_)
		by_fd_.erase(c->fd.get());
	conns_.clear(); // closes the host sockets: their peers see EOF
	lines_.clear();
	ready_.clear();
	orphans_.clear();
}

void VsockMux::close_conn(const Key &k)
{
	auto it = conns_.find(k);
	if (it == conns_.end())
		return;
	by_fd_.erase(it->second->fd.get());
	conns_.erase(it); // epoll forgets a closed fd by itself
}

} // namespace vbridge
