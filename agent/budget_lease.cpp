// SPDX-License-Identifier: Apache-2.0
#include "budget_lease.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace vaccel::agent {

namespace {

// What reclaiming leaves an idle lease above its holder's claimed use: its next small charge
// does not have to wait.
constexpr uint64_t kReclaimSlack = 1u << 20;

// How long a worker waits for a settle round that saw its request, at most (the supervisor
// settles every poll period, <= 100 ms; it may be busy forking).
constexpr auto kGrantWait = std::chrono::seconds(2);

uint64_t sat_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

} // namespace

LeaseBook::LeaseBook(const uint64_t caps[2], const uint64_t per_worker[2])
    : cap_{caps[0], caps[1]}, per_worker_{std::min(per_worker[0], caps[0]), std::min(per_worker[1], caps[1])}
{
}

void LeaseBook::open(WorkerPage &page)
{
	Lease &l = leases_[&page];
	for (int k = 0; k < 2; ++k) {
		const uint64_t first = std::min({kLeaseHeadroom, per_worker_[k], cap_[k] - total_[k]});
		l.bytes[k] = first;
		total_[k] += first;
		page.held[k].store(0);
		page.lease_want[k].store(first);
		page.lease[k].store(first, std::memory_order_release);
	}
}

void LeaseBook::close(WorkerPage &page)
{
	auto it = leases_.find(&page);
	if (it == leases_.end())
		return;
	for (int k = 0; k < 2; ++k)
		total_[k] -= it->second.bytes[k];
	leases_.erase(it);
}

void LeaseBook::grant(WorkerPage &page, Lease &l, int k, uint64_t want, bool &short_of_room)
{
	if (want > l.bytes[k]) {
		const uint64_t add = std::min(want - l.bytes[k], cap_[k] - total_[k]);
		short_of_room |= add < want - l.bytes[k];
		l.bytes[k] += add;
		total_[k] += add;
	}
	// Always our number, whatever the worker wrote there.
	page.lease[k].store(l.bytes[k], std::memory_order_release);
}

void LeaseBook::reclaim(const std::vector<WorkerPage *> &pages, const std::vector<char> &asked, int k)
{
	for (size_t i = 0; i < pages.size(); ++i) {
		auto it = leases_.find(pages[i]);
		if (asked[i] || it == leases_.end())
			continue;
		WorkerPage &p = *pages[i];
		Lease &l = it->second;
		// Idle leases keep what their worker claims to hold (a false claim keeps only the
		// liar's own lease), plus a little.
		const uint64_t keep =
			std::min(l.bytes[k], sat_add(std::min(p.held[k].load(), l.bytes[k]), kReclaimSlack));
		if (keep == l.bytes[k])
			continue;
		total_[k] -= l.bytes[k] - keep;
		l.bytes[k] = keep;
		// Its request must not win the bytes back at the next round; a request it makes
		// meanwhile (the exchange fails) is honoured then.
		uint64_t want = p.lease_want[k].load();
		if (want > keep)
			p.lease_want[k].compare_exchange_strong(want, keep);
		p.lease[k].store(keep, std::memory_order_release);
	}
}

void LeaseBook::settle(const std::vector<WorkerPage *> &pages)
{
	for (int k = 0; k < 2; ++k) {
		std::vector<char> asked(pages.size(), 0);
		bool short_of_room = false;
		for (int pass = 0; pass < 2; ++pass) {
			for (size_t i = 0; i < pages.size(); ++i) {
				auto it = leases_.find(pages[i]);
				if (it == leases_.end() || (pass == 1 && !asked[i]))
					continue;
				const uint64_t want = std::min(pages[i]->lease_want[k].load(), per_worker_[k]);
				asked[i] |= want > it->second.bytes[k];
				grant(*pages[i], it->second, k, want, short_of_room);
			}
			// Requests left short: take back what idle leases do not use, then grant again.
			if (pass == 1 || !short_of_room)
				break;
			reclaim(pages, asked, k);
		}
	}
	for (WorkerPage *p : pages)
		p->lease_seq.fetch_add(1, std::memory_order_release);
}

bool LeasedBudget::try_take(uint64_t n)
{
	for (int attempt = 0;; ++attempt) {
		uint64_t seq = 0, need = 0;
		{
			std::lock_guard lock(lock_);
			need = sat_add(held_, n);
			if (need <= page_.lease[k_].load(std::memory_order_acquire)) {
				held_ = need;
				page_.held[k_].store(held_);
				return true;
			}
			if (attempt > 0) {
				// Refused: stop asking, or every round would take back idle leases for nothing.
				const uint64_t keep = std::max(held_, page_.lease[k_].load());
				if (page_.lease_want[k_].load() > keep)
					page_.lease_want[k_].store(keep);
				return false;
			}
			// Ask for it (and some headroom), then wait for a settle round that saw the request.
			const uint64_t want = sat_add(need, kLeaseHeadroom);
			uint64_t cur = page_.lease_want[k_].load();
			while (cur < want && !page_.lease_want[k_].compare_exchange_weak(cur, want)) {
			}
			seq = page_.lease_seq.load(std::memory_order_acquire);
		}
		// Two rounds: the first may have begun before the request was written.
		const auto give_up = std::chrono::steady_clock::now() + kGrantWait;
		while (page_.lease[k_].load(std::memory_order_acquire) < need &&
		       page_.lease_seq.load(std::memory_order_acquire) - seq < 2 &&
		       std::chrono::steady_clock::now() < give_up)
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}
void LeasedBudget::give_back(uint64_t n)
{
	std::lock_guard lock(lock_);
	held_ -= std::min(n, held_);
	page_.held[k_].store(held_);
}

} // namespace vaccel::agent
