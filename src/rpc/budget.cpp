// SPDX-License-Identifier: Apache-2.0
#include "budget.hpp"

namespace vaccel::rpc {

bool ByteBudget::try_take(uint64_t n)
{
	uint64_t cur = used_.load(std::memory_order_relaxed);
	do {
		if (n > cap_ || cur > cap_ - n)
			return false;
	} while (!used_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
	if (outer_ && !outer_->try_take(n)) {
		used_.fetch_sub(n, std::memory_order_relaxed);
		return false;
	}
	return true;
}

void ByteBudget::give_back(uint64_t n)
{
	if (outer_)
		outer_->give_back(n);
	used_.fetch_sub(n, std::memory_order_relaxed);
}

Charge::Refusal Charge::take(ByteBudget &conn, ByteBudget &agent, uint64_t n)
{
	release();
	if (n == 0)
		return Refusal::none;
	if (!conn.try_take(n))
		return Refusal::connection;
	if (!agent.try_take(n)) {
		conn.give_back(n);
		return Refusal::agent;
	}
	conn_ = &conn;
	agent_ = &agent;
	bytes_ = n;
	return Refusal::none;
}

void Charge::release()
{
	if (bytes_) {
		conn_->give_back(bytes_);
		agent_->give_back(bytes_);
	}
	conn_ = agent_ = nullptr;
	bytes_ = 0;
}

const char *refusal_text(Charge::Refusal r)
{
	switch (r) {
	case Charge::Refusal::connection:
		return "connection byte budget exceeded (--max-connection-bytes)";
	case Charge::Refusal::agent:
		return "agent-wide budget exceeded (--max-memory / --max-disk)";
	default:
		return "";
	}
}

} // namespace vaccel::rpc
