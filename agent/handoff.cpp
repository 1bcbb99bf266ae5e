// SPDX-License-Identifier: Apache-2.0
#include "handoff.hpp"

#include "fd_passing.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

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
	std::vector<rpc::UniqueFd> fds; // none expected: whatever came closes on return
	int flags = 0;
	const ssize_t n = rpc::recv_with_fds(chan, &iov, 1, 4, fds, MSG_DONTWAIT, &flags);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		// ECONNRESET: the worker died with our hand-off unread.
		return errno == ECONNRESET || errno == EPIPE ? -EPIPE : -EPROTO;
	}
	if (n == 0) {
		// End of stream, or an empty message: only a hang-up means the worker is gone.
		pollfd p{chan, POLLIN, 0};
		return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) ? -EPIPE : -EPROTO;
	}
	if (n != 1 || !fds.empty() || (flags & (MSG_TRUNC | MSG_CTRUNC)))
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
	const int fds[1] = {fd};
	const ssize_t n = rpc::send_with_fds(chan, &iov, 1, fds);
	if (n == static_cast<ssize_t>(sizeof(w)))
		return 0;
	return n >= 0 ? EIO : errno; // a SOCK_SEQPACKET message is all or nothing: EIO cannot happen
}

int receive_handoff(int chan, Handoff &out, std::string &why)
{
	Wire w{};
	iovec iov{&w, sizeof(w)};
	// Room for more fds than one, so that a message carrying several is seen (and refused)
	// rather than cut with MSG_CTRUNC. Every fd received is owned by `fds`: a refused message
	// closes them all.
	std::vector<rpc::UniqueFd> fds;
	int flags = 0;
	const ssize_t n = rpc::recv_with_fds(chan, &iov, 1, 4, fds, 0, &flags);
	if (n == 0 && fds.empty())
		return ENODATA;
	if (n < 0) {
		why = std::string("recvmsg: ") + strerror(errno);
		return errno;
	}
	const bool ok = n == static_cast<ssize_t>(sizeof(w)) && fds.size() == 1 &&
			!(flags & (MSG_CTRUNC | MSG_TRUNC)) && w.name_len <= kHandoffNameMax;
	if (!ok) {
		why = "malformed hand-off message (" + std::to_string(n) + " bytes, " + std::to_string(fds.size()) +
		      " fds)";
		return EPROTO;
	}
	out.fd = std::move(fds[0]);
	out.accepted = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(w.accepted_ns));
	out.listener.assign(w.name, w.name_len);
	return 0;
}

} // namespace vaccel::agent
