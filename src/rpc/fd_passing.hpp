// SPDX-License-Identifier: Apache-2.0
// Passing file descriptors over AF_UNIX sockets (SCM_RIGHTS): one message and the fds attached
// to it. Every fd-passing socket of the project goes through these two functions: rpc::Channel
// (memfd payloads), the agent's hand-off of a connection to its worker (agent/handoff.hpp) and
// the vsock bridge's vhost-user socket. They know nothing of what the bytes mean.
//
// Receiving is where a hostile peer acts, so recv_with_fds() returns every fd that arrived as an
// owned rpc::UniqueFd: a caller that refuses the message (wrong size, wrong fd count) closes
// them all by dropping the vector. Its control buffer has room for `room` fds (at most
// kMaxPassedFds); a message with more arrives with MSG_CTRUNC set in *msg_flags (the kernel
// closes the fds that did not fit), and the caller decides whether that is an error. A caller
// expecting exactly k fds should make room for more than k, so that a message with extra fds is
// seen as such instead of cut. Only SCM_RIGHTS control messages are read.
//
// Threads: stateless; as thread-safe as the socket calls they wrap. Header-only, so that the
// vsock bridge uses it without linking the rpc wire library.
#pragma once

#include "unique_fd.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

namespace vaccel::rpc {

inline constexpr size_t kMaxPassedFds = 64;

// Sends iov[0..n) with `fds` attached to its first byte (none when empty): one sendmsg(), with
// MSG_NOSIGNAL added to `flags`, retried on EINTR. Returns what sendmsg() returns: the bytes
// sent, or -1 with errno (EINVAL for more than kMaxPassedFds fds).
inline ssize_t send_with_fds(int sock, const iovec *iov, size_t n, std::span<const int> fds, int flags = 0)
{
	if (fds.size() > kMaxPassedFds) {
		errno = EINVAL;
		return -1;
	}
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
	msghdr msg{};
	msg.msg_iov = const_cast<iovec *>(iov);
	msg.msg_iovlen = n;
	if (!fds.empty()) {
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
		cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
		memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
	}
	for (int tries = 0;; ++tries) { // bounded: a handled signal interrupts a call rarely
		ssize_t r = ::sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
		if (r >= 0 || errno != EINTR || tries == 16)
			return r;
	}
}

// Receives one message (or, on a stream socket, what is there) into iov[0..n), appending every
// fd that came with it to `fds` (close-on-exec), with room for `room` fds (at most
// kMaxPassedFds). Retried on EINTR. Returns what recvmsg() returns (0: end of stream, -1 with
// errno); *msg_flags (when given) gets the message's flags (MSG_CTRUNC, MSG_TRUNC).
inline ssize_t recv_with_fds(int sock, const iovec *iov, size_t n, size_t room, std::vector<UniqueFd> &fds,
			     int flags = 0, int *msg_flags = nullptr)
{
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
	msghdr msg{};
	msg.msg_iov = const_cast<iovec *>(iov);
	msg.msg_iovlen = n;
	msg.msg_control = control;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * (room < kMaxPassedFds ? room : kMaxPassedFds));
	ssize_t r;
	for (int tries = 0;; ++tries) { // bounded, as above
		r = ::recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
		if (r >= 0 || errno != EINTR || tries == 16)
			break;
	}
	if (msg_flags)
		*msg_flags = r >= 0 ? msg.msg_flags : 0;
	if (r < 0)
		return r;
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; ++i) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			fds.emplace_back(fd);
		}
	}
	return r;
}

} // namespace vaccel::rpc
