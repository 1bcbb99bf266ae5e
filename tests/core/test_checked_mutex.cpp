// SPDX-License-Identifier: Apache-2.0
// src/common/checked_mutex.hpp: the owner tracking behind the REQUIRES assertions of the *_locked
// functions (core object store, lifecycle, log sink; rpc client).
#include "checked_mutex.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

using vaccel::common::CheckedMutex;

TEST(CheckedMutex, KnowsItsHolder)
{
	CheckedMutex<> m;
	EXPECT_FALSE(m.held_by_me());
	{
		std::lock_guard lock(m);
		EXPECT_TRUE(m.held_by_me());
		bool other = true;
		std::thread([&] { other = m.held_by_me(); }).join();
		EXPECT_FALSE(other); // held, but not by that thread
	}
	EXPECT_FALSE(m.held_by_me());
	ASSERT_TRUE(m.try_lock());
	EXPECT_TRUE(m.held_by_me());
	m.unlock();
	EXPECT_FALSE(m.held_by_me());
}

TEST(CheckedMutex, RecursiveStaysHeldUntilTheLastUnlock)
{
	CheckedMutex<std::recursive_mutex> m;
	m.lock();
	m.lock();
	m.unlock();
	EXPECT_TRUE(m.held_by_me());
	m.unlock();
	EXPECT_FALSE(m.held_by_me());
}

TEST(CheckedMutex, OwnerFollowsAConditionVariableWait)
{
	CheckedMutex<> m;
	std::condition_variable_any cv;
	bool ready = false;
	std::thread t([&] {
		std::lock_guard lock(m);
		ready = true;
		cv.notify_all();
	});
	std::unique_lock lock(m);
	cv.wait(lock, [&] { return ready; }); // releases m while waiting, so `t` can take it
	EXPECT_TRUE(m.held_by_me());
	lock.unlock();
	t.join();
}

#ifndef NDEBUG
TEST(CheckedMutexDeathTest, AssertHeldAbortsWhenNotHeld)
{
	CheckedMutex<> m;
	EXPECT_DEATH(m.assert_held(), "REQUIRES");
	std::lock_guard lock(m);
	m.assert_held(); // held: no abort
}
#endif
