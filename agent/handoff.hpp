// SPDX-License-Identifier: Apache-2.0
// The hand-off of an accepted connection from the supervisor to a pre-forked worker
// (agent/supervisor.hpp, --prefork). Each pre-forked worker owns one end of a unix socketpair;
// the supervisor owns the other and sends on it exactly one message: the connection's fd
// (SCM_RIGHTS), when it was accepted (the HELLO deadline counts from then) and the listener
// it came in on (for logs). The worker is already in its sandbox when it reads that message,
// so no client byte is ever read outside it.
//
// The hand-off is a small exchange, so that no connection is lost to a worker that dies at
// that instant (a crash, the OOM killer, an operator's kill): the worker sends kHandoffReady
// once it is in its sandbox and waiting, and kHandoffTaken right after it received its
// connection and before it reads a byte of it. The supervisor keeps its own copy of the
// connection's fd until it sees kHandoffTaken; a worker that dies (or is killed at a deadline)
// without having sent it provably read nothing from the client, so the supervisor hands the
// same connection to another worker. One that sent it owns the connection, even if it dies
// the next instant.
//
// Trust: only the supervisor holds the sending end (every worker closes the ends of the other
// workers' channels right after fork); the worker still checks the message's shape and takes
// no more than one fd from it. The supervisor reads a worker's channel only until the worker
// took its connection (before it ran any tenant's request), then closes it.
//
// Threads: send_handoff(), peek_handoff_channel(), await_taken() and drain_after_kill() run on
// the supervisor's accept thread; receive_handoff() and send_handoff_byte() on the worker's only
// thread, before it starts any other.
#pragma once

#include "channel.hpp"
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

// The worker's one-byte messages to the supervisor.
inline constexpr char kHandoffReady = 'R'; // in its sandbox, waiting for its connection
inline constexpr char kHandoffTaken = 'T'; // received its connection, has read none of it yet

// The worker's process name (comm, as ps shows it) while it waits, and from the moment it
// holds its connection: an operator (or a test) may kill a stopped "vaccel-idle" worker
// without harming a tenant.
inline constexpr const char *kIdleName = "vaccel-idle";
inline constexpr const char *kServingName = "vaccel-worker";

// Worker side: sends `what` (never raising SIGPIPE). Returns 0 or an errno (EPIPE: the
// supervisor closed the channel).
int send_handoff_byte(int chan, char what);

// What a non-blocking look at a waiting worker's channel finds.
enum class ChannelState {
	quiet,  // nothing new: the worker is alive (or not yet reaped)
	ready,  // it sent kHandoffReady
	closed, // the worker is gone (its end is closed)
	broken, // it sent something else: not our worker code any more
};
// Supervisor side, never blocks: reads at most one message from `chan`.
ChannelState peek_handoff_channel(int chan);

// Supervisor side, after send_handoff(): waits until `deadline` for kHandoffTaken (a
// kHandoffReady sent before it is skipped). Returns 0 when the worker took the connection;
// ETIMEDOUT; EPIPE when its channel closed without it; EPROTO for any other message.
int await_taken(int chan, rpc::Deadline deadline);

// Supervisor side, after it killed a worker that had not acknowledged its hand-off: waits until
// `deadline` for the worker's channel to close (its process is gone, fds and all), reading what
// it sent before it died. Returns 0 when it is gone without having sent kHandoffTaken (the
// connection may go to another worker); EALREADY when it had sent it (the connection was its
// own: it must not be handed out again); ETIMEDOUT when the channel is still open.
int drain_after_kill(int chan, rpc::Deadline deadline);

} // namespace vaccel::agent
