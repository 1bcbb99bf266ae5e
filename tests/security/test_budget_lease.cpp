// SPDX-License-Identifier: Apache-2.0
// The agent-wide budgets in process isolation (agent/budget_lease.hpp), without processes: a
// LeaseBook (the supervisor's side) settles in a thread of its own while LeasedBudgets (the
// workers' side) charge worker pages. Whatever a page says, the book's leases never sum past
// the budget, and one page never gets more than the per-worker cap.
#include "budget_lease.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace {

using namespace vaccel::agent;
constexpr uint64_t MiB = 1u << 20;

// The supervisor's rounds, every 5 ms, until destroyed.
class Rounds {
public:
	Rounds(LeaseBook &book, std::vector<WorkerPage *> pages) : book_(book), pages_(std::move(pages))
	{
		th_ = std::thread([this] {
			for (int i = 0; i < 20000 && !stop_.load(); ++i) { // bounded: 100 s
				book_.settle(pages_);
				std::this_thread::sleep_for(std::chrono::milliseconds(5));
			}
		});
	}
	~Rounds()
	{
		stop_.store(true);
		th_.join();
	}

private:
	LeaseBook &book_;
	std::vector<WorkerPage *> pages_;
	std::atomic<bool> stop_{false};
	std::thread th_;
};

struct Fixture {
	explicit Fixture(uint64_t cap, uint64_t per_worker, int n)
	{
		const uint64_t caps[2] = {cap, cap}, per[2] = {per_worker, per_worker};
		book = std::make_unique<LeaseBook>(caps, per);
		for (int i = 0; i < n; ++i) {
			pages.push_back(std::make_unique<WorkerPage>());
			book->open(*pages.back());
			budgets.push_back(std::make_unique<LeasedBudget>(*pages.back(), lease_memory));
		}
	}
	std::vector<WorkerPage *> raw() const
	{
		std::vector<WorkerPage *> v;
		for (auto &p : pages)
			v.push_back(p.get());
		return v;
	}
	std::unique_ptr<LeaseBook> book;
	std::vector<std::unique_ptr<WorkerPage>> pages;
	std::vector<std::unique_ptr<LeasedBudget>> budgets;
};

TEST(BudgetLease, HonestWorkersShareTheCapExactly)
{
	Fixture f(64 * MiB, 48 * MiB, 2);
	Rounds r(*f.book, f.raw());
	ASSERT_TRUE(f.budgets[0]->try_take(40 * MiB));
	EXPECT_FALSE(f.budgets[1]->try_take(40 * MiB)) << "40 + 40 MiB exceed the 64 MiB budget";
	EXPECT_TRUE(f.budgets[1]->try_take(20 * MiB)) << "40 + 20 MiB fit";
	EXPECT_LE(f.book->leased(lease_memory), 64 * MiB);
	f.budgets[0]->give_back(40 * MiB);
	EXPECT_TRUE(f.budgets[1]->try_take(28 * MiB)) << "the first worker's idle lease is taken back";
	EXPECT_FALSE(f.budgets[1]->try_take(1 * MiB)) << "48 MiB is one worker's most";
}

TEST(BudgetLease, ALyingPageGetsOnlyItsOwnShare)
{
	Fixture f(24 * MiB, 8 * MiB, 4);
	// Worker 0 is compromised: every field of its page at its maximum, again and again.
	std::atomic<bool> stop{false}, lying{false};
	std::thread liar([&] {
		WorkerPage &p = *f.pages[0];
		for (int i = 0; i < 200000 && !stop.load(); ++i) { // bounded
			for (int k = 0; k < 2; ++k) {
				p.held[k].store(UINT64_MAX);
				p.lease_want[k].store(UINT64_MAX);
				p.lease[k].store(UINT64_MAX);
			}
			p.lease_seq.store(UINT64_MAX);
			lying.store(true);
			std::this_thread::yield();
		}
	});
	// The rounds start once the page lies: before that it truthfully holds nothing, and a round
	// may fairly take its idle lease back (on a loaded machine the thread starts late).
	for (int i = 0; i < 5000 && !lying.load(); ++i) // bounded: 5 s
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	if (!lying.load()) {
		stop.store(true);
		liar.join();
		FAIL() << "the liar thread never ran";
	}
	{
		Rounds r(*f.book, f.raw());
		EXPECT_TRUE(f.budgets[1]->try_take(5 * MiB));
		EXPECT_TRUE(f.budgets[2]->try_take(5 * MiB));
		EXPECT_FALSE(f.budgets[3]->try_take(7 * MiB)) << "8 (liar) + 5 + 5 + 7 > 24";
		EXPECT_LE(f.book->leased(lease_memory), 24 * MiB);
	}
	stop.store(true);
	liar.join();
	f.book->close(*f.pages[0]);
	std::vector<WorkerPage *> honest{f.pages[1].get(), f.pages[2].get(), f.pages[3].get()};
	Rounds r(*f.book, honest);
	EXPECT_TRUE(f.budgets[3]->try_take(7 * MiB)) << "the liar's share returned when it died";
	EXPECT_LE(f.book->leased(lease_memory), 24 * MiB);
}

TEST(BudgetLease, ConcurrentChargesNeverPassTheCap)
{
	Fixture f(32 * MiB, 32 * MiB, 4);
	Rounds r(*f.book, f.raw());
	std::vector<std::thread> th;
	std::atomic<uint64_t> held{0}, most{0};
	for (int w = 0; w < 4; ++w)
		for (int t = 0; t < 2; ++t)
			th.emplace_back([&, w] {
				for (int i = 0; i < 200; ++i) {
					const uint64_t n = (1 + (i + w) % 5) * MiB;
					if (!f.budgets[w]->try_take(n))
						continue;
					const uint64_t now = held.fetch_add(n) + n;
					uint64_t m = most.load();
					while (now > m && !most.compare_exchange_weak(m, now)) {
					}
					held.fetch_sub(n);
					f.budgets[w]->give_back(n);
				}
			});
	for (auto &t : th)
		t.join();
	EXPECT_LE(most.load(), 32 * MiB);
	EXPECT_GT(most.load(), 0u);
}

} // namespace
