// SPDX-License-Identifier: Apache-2.0
// The hand-off of an accepted connection from the supervisor to a pre-forked worker
// (agent/supervisor.hpp, --prefork). Each pre-forked worker owns one end of a unix socketpair;
// the supervisor owns the other and sends on it exactly one message: the connection's fd
// (SCM_RIGHTS), when it was accepted (the HELLO deadline counts from then) and the listener
// it came in on (for logs). The worker is already in its sandbox when it reads that message,
// so no client byte is ever read outside it.
//
// Trust: only the supervisor holds the sending end (every worker closes the ends of the other
// workers' channels right after fork); the worker still checks the message's shape and takes
// no more than one fd from it.
//
// Threads: send_handoff() runs on the supervisor's accept thread; receive_handoff() on the
// worker's only thread, before it starts any other.
#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <string>

namespace vaccel::agent {

struct Handoff {
	rpc::UniqueFd fd;                               // the client's connection
	std::chrono::steady_clock::time_point accepted; // when the supervisor accepted it
	std::string listener;                           // the listener address it came in on
};

// The longest listener name the message carries (a longer one is cut: it only names a log line).
inline constexpr size_t kHandoffNameMax = 240;

// Sends `fd` with its accept time and listener on `chan` (never raising SIGPIPE). Returns 0, or
// an errno: EPIPE/ECONNRESET when the worker is gone.
int send_handoff(int chan, int fd, std::chrono::steady_clock::time_point accepted, const std::string &listener);

// Waits for the one hand-off on `chan`. Returns 0 with `out` filled; ENODATA when the supervisor
// closed the channel without one (shutdown: the worker exits quietly); another errno with why
// for a malformed message.
int receive_handoff(int chan, Handoff &out, std::string &why);

} // namespace vaccel::agent
