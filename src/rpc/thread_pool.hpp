// SPDX-License-Identifier: Apache-2.0
// A small pool of threads that run jobs of one type with one function, for work that may
// overlap with its submitter's (a concurrent client's ops, rpc::ServerConnection). It knows
// nothing of what a job is: threads are spawned on demand up to a maximum (none while idle),
// jobs run in submission order, and stop() hands back the jobs no thread picked up.
// Thread safety: every member may be called from any thread, except that stop() must not be
// called from a pool thread (it joins them) nor concurrently with another stop().
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace vaccel::rpc {

template <typename Job>
class ThreadPool {
public:
	using Run = std::function<void(Job)>;

	// At most max_threads threads run `run` on submitted jobs.
	ThreadPool(size_t max_threads, Run run) : max_threads_(max_threads), run_(std::move(run)) {}
	ThreadPool(const ThreadPool &) = delete;
	ThreadPool &operator=(const ThreadPool &) = delete;
	// Joins the threads; queued jobs are destroyed unrun.
	~ThreadPool() { (void)stop(); }

	// The maximum number of threads.
	[[nodiscard]] size_t max_threads() const { return max_threads_; }

	// Jobs submitted and not yet picked up by a thread.
	[[nodiscard]] size_t queued() const
	{
		std::lock_guard lock(lock_);
		return queue_.size();
	}

	// Queues a job; a thread is spawned when none is idle and fewer than max_threads run.
	void submit(Job job)
	{
		std::lock_guard lock(lock_);
		++in_flight_;
		queue_.push_back(std::move(job));
		if (idle_ == 0 && threads_.size() < max_threads_)
			threads_.emplace_back([this] { loop(); });
		else
			work_cv_.notify_one();
	}

	// Waits until a submitted job finishes; false at once when none is queued or running.
	// (One job finishing wakes every waiter.)
	bool wait_for_progress()
	{
		std::unique_lock lock(lock_);
		if (in_flight_ == 0)
			return false;
		done_cv_.wait(lock);
		return true;
	}

	// Lets running jobs finish, joins the threads and returns the jobs still queued. The pool
	// may be used again afterwards (threads are spawned on demand).
	std::deque<Job> stop()
	{
		std::vector<std::thread> threads;
		std::deque<Job> dropped;
		{
			std::lock_guard lock(lock_);
			stopping_ = true;
			threads.swap(threads_);
			dropped.swap(queue_);
		}
		work_cv_.notify_all();
		for (auto &t : threads)
			t.join();
		std::lock_guard lock(lock_);
		in_flight_ -= std::min(in_flight_, dropped.size());
		stopping_ = false;
		done_cv_.notify_all();
		return dropped;
	}

private:
	void loop()
	{
		std::unique_lock lock(lock_);
		for (;;) {
			++idle_;
			work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
			--idle_;
			if (stopping_)
				return;
			Job job = std::move(queue_.front());
			queue_.pop_front();
			lock.unlock();
			run_(std::move(job));
			lock.lock();
			--in_flight_;
			done_cv_.notify_all();
		}
	}

	const size_t max_threads_;
	const Run run_;
	mutable std::mutex lock_;
	std::condition_variable work_cv_;  // a job was queued, or stop()
	std::condition_variable done_cv_;  // a job finished
	std::deque<Job> queue_;            // guarded by lock_
	std::vector<std::thread> threads_; // guarded by lock_
	size_t idle_ = 0;                  // guarded by lock_: threads waiting for a job
	size_t in_flight_ = 0;             // guarded by lock_: submitted, not finished or dropped
	bool stopping_ = false;            // guarded by lock_
};

} // namespace vaccel::rpc
