// SPDX-License-Identifier: Apache-2.0
// The worker page: a small shared mapping between the supervisor and ONE worker process
// (agent/supervisor.hpp). The worker writes what the supervisor needs to judge it from the
// outside: whether its client said HELLO (so the supervisor may evict silent connections),
// which ops are running since when (--op-timeout-ms), the op it ran last (named in the crash
// log), and its requests for shares of the agent-wide budgets (the supervisor answers there).
//
// Trust: a worker runs hostile input through engines that may be exploited, so the supervisor
// treats every field as untrusted numbers: op codes are looked up with bounds, counters are
// clamped. Each worker maps only its own page (the others are unmapped right after fork).
//
// Threads: every field is a lock-free std::atomic, written by the worker's threads and read by
// the supervisor process; no field needs another to be consistent with it. (An earlier design
// kept the last op as a plain int: a data race between a worker's pool threads.)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace vaccel::agent {

// One op being run by the worker: its request kind (0: slot free) and when it began.
struct OpSlot {
	std::atomic<int32_t> op{0};
	std::atomic<uint64_t> started_ns{0}; // CLOCK_MONOTONIC
};

inline constexpr size_t kOpSlots = 16; // more overlapping ops than this go untimed (logged)

struct WorkerPage {
	std::atomic<uint32_t> greeted{0}; // the client's HELLO was answered
	std::atomic<uint32_t> leaving{0}; // the connection serves no one any more (slot free)
	std::atomic<int32_t> last_op{0};  // request kind of the op begun last
	std::atomic<uint64_t> ops_done{0};
	// The agent-wide budgets (agent/budget_lease.hpp), by kind (0: --max-memory, 1: --max-disk).
	// The supervisor's own copy of each lease is what counts; these are only the messages.
	std::atomic<uint64_t> held[2]{};       // worker: bytes it holds (what it claims)
	std::atomic<uint64_t> lease_want[2]{}; // worker: bytes it asks to be granted
	std::atomic<uint64_t> lease[2]{};      // supervisor: bytes granted
	std::atomic<uint64_t> lease_seq{0};    // supervisor: settle rounds that looked at this page
	OpSlot slots[kOpSlots];
};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "worker page atomics must be lock-free");

// Allocates a zeroed page shared with the children forked after this call; nullptr on error.
WorkerPage *map_worker_page();
// Unmaps a page from map_worker_page() (nullptr: nothing).
void unmap_worker_page(WorkerPage *page);

// The page of this process when it is a worker; nullptr in the supervisor and in thread mode.
// Set once by the worker before it starts any thread.
void set_current_worker_page(WorkerPage *page);
WorkerPage *current_worker_page();

// Marks one op running for its lifetime (no-op outside a worker): the supervisor sees it in
// the page, times it against --op-timeout-ms and names it if the worker dies.
class OpScope {
public:
	explicit OpScope(int32_t op);
	~OpScope();
	OpScope(const OpScope &) = delete;
	OpScope &operator=(const OpScope &) = delete;

private:
	OpSlot *slot_ = nullptr;
};

// Publishes the connection's slot state (no-op outside a worker).
void note_slot(bool greeted, bool stopping);

// The name of a request kind (v1::Request's call field), or "unknown(N)" for a bad number.
const char *op_name(int32_t op, char *buf, size_t len);

} // namespace vaccel::agent
