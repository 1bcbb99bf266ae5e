// SPDX-License-Identifier: Apache-2.0
#include "handoff.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace vaccel::agent {

namespace {

// The message body; the fd rides in the control data.
struct Wire {
	int64_t accepted_ns; // steady_clock (CLOCK_MONOTONIC, the same in every process of the host)
	uint32_t name_len;
	char name[kHandoffNameMax];
};

// One message of the worker's, read without blocking: its byte (0..255); -EAGAIN when none is
// queued; -EPIPE when the channel is closed (the worker's process is gone); -EPROTO for a
// message of another shape (any fds it carried are closed).
int read_worker_byte(int chan)
{
	unsigned char buf[8];
	iovec iov{buf, sizeof(buf)};
	alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))] = {};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	ssize_t n;
	do
		n = ::recvmsg(chan, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		// ECONNRESET: the worker died with our hand-off unread.
		return errno == ECONNRESET || errno == EPIPE ? -EPIPE : -EPROTO;
	}
	int nfds = 0;
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0, k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i < k; ++i, ++nfds) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			::close(fd);
		}
	}
	if (n == 0) {
		// End of stream, or an empty message: only a hang-up means the worker is gone.
		pollfd p{chan, POLLIN, 0};
		return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) ? -EPIPE : -EPROTO;
	}
	if (n != 1 || nfds != 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EPROTO;
	return buf[0];
}

// Waits for the worker's next message until `deadline`; false when the deadline passed.
bool wait_message(int chan, rpc::Deadline deadline)
{
	const int ms = rpc::clamp_timeout(rpc::kNoTimeout, deadline);
	if (ms == 0)
		return false;
	pollfd p{chan, POLLIN, 0};
	::poll(&p, 1, ms); // EINTR: the caller looks again
	return true;
}

constexpr int kMaxRounds = 64; // messages or wake-ups per wait; a worker sends two messages

} // namespace

int send_handoff_byte(int chan, char what)
{
	for (int tries = 0; tries < 8; ++tries) { // bounded: EINTR only
		ssize_t n = ::send(chan, &what, 1, MSG_NOSIGNAL);
		if (n == 1)
			return 0;
		if (n >= 0)
			return EIO;
		if (errno != EINTR)
			return errno;
	}
	return EINTR;
}

ChannelState peek_handoff_channel(int chan)
{
	switch (read_worker_byte(chan)) {
	case -EAGAIN:
		return ChannelState::quiet;
	case kHandoffReady:
		return ChannelState::ready;
	case -EPIPE:
		return ChannelState::closed;
	default:
		return ChannelState::broken;
	}
}

int await_taken(int chan, rpc::Deadline deadline)
{
	for (int round = 0; round < kMaxRounds; ++round) {
		const int r = read_worker_byte(chan);
		if (r == kHandoffTaken)
			return 0;
		if (r == kHandoffReady)
			continue; // sent before it saw the hand-off
		if (r == -EPIPE)
			return EPIPE;
		if (r != -EAGAIN)
			return EPROTO;
		if (!wait_message(chan, deadline))
			return ETIMEDOUT;
	}
	return ETIMEDOUT;
}

int drain_after_kill(int chan, rpc::Deadline deadline)
{
	bool taken = false;
	for (int round = 0; round < kMaxRounds; ++round) {
		const int r = read_worker_byte(chan);
		if (r == kHandoffTaken)
			taken = true;
		else if (r == -EPIPE)
			return taken ? EALREADY : 0;
		else if (r == -EAGAIN && !wait_message(chan, deadline))
			break;
	}
	return taken ? EALREADY : ETIMEDOUT;
}

int send_handoff(int chan, int fd, std::chrono::steady_clock::time_point accepted, const std::string &listener)
{
	Wire w{};
	w.accepted_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(accepted.time_since_epoch()).count();
	w.name_len = static_cast<uint32_t>(std::min(listener.size(), kHandoffNameMax));
	memcpy(w.name, listener.data(), w.name_len);
	iovec iov{&w, sizeof(w)};
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (int tries = 0; tries < 8; ++tries) { // bounded: EINTR only
		ssize_t n = ::sendmsg(chan, &msg, MSG_NOSIGNAL);
		if (n == static_cast<ssize_t>(sizeof(w)))
			return 0;
		if (n >= 0)
			return EIO; // a SOCK_SEQPACKET message is all or nothing: cannot happen
		if (errno != EINTR)
			return errno;
	}
	return EINTR;
}

int receive_handoff(int chan, Handoff &out, std::string &why)
{
	Wire w{};
	iovec iov{&w, sizeof(w)};
	// Room for more fds than one, so that a message carrying several is seen (and refused)
	// rather than cut with MSG_CTRUNC and the extra fds lost.
	alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))] = {};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	ssize_t n;
	do
		n = ::recvmsg(chan, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR); // a handled signal only; a fatal one ends the process
	if (n == 0)
		return ENODATA;
	if (n < 0) {
		why = std::string("recvmsg: ") + strerror(errno);
		return errno;
	}
	int fds[4], nfds = 0;
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && nfds < 4; ++i)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	const bool ok = n == static_cast<ssize_t>(sizeof(w)) && nfds == 1 && !(msg.msg_flags & MSG_CTRUNC) &&
			w.name_len <= kHandoffNameMax;
	if (!ok) {
		for (int i = 0; i < nfds; ++i)
			::close(fds[i]);
		why = "malformed hand-off message (" + std::to_string(n) + " bytes, " + std::to_string(nfds) + " fds)";
		return EPROTO;
	}
	out.fd = rpc::UniqueFd(fds[0]);
	out.accepted = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(w.accepted_ns));
	out.listener.assign(w.name, w.name_len);
	return 0;
}

} // namespace vaccel::agent
