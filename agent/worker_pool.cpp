// A connection's worker pool: data-path requests of a concurrent client run here while the
// connection's thread keeps reading (threads and locking: connection.hpp).
#include "connection.hpp"

#include "log.hpp"

namespace vaccel::agent {

// ---- worker pool ---------------------------------------------------------------------------

// A data-path request of a concurrent client (one calling from several threads) goes to a
// worker so that this thread keeps reading and the client's ops overlap, unless the queue or
// the connection's byte budget says to apply back-pressure: then this thread runs it and stops
// reading meanwhile. A single-threaded client's requests run here, with no thread hand-off.
bool Connection::should_dispatch(const v1::Request &req)
{
	if (cfg_.workers_per_connection == 0 || !req.concurrent() || !is_data_path(req))
		return false;
	std::lock_guard lock(work_lock_);
	return queue_.size() < 2 * cfg_.workers_per_connection;
}

Charge::Refusal Connection::charge_request(uint64_t bytes, Charge &out)
{
	for (;;) {
		Charge::Refusal r = out.take(budget_, agent_.memory_budget(), bytes);
		std::unique_lock lock(work_lock_);
		if (r == Charge::Refusal::none || busy_tasks_ == 0)
			return r;
		// This connection's own tasks hold the bytes: wait for one to finish (bounded by
		// the ops themselves), as a full queue makes the client wait.
		task_done_cv_.wait(lock);
	}
}

bool Connection::account_mapping(int64_t delta)
{
	if (delta < 0) {
		budget_.give_back(static_cast<uint64_t>(-delta));
		agent_.memory_budget().give_back(static_cast<uint64_t>(-delta));
		return true;
	}
	const auto n = static_cast<uint64_t>(delta);
	if (!budget_.try_take(n))
		return false;
	if (!agent_.memory_budget().try_take(n)) {
		budget_.give_back(n);
		return false;
	}
	return true;
}

void Connection::dispatch(std::unique_ptr<Task> t)
{
	std::lock_guard lock(work_lock_);
	++busy_tasks_;
	queue_.push_back(std::move(t));
	if (idle_workers_ == 0 && workers_.size() < cfg_.workers_per_connection)
		workers_.emplace_back([this] { worker_loop(); });
	else
		work_cv_.notify_one();
}

void Connection::worker_loop()
{
	std::unique_lock lock(work_lock_);
	for (;;) {
		++idle_workers_;
		work_cv_.wait(lock, [this] { return workers_stop_ || !queue_.empty(); });
		--idle_workers_;
		if (workers_stop_)
			return;
		std::unique_ptr<Task> t = std::move(queue_.front());
		queue_.pop_front();
		lock.unlock();
		std::string why;
		if (!execute(*t, why)) {
			RPC_WARN("conn %llu: %s", (unsigned long long)id_, why.c_str());
			std::lock_guard fl(fd_lock_);
			if (!fd_closed_)
				ch_->shutdown(); // the reading thread sees it and ends the connection
		}
		finish_task(std::move(t));
		lock.lock();
		--busy_tasks_;
		task_done_cv_.notify_all();
	}
}

void Connection::stop_workers()
{
	std::vector<std::thread> workers;
	std::deque<std::unique_ptr<Task>> dropped;
	{
		std::lock_guard lock(work_lock_);
		workers_stop_ = true;
		workers.swap(workers_);
		dropped.swap(queue_);
	}
	work_cv_.notify_all();
	for (auto &w : workers)
		w.join();
	for (auto &t : dropped)
		finish_task(std::move(t));
	std::lock_guard lock(work_lock_);
	busy_tasks_ -= std::min(busy_tasks_, dropped.size());
	workers_stop_ = false;
}

std::unique_ptr<Connection::Task> Connection::take_task()
{
	{
		std::lock_guard lock(work_lock_);
		if (!spare_tasks_.empty()) {
			std::unique_ptr<Task> t = std::move(spare_tasks_.back());
			spare_tasks_.pop_back();
			return t;
		}
	}
	return std::make_unique<Task>();
}

void Connection::finish_task(std::unique_ptr<Task> t)
{
	if (!t)
		return;
	t->charge.release();
	t->sink.reset(); // drops memfd mappings it held
	t->region.trim(cfg_.retain_buffer);
	t->scratch.trim(cfg_.retain_buffer);
	std::lock_guard lock(work_lock_);
	// One task per worker plus the reading thread's is all that can be in use at once.
	if (spare_tasks_.size() <= cfg_.workers_per_connection)
		spare_tasks_.push_back(std::move(t));
}

} // namespace vaccel::agent
