// SPDX-License-Identifier: Apache-2.0
#include "channel.hpp"

#include "fd_passing.hpp"
#include "log.hpp"
#include "transport.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cerrno>
#include <climits>
#include <cstring>

namespace vaccel::rpc {
namespace {
constexpr size_t kReadBuffer = 64 * 1024;
// Reads at least this large bypass the buffer and land in the destination directly.
constexpr size_t kDirectRead = 16 * 1024;
static_assert(kMaxPendingFds <= kMaxPassedFds && kMaxMessageFds <= kMaxPassedFds);
} // namespace

Deadline deadline_after(Deadline from, int64_t ms)
{
	if (ms < 0 || from == kNoDeadline)
		return kNoDeadline;
	auto room = std::chrono::duration_cast<std::chrono::milliseconds>(kNoDeadline - from).count();
	return ms >= room ? kNoDeadline : from + std::chrono::milliseconds(ms);
}

int clamp_timeout(int timeout_ms, Deadline deadline)
{
	if (deadline == kNoDeadline)
		return timeout_ms;
	auto now = std::chrono::steady_clock::now();
	if (deadline <= now)
		return 0;
	// Rounded up, so that a wait does not end a little before the deadline and spin.
	auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
	left = std::min<int64_t>(left, INT_MAX);
	return (timeout_ms < 0 || left < timeout_ms) ? static_cast<int>(left) : timeout_ms;
}

Channel::Channel(UniqueFd fd) : fd_(std::move(fd)), rbuf_(new std::byte[kReadBuffer])
{
	set_nonblocking(fd_.get());
	is_socket_ = fd_is_socket(fd_.get());
	is_unix_ = is_socket_ && fd_is_unix_socket(fd_.get());
}

void Channel::shutdown()
{
	if (is_socket_)
		::shutdown(fd_.get(), SHUT_RDWR);
}

int Channel::wait(short events, int timeout_ms)
{
	pollfd p{fd_.get(), events, 0};
	for (;;) {
		int n = ::poll(&p, 1, timeout_ms);
		if (n > 0)
			return 0; // readiness, HUP or ERR: the next syscall reports which
		if (n == 0)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
}

int Channel::write_all(const iovec *iov_in, size_t n, std::span<const int> fds, int timeout_ms)
{
	if (n > IOV_MAX || fds.size() > kMaxMessageFds || (!fds.empty() && !is_unix_))
		return EINVAL;
	iovec iov[IOV_MAX];
	std::copy(iov_in, iov_in + n, iov);
	size_t first = 0;
	while (first < n && iov[first].iov_len == 0)
		++first;
	bool fd_sent = fds.empty();
	bool stalled = false;
	std::chrono::steady_clock::time_point stall_deadline{};
	auto writable_now = [this] {
		pollfd p{fd_.get(), POLLOUT, 0};
		return ::poll(&p, 1, 0) > 0 && (p.revents & POLLOUT);
	};
	while (first < n || !fd_sent) {
		ssize_t w;
		if (is_socket_) {
			w = send_with_fds(fd_.get(), iov + first, n - first, fd_sent ? std::span<const int>() : fds);
		} else {
			w = ::writev(fd_.get(), iov + first, static_cast<int>(n - first));
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				// A virtio-serial port whose host side is not connected polls as POLLHUP at once
				// while write() keeps returning EAGAIN: bound the gap itself, not each poll.
				auto now = std::chrono::steady_clock::now();
				if (!stalled) {
					stall_deadline = now + std::chrono::milliseconds(timeout_ms);
					stalled = true;
				}
				if (timeout_ms >= 0 && now >= stall_deadline)
					return ETIMEDOUT;
				if (int r = wait(POLLOUT, timeout_ms))
					return r;
				if (!writable_now())
					std::this_thread::sleep_for(std::chrono::milliseconds(10));
				continue;
			}
			return errno == EPIPE ? ECONNRESET : errno;
		}
		fd_sent = true;
		stalled = false;
		auto left = static_cast<size_t>(w);
		while (first < n && left >= iov[first].iov_len) {
			left -= iov[first].iov_len;
			++first;
		}
		if (first < n) {
			iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + left;
			iov[first].iov_len -= left;
		}
	}
	return 0;
}

ssize_t Channel::read_some(void *dst, size_t n)
{
	if (!is_unix_)
		return ::read(fd_.get(), dst, n);
	iovec iov{dst, n};
	std::vector<UniqueFd> got;
	int msg_flags = 0;
	ssize_t r = recv_with_fds(fd_.get(), &iov, 1, kMaxPendingFds, got, 0, &msg_flags);
	if (r < 0)
		return r;
	// A peer flooding us with fds gets them closed (dropped with `got`), not queued.
	for (auto &fd : got)
		if (fds_.size() < kMaxPendingFds)
			fds_.push_back(std::move(fd));
	if (msg_flags & MSG_CTRUNC)
		RPC_WARN("peer attached more fds than allowed; extra fds dropped");
	return r;
}

// Reads at least one byte (at most n) into dst, waiting up to timeout_ms for it; *got = bytes.
int Channel::read_available(void *dst, size_t n, int timeout_ms, size_t &got)
{
	for (;;) {
		ssize_t r = read_some(dst, n);
		if (r > 0) {
			got = static_cast<size_t>(r);
			return 0;
		}
		if (r == 0)
			return ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		if (int w = wait(POLLIN, timeout_ms))
			return w;
	}
}

int Channel::read_exact(void *dst_v, size_t n, int first_timeout_ms, int gap_timeout_ms, Deadline deadline)
{
	auto *dst = static_cast<std::byte *>(dst_v);
	bool got_any = false;
	while (n > 0) {
		int timeout = clamp_timeout(got_any ? gap_timeout_ms : first_timeout_ms, deadline);
		if (rpos_ < rlen_) {
			size_t k = std::min(n, rlen_ - rpos_);
			memcpy(dst, rbuf_.get() + rpos_, k);
			rpos_ += k;
			dst += k;
			n -= k;
			got_any = true;
			continue;
		}
		size_t got = 0;
		if (n >= kDirectRead) {
			if (int r = read_available(dst, n, timeout, got))
				return r;
			dst += got;
			n -= got;
			got_any = true;
			continue;
		}
		if (int r = read_available(rbuf_.get(), kReadBuffer, timeout, got))
			return r;
		rpos_ = 0;
		rlen_ = got;
	}
	return 0;
}

UniqueFd Channel::take_fd()
{
	if (fds_.empty())
		return {};
	UniqueFd fd = std::move(fds_.front());
	fds_.pop_front();
	return fd;
}

} // namespace vaccel::rpc
