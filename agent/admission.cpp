// SPDX-License-Identifier: Apache-2.0
#include "admission.hpp"

#include "channel.hpp"
#include "log.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vaccel::agent {
namespace {
// Fds the agent needs for itself whatever the number of connections: stdio, listeners, the
// stop pipe, the reserve, plugin libraries and the files they open, the rundir locks.
constexpr size_t kAgentOwnFds = 64;
} // namespace

size_t fds_per_connection()
{
	return 1 + rpc::kMaxPendingFds + rpc::kMaxMessageFds + 1;
}

size_t connections_within_fd_limit(size_t wanted)
{
	rlimit rl{};
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return wanted;
	if (rl.rlim_cur < rl.rlim_max) {
		rlimit raised = rl;
		raised.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl = raised;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return wanted;
	const auto limit = static_cast<size_t>(rl.rlim_cur);
	const size_t carried = limit > kAgentOwnFds ? (limit - kAgentOwnFds) / fds_per_connection() : 0;
	const size_t cap = std::max<size_t>(1, std::min(wanted, carried));
	if (cap < wanted)
		RPC_WARN("the fd limit (%zu) carries %zu connections of up to %zu fds each: at most %zu connections "
			 "(raise it with ulimit -n for more)",
			 limit, carried, fds_per_connection(), cap);
	return cap;
}

FdReserve::FdReserve() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

size_t FdReserve::shed(int listen_fd, size_t max)
{
	fd_.reset();
	size_t shed = 0;
	while (shed < max) {
		int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			break; // backlog empty, or the freed fd went elsewhere
		::close(fd);
		++shed;
	}
	fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC)); // may fail now: retried on the next shortage
	return shed;
}

} // namespace vaccel::agent
