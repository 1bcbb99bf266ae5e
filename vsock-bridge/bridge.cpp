// SPDX-License-Identifier: Apache-2.0
#include "bridge.hpp"

#include "log.hpp"
#include "packet_io.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vbridge {
namespace {

enum Tag : uint64_t { kControl = 1, kKickRx, kKickTx, kHost, kStop, kListen };
constexpr int kChainsPerPass = 512; // bounds one pass, so tx, rx and the host take turns

} // namespace

Bridge::Bridge(BridgeConfig cfg) : cfg_(std::move(cfg)), mux_(cfg_.mux), buf_(kHeaderSize + cfg_.max_packet) {}

Bridge::~Bridge()
{
	if (listening_)
		::unlink(cfg_.socket_path.c_str());
}

int Bridge::listen(std::string &why)
{
	if (int r = mux_.start(why))
		return r;
	epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
	const std::string tmp = cfg_.socket_path + ".tmp" + std::to_string(getpid());
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	if (tmp.size() >= sizeof(sa.sun_path))
		return why = "--socket path '" + cfg_.socket_path + "' is too long for a unix socket", ENAMETOOLONG;
	memcpy(sa.sun_path, tmp.c_str(), tmp.size() + 1);
	::unlink(tmp.c_str());
	listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0 ||
	    ::listen(listener_.get(), 1) != 0 || ::rename(tmp.c_str(), cfg_.socket_path.c_str()) != 0) {
		int e = errno;
		::unlink(tmp.c_str());
		return why = "listen on " + cfg_.socket_path + ": " + strerror(e), e;
	}
	listening_ = true;
	return 0;
}

void Bridge::watch(int fd, uint64_t tag, int &current)
{
	if (current == fd)
		return;
	if (current >= 0)
		epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, current, nullptr);
	current = -1;
	if (fd < 0)
		return;
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0)
		current = fd;
}

void Bridge::ring_changed(unsigned index)
{
	Virtqueue &q = dev_->ring(index);
	watch(q.kick.get(), index == VhostUserDevice::kRx ? kKickRx : kKickTx, watched_kick_[index]);
	// A ring that just started may already hold buffers the guest will not kick for again.
	(index == VhostUserDevice::kRx ? more_rx_ : more_tx_) = q.ready();
}

void Bridge::ring_stopped(unsigned index)
{
	watch(-1, 0, watched_kick_[index]);
	if (mux_.connection_count())
		VB_INFO("ring %u stopped: dropping %zu connections", index, mux_.connection_count());
	mux_.reset_all(); // the guest's driver is gone or resetting: it forgot every connection
}

int Bridge::serve(int stop_fd, std::string &why)
{
	auto add = [&](int fd, uint64_t tag) {
		epoll_event ev{};
		ev.events = EPOLLIN;
		ev.data.u64 = tag;
		epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
	};
	if (stop_fd >= 0)
		add(stop_fd, kStop);
	add(listener_.get(), kListen);
	add(mux_.poll_fd(), kHost);
	for (;;) {
		epoll_event events[16];
		const int timeout = more_tx_ || more_rx_ ? 0 : -1;
		int n = epoll_wait(epoll_.get(), events, 16, timeout);
		++dstats_.wakeups;
		if (n < 0 && errno != EINTR)
			return why = std::string("epoll_wait: ") + strerror(errno), errno;
		for (int i = 0; i < std::max(n, 0); ++i) {
			switch (events[i].data.u64) {
			case kStop:
				VB_INFO("stop requested");
				return 0;
			case kListen: {
				UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
				if (!conn || dev_)
					break;
				timeval tv{5, 0}; // a message's payload follows its header at once
				setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
				dev_ = std::make_unique<VhostUserDevice>(std::move(conn), cfg_.mux.guest_cid, *this);
				add(dev_->fd(), kControl);
				// One VMM per bridge: nobody else may connect, and the name is free again.
				epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
				listener_.reset();
				::unlink(cfg_.socket_path.c_str());
				listening_ = false;
				VB_INFO("front-end connected");
				break;
			}
			case kControl: {
				std::string err;
				int r = dev_->handle_one(err);
				if (r == ECONNRESET) {
					VB_INFO("front-end disconnected");
					return 0;
				}
				if (r)
					return why = "vhost-user: " + err, r;
				break;
			}
			case kKickTx:
				dstats_.kicks[VhostUserDevice::kTx] += dev_->ring(VhostUserDevice::kTx).drain_kick();
				more_tx_ = true;
				break;
			case kKickRx:
				dstats_.kicks[VhostUserDevice::kRx] += dev_->ring(VhostUserDevice::kRx).drain_kick();
				more_rx_ = true;
				break;
			case kHost:
				mux_.handle_host_events();
				more_rx_ = true;
				break;
			}
		}
		if (dev_ && more_tx_)
			process_tx();
		if (dev_ && (more_rx_ || mux_.rx_pending()))
			process_rx();
	}
}

void Bridge::process_tx()
{
	Virtqueue &q = dev_->ring(VhostUserDevice::kTx);
	more_tx_ = false;
	// The guest need not kick for packets it adds while this pass drains the ring anyway.
	q.suppress_kicks(true);
	int done = 0;
	bool urgent = false;
	for (; done < kChainsPerPass; ++done) {
		Chain c;
		std::string why;
		Virtqueue::Pop r = q.pop(dev_->memory(), c, why);
		if (r == Virtqueue::Pop::broken) {
			VB_ERROR("tx ring: %s; ring stopped until the VMM resets it", why.c_str());
			break;
		}
		if (r == Virtqueue::Pop::empty)
			break;
		if (c.bad) {
			VB_WARN("tx chain %u dropped: %s", c.head, c.why.c_str());
			urgent = true; // its length is unknown: do not let it count towards a later interrupt
		} else {
			handle_tx_chain(c);
		}
		tx_unsignalled_ += static_cast<uint32_t>(c.segs.size());
		q.push(c.head, 0);
	}
	q.suppress_kicks(false);
	more_tx_ = done == kChainsPerPass || q.has_avail(); // published after the last pop: no kick came
	dstats_.chains[VhostUserDevice::kTx] += static_cast<uint64_t>(done);
	// Completed tx buffers only give the guest its memory back, and every interrupt costs it an
	// interrupt and a worker run (tens of microseconds under TCG, per packet). So interrupt once half
	// the ring's descriptors wait to be reclaimed: a driver that runs out of descriptors has at least
	// num - (longest chain) of them completed here, which crosses that mark, so it is never stranded.
	if (urgent || tx_unsignalled_ >= std::max<uint32_t>(q.num / 2, 1)) {
		tx_unsignalled_ = 0;
		if (q.notify())
			++dstats_.calls[VhostUserDevice::kTx];
	}
}

void Bridge::handle_tx_chain(const Chain &c)
{
	Header h;
	std::span<const std::byte> payload;
	std::string why;
	if (!read_tx_packet(c, buf_, cfg_.max_packet, h, payload, why)) {
		VB_WARN("tx chain %u dropped: %s", c.head, why.c_str());
		return;
	}
	mux_.on_guest_packet(h, payload);
}

void Bridge::process_rx()
{
	Virtqueue &q = dev_->ring(VhostUserDevice::kRx);
	more_rx_ = false;
	int done = 0;
	for (; done < kChainsPerPass && mux_.rx_pending(); ++done) {
		Chain c;
		std::string why;
		Virtqueue::Pop r = q.pop(dev_->memory(), c, why);
		if (r == Virtqueue::Pop::broken) {
			VB_ERROR("rx ring: %s; ring stopped until the VMM resets it", why.c_str());
			break;
		}
		if (r == Virtqueue::Pop::empty)
			break;
		if (c.bad || c.readable || c.writable <= kHeaderSize) {
			VB_WARN("rx chain %u dropped: %s", c.head,
				c.bad ? c.why.c_str() : "not a writable buffer for a packet");
			q.push(c.head, 0);
			continue;
		}
		const size_t cap = std::min<uint64_t>(c.writable, buf_.size());
		const size_t n = mux_.next_rx(std::span<std::byte>(buf_.data(), cap));
		if (n == 0) {
			q.unpop();
			break;
		}
		scatter(c, buf_.data(), n);
		q.push(c.head, static_cast<uint32_t>(n));
	}
	more_rx_ = done == kChainsPerPass;
	dstats_.chains[VhostUserDevice::kRx] += static_cast<uint64_t>(done);
	if (done && q.notify())
		++dstats_.calls[VhostUserDevice::kRx];
}

} // namespace vbridge
