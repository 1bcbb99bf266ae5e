// SPDX-License-Identifier: Apache-2.0
// Byte budgets of the agent (docs/protocol.md §7). Every connection has one for what it
// holds (resources, payloads in flight, mapped memfd ranges, private copies, responses being
// sent); the agent has one for memory and one for spool disk, summed over all connections, so
// that many connections each within their own budget cannot exhaust the host together.
// Thread safety: a ByteBudget is shared by threads (atomic); a Charge belongs to one owner.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace vaccel::rpc {

// A budget a ByteBudget also charges (ByteBudget::share_with): it decides, the ByteBudget only
// asks. Implementations must be thread-safe.
class OuterBudget {
public:
	virtual ~OuterBudget() = default;
	// Takes n bytes, or refuses (false, nothing taken).
	virtual bool try_take(uint64_t n) = 0;
	// Gives back n bytes taken by try_take.
	virtual void give_back(uint64_t n) = 0;
};

class ByteBudget {
public:
	explicit ByteBudget(uint64_t cap) : cap_(cap) {}
	ByteBudget(const ByteBudget &) = delete;
	ByteBudget &operator=(const ByteBudget &) = delete;

	// Takes n bytes when the total stays within the cap; false (nothing taken) otherwise.
	bool try_take(uint64_t n);
	void give_back(uint64_t n);
	[[nodiscard]] uint64_t used() const { return used_.load(std::memory_order_relaxed); }
	[[nodiscard]] uint64_t cap() const { return cap_; }

	// Worker processes (agent/supervisor.hpp): this budget also takes from `outer`, a share
	// of an agent-wide budget that lives outside this process (agent/budget_lease.hpp), and
	// gives back to it. Called once, before any thread uses the budget.
	void share_with(OuterBudget *outer) { outer_ = outer; }

private:
	const uint64_t cap_;
	std::atomic<uint64_t> used_{0};
	OuterBudget *outer_ = nullptr;
};

// Bytes taken from a connection's budget and an agent-wide one together, given back to both
// when the charge is released or destroyed.
class Charge {
public:
	Charge() = default;
	Charge(const Charge &) = delete;
	Charge &operator=(const Charge &) = delete;
	Charge(Charge &&o) noexcept
	    : conn_(std::exchange(o.conn_, nullptr)), agent_(std::exchange(o.agent_, nullptr)),
	      bytes_(std::exchange(o.bytes_, 0))
	{
	}
	Charge &operator=(Charge &&o) noexcept
	{
		if (this != &o) {
			release();
			conn_ = std::exchange(o.conn_, nullptr);
			agent_ = std::exchange(o.agent_, nullptr);
			bytes_ = std::exchange(o.bytes_, 0);
		}
		return *this;
	}
	~Charge() { release(); }

	// Which budget refused a charge.
	enum class Refusal { none, connection, agent };
	// Takes n bytes from both budgets (all or nothing); replaces what *this held before.
	Refusal take(ByteBudget &conn, ByteBudget &agent, uint64_t n);
	// Gives the bytes back to both budgets.
	void release();
	[[nodiscard]] uint64_t bytes() const { return bytes_; }

private:
	ByteBudget *conn_ = nullptr;
	ByteBudget *agent_ = nullptr;
	uint64_t bytes_ = 0;
};

// total += n; false (total unchanged) when the sum would overflow: sizes come from clients.
inline bool add_size(uint64_t &total, uint64_t n)
{
	if (n > UINT64_MAX - total)
		return false;
	total += n;
	return true;
}

// The error text for a refused charge.
const char *refusal_text(Charge::Refusal r);

} // namespace vaccel::rpc
