// SPDX-License-Identifier: Apache-2.0
// The agent-wide budgets (--max-memory, --max-disk) in process isolation, kept by the
// supervisor so that no worker can change another's share (docs/security.md §7).
//
// Each worker holds a lease per budget: bytes the supervisor granted it. The supervisor keeps
// every lease in its own memory and grants only while the sum of leases stays within the
// budget, each lease within the per-connection cap (--max-connection-bytes). A worker charges
// its lease without asking anyone; past it, it asks for more in its worker page
// (agent/worker_page.hpp) and waits for the supervisor's next settle round (at most a few poll
// periods). When a request cannot be granted, the supervisor first takes back what idle
// leases hold above their holder's use.
//
// What a worker writes is only a request: a worker that lies (claims a huge want, or writes its
// own lease field) gets at most the per-connection cap, as an honest tenant holding its full
// quota would; a worker that spends past its lease without asking is bounded by its OS limits
// (RLIMIT_AS or its cgroup for memory), not by this book.
//
// Threads: LeaseBook runs on the supervisor's single thread; LeasedBudget is used by all the
// threads of one worker (a mutex serialises its charges).
#pragma once

#include "budget.hpp"
#include "worker_page.hpp"

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace vaccel::agent {

enum LeaseKind : int { lease_memory = 0, lease_disk = 1 };

// Supervisor side.
class LeaseBook {
public:
	// caps: the agent-wide budgets; per_worker: the most one worker may be granted of each.
	LeaseBook(const uint64_t caps[2], const uint64_t per_worker[2]);

	// A new worker's page, before its fork: grants it a first lease so small tenants never wait.
	void open(WorkerPage &page);
	// One settle round over the live workers' pages: grants what they ask within the budgets.
	void settle(const std::vector<WorkerPage *> &pages);
	// The worker is gone: its leases return to the budgets.
	void close(WorkerPage &page);
	// Bytes leased now, all workers together.
	[[nodiscard]] uint64_t leased(LeaseKind k) const { return total_[k]; }

private:
	struct Lease {
		uint64_t bytes[2] = {0, 0};
	};
	void grant(WorkerPage &page, Lease &l, int k, uint64_t want, bool &short_of_room);
	void reclaim(const std::vector<WorkerPage *> &pages, const std::vector<char> &asked, int k);

	uint64_t cap_[2];
	uint64_t per_worker_[2];
	uint64_t total_[2] = {0, 0};
	std::unordered_map<const WorkerPage *, Lease> leases_;
};

// Worker side: one budget kind of this worker, charged against its lease (ByteBudget::share_with).
class LeasedBudget final : public rpc::OuterBudget {
public:
	LeasedBudget(WorkerPage &page, LeaseKind kind) : page_(page), k_(kind) {}
	bool try_take(uint64_t n) override;
	void give_back(uint64_t n) override;

private:
	WorkerPage &page_;
	const int k_;
	std::mutex lock_;
	uint64_t held_ = 0; // the truth of this worker (the page's copy is for the supervisor)
};

// Bytes a worker asks for beyond what it needs at once, so that a tenant's next requests do not
// each wait for a settle round (capped by the per-worker limit).
inline constexpr uint64_t kLeaseHeadroom = 16u << 20;

} // namespace vaccel::agent
