// SPDX-License-Identifier: Apache-2.0
#include "handoff.hpp"

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

} // namespace

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
