// SPDX-License-Identifier: Apache-2.0
// Who gets a connection slot, and how the accept loop survives running out of fds
// (docs/protocol.md §7). Clients are hostile: neither silent connections nor fd exhaustion may
// keep a new client out for good, or make the agent spin.
#pragma once

#include "unique_fd.hpp"

#include <algorithm>
#include <cstddef>
#include <list>
#include <memory>

namespace vaccel::agent {

// Most fds one connection can hold at once: its socket, the fds it may park (received, not yet
// matched to a message), one message's fds being mapped, and one spool file being written.
size_t fds_per_connection();

// How many connections the process fd limit carries without starving those already served:
// raises the soft RLIMIT_NOFILE to the hard one, keeps a reserve for the agent itself (plugins,
// listeners, logs), and returns min(wanted, what the rest carries at fds_per_connection() each).
size_t connections_within_fd_limit(size_t wanted);

enum class Admission { admit, evict_then_admit, refuse };

// Decides on a new connection, given the live ones (in accept order; those stopping hold no
// slot). Connections that have not said HELLO yet are the only ones that may be evicted (the
// oldest first): when all slots are taken, or when max_pre_hello of them are waiting, the oldest
// waiting one makes room. So silent connections can delay nobody beyond their own kind, and
// a client that speaks at once (every real client does) always gets in unless max_connections
// clients that did say HELLO hold every slot. `victim` is set for evict_then_admit.
// T is a connection (thread isolation) or a worker process (agent/supervisor.hpp): anything
// with stopping(), finished() and greeted().
template <class T>
Admission admit_new(const std::list<std::shared_ptr<T>> &conns, size_t max_connections, size_t max_pre_hello,
		    std::shared_ptr<T> &victim)
{
	size_t live = 0, waiting = 0;
	std::shared_ptr<T> oldest_waiting;
	for (const auto &c : conns) {
		if (c->stopping() || c->finished())
			continue;
		++live;
		if (!c->greeted()) {
			++waiting;
			if (!oldest_waiting)
				oldest_waiting = c;
		}
	}
	if (live < max_connections && waiting < std::max<size_t>(max_pre_hello, 1))
		return Admission::admit;
	if (oldest_waiting) {
		victim = std::move(oldest_waiting);
		return Admission::evict_then_admit;
	}
	return Admission::refuse;
}

// An fd kept open (on /dev/null) only to be given up when accept() fails for lack of fds:
// closing it lets the agent accept the connection at the head of the backlog and close it at
// once, so that the client sees a clean refusal instead of hanging, then takes it back.
class FdReserve {
public:
	FdReserve();
	// Accepts and closes up to `max` pending connections on listen_fd; returns how many.
	size_t shed(int listen_fd, size_t max);

private:
	rpc::UniqueFd fd_;
};

} // namespace vaccel::agent
