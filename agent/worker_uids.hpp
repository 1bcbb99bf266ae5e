// SPDX-License-Identifier: Apache-2.0
// A user of its own for each worker (--worker-uid-range FIRST:COUNT; process isolation, with the
// agent started as root). When all workers run as one user (the agent's, or --user), a worker
// whose engine was taken over may open whatever any other worker may: the other tenants'
// spooled files, whose directory names are predictable. With a range, each worker switches to
// a uid of the range and the gid of the same number (no supplementary groups), and its spool
// directory is that uid's, 0700: the kernel keeps every tenant's files from every other worker.
// The supervisor gives a uid to one live worker at a time, and takes it back only when it reaped
// that worker; the next worker of that uid first kills every process still running as it (what
// a taken-over worker may have forked), before it serves.
//
// The range must be the agent's own: no user or group on the host has one of its ids (a worker
// would get that user's rights), it holds neither the agent's uid nor its gid, it is mapped in
// the agent's user namespace, and it holds one id for every worker that can be alive at once
// (--max-connections + --prefork). Two agents must not share a range.
//
// Threads: WorkerUids lives on the supervisor's accept thread; it is not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vaccel::agent {

struct UidRange {
	uid_t first = 0;
	uint32_t count = 0; // 0: the option is not given
};

// The most ids a range may hold.
inline constexpr uint32_t kMaxUidRange = 65536;

// Parses "FIRST:COUNT" (decimal). Returns false with why.
bool parse_uid_range(const char *text, UidRange &out, std::string &why);

// Checks the range against this host (see above) for `needed` workers alive at once. Returns ""
// when usable, else why not.
std::string check_uid_range(const UidRange &range, size_t needed);

class WorkerUids {
public:
	explicit WorkerUids(UidRange range);
	// A uid no live worker holds (the one released longest ago first), or nullopt.
	std::optional<uid_t> acquire();
	// Gives `uid` back once its worker's process is gone.
	void release(uid_t uid);
	[[nodiscard]] const UidRange &range() const { return range_; }

private:
	UidRange range_;
	std::vector<bool> held_;
	size_t next_ = 0; // round robin: a uid just released is the last to be given again
};

} // namespace vaccel::agent
