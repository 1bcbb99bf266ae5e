// SPDX-License-Identifier: Apache-2.0
// The host-facing half of the state machine: the "<uds>_P" connections the guest asks for, the
// "<uds>" listener for host-initiated connections and their CONNECT lines, and socket readiness.
// Only AF_UNIX sockets exist here.
#include "log.hpp"
#include "vsock_conn.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace vbridge {
namespace {

bool unix_address(const std::string &path, sockaddr_un &sa)
{
	sa = {};
	sa.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path.c_str(), path.size() + 1);
	return true;
}

// Parses "CONNECT <port>" (case-insensitive keyword, as rust-vmm and Firecracker accept).
bool parse_connect(const std::string &line, uint32_t &port)
{
	char word[16] = {};
	unsigned long value = 0;
	char extra = 0;
	if (sscanf(line.c_str(), "%15s %lu %c", word, &value, &extra) != 2 || value > UINT32_MAX)
		return false;
	if (strcasecmp(word, "connect") != 0)
		return false;
	port = static_cast<uint32_t>(value);
	return true;
}

} // namespace

int VsockMux::start(std::string &why)
{
	epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
	if (!epoll_)
		return why = std::string("epoll_create1: ") + strerror(errno), errno;
	if (!cfg_.host_listener || cfg_.uds.empty())
		return 0;
	sockaddr_un sa{};
	if (!unix_address(cfg_.uds, sa))
		return why = "--uds path '" + cfg_.uds + "' is empty or too long for a unix socket", ENAMETOOLONG;
	struct stat st {};
	if (lstat(cfg_.uds.c_str(), &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return why = cfg_.uds + " exists and is not a socket", EEXIST;
		::unlink(cfg_.uds.c_str()); // left by a previous bridge: one VMM per prefix
	}
	listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0 ||
	    ::listen(listener_.get(), 64) != 0)
		return why = "listen on " + cfg_.uds + ": " + strerror(errno), errno;
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.fd = listener_.get();
	epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev);
	return 0;
}

void VsockMux::guest_request(const Header &h)
{
	const Key k{h.dst_port, h.src_port};
	if (conns_.count(k)) {
		// A REQUEST on a live connection: the guest lost track of it. Reset both ends.
		conns_[k]->want_rst = true;
		mark_ready(*conns_[k]);
		return;
	}
	const std::string path = cfg_.uds + "_" + std::to_string(h.dst_port);
	sockaddr_un sa{};
	if (cfg_.uds.empty() || conns_.size() + lines_.size() >= cfg_.max_conns || !unix_address(path, sa)) {
		VB_INFO("guest port %u -> %s: refused (%s)", h.src_port, path.c_str(),
			cfg_.uds.empty() ? "no --uds" : "connection limit or path too long");
		queue_orphan_rst(h);
		return;
	}
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	// A unix connect completes at once or fails at once (EAGAIN: the listener's backlog is full).
	if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0) {
		VB_INFO("guest port %u -> %s: %s: RST", h.src_port, path.c_str(), strerror(errno));
		queue_orphan_rst(h);
		return;
	}
	auto c = std::make_unique<Conn>();
	c->key = k;
	c->fd = std::move(fd);
	c->state = State::established;
	c->peer_buf_alloc = h.buf_alloc;
	c->peer_fwd_cnt = h.fwd_cnt;
	c->tx_cnt = c->rx_cnt = c->fwd_cnt = c->reported_fwd = cfg_.counter_base;
	c->want_response = true;
	Conn &ref = *c;
	by_fd_[ref.fd.get()] = k;
	conns_[k] = std::move(c);
	VB_DEBUG("guest port %u -> %s: connected", h.src_port, path.c_str());
	update_interest(ref);
	mark_ready(ref);
}

// Edge-triggered, so interest in input never changes: a socket whose bytes wait for the guest's
// credit (or a hung-up one) does not wake the loop again, and a reply costs no epoll_ctl. Output
// interest is there only while guest bytes wait for room in the socket.
void VsockMux::update_interest(Conn &c)
{
	uint32_t want = EPOLLIN | EPOLLRDHUP | EPOLLET;
	if (c.to_host_off < c.to_host.size())
		want |= EPOLLOUT;
	if (want == c.epoll_events)
		return;
	epoll_event ev{};
	ev.events = want;
	ev.data.fd = c.fd.get();
	const int op = c.epoll_events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(epoll_.get(), op, c.fd.get(), &ev) != 0)
		VB_WARN("epoll_ctl on host port %u: %s", c.key.host_port, strerror(errno));
	c.epoll_events = want;
}

// Writes what the socket takes now of [p, p + n) and counts it as forwarded; sets want_rst when the
// host side failed.
size_t VsockMux::send_to_host(Conn &c, const std::byte *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		++stats_.host_writes;
		ssize_t r = ::send(c.fd.get(), p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			VB_DEBUG("host side of port %u: %s: reset", c.key.host_port, strerror(errno));
			c.want_rst = true;
			break;
		}
		done += static_cast<size_t>(r);
	}
	// The OK line is ours, not the guest's: it is no forwarded credit.
	const size_t own = std::min(c.own_bytes, done);
	c.own_bytes -= own;
	c.fwd_cnt += static_cast<uint32_t>(done - own);
	stats_.to_host += done - own;
	return done;
}

void VsockMux::flush_to_host(Conn &c)
{
	if (c.to_host_off < c.to_host.size()) {
		c.to_host_off += send_to_host(c, c.to_host.data() + c.to_host_off, c.to_host.size() - c.to_host_off);
		if (c.want_rst)
			return;
	}
	if (c.to_host_off == c.to_host.size()) {
		c.to_host.clear();
		c.to_host_off = 0;
		if (c.rst_after_flush)
			c.want_rst = true;
		else if (c.shut_wr_after_flush) {
			c.shut_wr_after_flush = false;
			::shutdown(c.fd.get(), SHUT_WR);
		}
	} else if (c.to_host_off >= c.to_host.size() / 2) {
		// Keep the buffer from growing while the host reads slowly: drop the sent half.
		c.to_host.erase(c.to_host.begin(), c.to_host.begin() + static_cast<ptrdiff_t>(c.to_host_off));
		c.to_host_off = 0;
	}
	note_forwarded(c);
}

// Tells the guest its new fwd_cnt when enough has been forwarded or its credit runs low; a
// request/response protocol would otherwise stall with the guest waiting for credit (Linux never
// sends CREDIT_REQUEST: a sender out of credit just waits for an update).
// The thresholds are fractions of the window the guest really uses, not of our buf_alloc: a Linux
// guest may cap its credit at its own buf_alloc (the test guest's 6.1.192 does: with --buf-alloc
// 2097152 its in-flight bytes stopped at exactly 256 KiB, below thresholds taken from 2 MiB, and it
// waited until the agent dropped the half-received frame). min(ours, the guest's) covers both kinds.
void VsockMux::note_forwarded(Conn &c)
{
	const uint32_t unreported = c.fwd_cnt - c.reported_fwd;
	if (unreported == 0)
		return;
	const uint32_t window = std::min(cfg_.buf_alloc, c.peer_buf_alloc);
	const uint32_t guest_view = peer_credit(window, c.rx_cnt, c.reported_fwd);
	// Every update costs the guest an interrupt and a worker run under TCG: report each half window,
	// or sooner when its credit runs below a quarter (the host reads slowly and bytes wait here).
	if (unreported >= window / 2 || guest_view < window / 4)
		c.want_credit_update = true;
}

void VsockMux::handle_host_events()
{
	epoll_event events[64];
	int n = epoll_wait(epoll_.get(), events, 64, 0);
	for (int i = 0; i < n; ++i) {
		const int fd = events[i].data.fd;
		if (listener_ && fd == listener_.get())
			accept_host();
		else if (lines_.count(fd))
			read_line(fd);
		else
			host_event(fd, events[i].events);
	}
}

void VsockMux::host_event(int fd, uint32_t events)
{
	auto k = by_fd_.find(fd);
	if (k == by_fd_.end())
		return;
	Conn &c = *conns_.at(k->second);
	// Edge-triggered: remember input even before the guest accepted, the event will not come again.
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c.host_readable = true; // the read says which: data, EOF or an error
	if (c.state == State::awaiting_response) {
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c.want_rst = true; // the host client left: withdraw the request
	} else if (events & EPOLLOUT) {
		flush_to_host(c);
	}
	update_interest(c);
	mark_ready(c);
}

void VsockMux::accept_host()
{
	for (int i = 0; i < 16; ++i) {
		UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
		if (!fd)
			return;
		if (conns_.size() + lines_.size() >= cfg_.max_conns) {
			VB_WARN("host connection refused: %u connections open", cfg_.max_conns);
			continue;
		}
		epoll_event ev{};
		ev.events = EPOLLIN;
		ev.data.fd = fd.get();
		epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev);
		auto line = std::make_unique<Line>();
		line->fd = std::move(fd);
		lines_[line->fd.get()] = std::move(line);
	}
}

// Reads a CONNECT line one byte at a time: whatever follows the newline belongs to the guest.
void VsockMux::read_line(int fd)
{
	Line &l = *lines_.at(fd);
	char ch = 0;
	ssize_t n = 0;
	while ((n = ::recv(fd, &ch, 1, MSG_DONTWAIT)) == 1 && ch != '\n' && l.text.size() < 64)
		l.text.push_back(ch);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	uint32_t port = 0;
	if (n != 1 || ch != '\n' || !parse_connect(l.text, port)) {
		VB_INFO("host connection closed: expected \"CONNECT <port>\\n\"");
		lines_.erase(fd);
		return;
	}
	auto c = std::make_unique<Conn>();
	c->key = {alloc_host_port(port), port};
	c->fd = std::move(l.fd);
	lines_.erase(fd);
	c->state = State::awaiting_response;
	c->tx_cnt = c->rx_cnt = c->fwd_cnt = c->reported_fwd = cfg_.counter_base;
	c->want_request = true;
	c->ok_line = "OK " + std::to_string(c->key.host_port) + "\n";
	c->epoll_events = EPOLLIN; // registered by accept_host()
	Conn &ref = *c;
	by_fd_[fd] = c->key;
	conns_[c->key] = std::move(c);
	VB_DEBUG("host CONNECT %u: host port %u", port, ref.key.host_port);
	update_interest(ref);
	mark_ready(ref);
}

// Host ports for host-initiated connections start at 2^30, as in Firecracker's example.
uint32_t VsockMux::alloc_host_port(uint32_t guest_port)
{
	for (;;) {
		uint32_t p = next_host_port_++;
		if (next_host_port_ == UINT32_MAX)
			next_host_port_ = 1u << 30;
		if (!conns_.count({p, guest_port}))
			return p;
	}
}

} // namespace vbridge
