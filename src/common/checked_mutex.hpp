// SPDX-License-Identifier: Apache-2.0
// CheckedMutex<M>: a mutex (std::mutex or std::recursive_mutex) that knows which thread holds it,
// so that a function documented "REQUIRES: <mutex> held" (the *_locked functions) can assert it.
//
// Why a wrapper: std::mutex cannot tell whether the calling thread holds it, and passing the lock
// object to every *_locked function would change their signatures and callers. The wrapper is a
// drop-in Lockable (std::lock_guard, std::unique_lock, std::scoped_lock; std::condition_variable_any
// for waits, which re-locks through it, so the owner stays right across a wait).
//
// Cost: in release builds (NDEBUG) assert_held() compiles to nothing and lock()/unlock() add one
// relaxed store each; in debug builds (the ASan and TSan stages) a violated REQUIRES aborts with
// the assertion's message. Thread safety: as the wrapped mutex; the owner is an atomic.
#pragma once

#include <atomic>
#include <cassert>
#include <mutex>
#include <thread>

namespace vaccel::common {

template <typename M = std::mutex>
class CheckedMutex {
public:
	CheckedMutex() = default;
	CheckedMutex(const CheckedMutex &) = delete;
	CheckedMutex &operator=(const CheckedMutex &) = delete;

	// Blocks until this thread holds the mutex (again, for a recursive one).
	void lock()
	{
		m_.lock();
		acquired();
	}
	// True (and held) if the mutex was free, or is recursive and already ours.
	bool try_lock()
	{
		if (!m_.try_lock())
			return false;
		acquired();
		return true;
	}
	// Releases one level of ownership. REQUIRES: held by this thread.
	void unlock()
	{
		assert_held();
		if (--depth_ == 0)
			owner_.store(std::thread::id{}, std::memory_order_relaxed);
		m_.unlock();
	}

	// True if the calling thread holds the mutex (exact in every build; for assertions and tests).
	bool held_by_me() const noexcept
	{
		return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
	}
	// Asserts (debug builds only) that the calling thread holds the mutex.
	void assert_held() const noexcept { assert(held_by_me() && "REQUIRES: mutex held by this thread"); }

private:
	void acquired() noexcept
	{
		// Only the holder writes depth_ (under m_); the owner is read by others' held_by_me().
		if (depth_++ == 0)
			owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
	}

	M m_;
	std::atomic<std::thread::id> owner_{};
	unsigned depth_ = 0;
};

} // namespace vaccel::common
