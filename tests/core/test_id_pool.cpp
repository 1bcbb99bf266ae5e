// SPDX-License-Identifier: Apache-2.0
// The id pool behind sessions and resources (src/core/id_pool.hpp, internal): lowest free id
// first, reuse, exhaustion, and the capacities the public queries report.
#include "../../src/core/id_pool.hpp"
#include "vtest.hpp"

#include <set>

namespace {

using vaccel::core::IdPool;

TEST(IdPool, HandsOutLowestFreeIdAndReusesReleasedOnes)
{
	IdPool pool(200);
	for (vaccel_id_t want = 1; want <= 130; ++want)
		ASSERT_EQ(want, pool.acquire());
	pool.release(70);
	pool.release(3);
	pool.release(129);
	EXPECT_EQ(3, pool.acquire());
	EXPECT_EQ(70, pool.acquire());
	EXPECT_EQ(129, pool.acquire());
	EXPECT_EQ(131, pool.acquire());
	pool.release(0);   // not an id: ignored
	pool.release(999); // beyond capacity: ignored
	pool.release(150); // not taken: ignored
	EXPECT_EQ(132, pool.acquire());
}

TEST(IdPool, ExhaustionAtCapacityThatIsNotAWordMultiple)
{
	for (size_t cap : {size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{1000}}) {
		IdPool pool(cap);
		std::set<vaccel_id_t> ids;
		for (size_t i = 0; i < cap; ++i)
			ids.insert(pool.acquire());
		EXPECT_EQ(cap, ids.size());
		EXPECT_EQ(1, *ids.begin());
		EXPECT_EQ(static_cast<vaccel_id_t>(cap), *ids.rbegin());
		EXPECT_EQ(0, pool.acquire()) << cap;
		EXPECT_EQ(0, pool.acquire()) << "still full";
		pool.release(static_cast<vaccel_id_t>(cap));
		EXPECT_EQ(static_cast<vaccel_id_t>(cap), pool.acquire());
		pool.reset();
		EXPECT_EQ(1, pool.acquire());
	}
	IdPool empty(0);
	EXPECT_EQ(0, empty.acquire());
}

// The pools are sized for many tenants: the lowest free id is still found when it is the last
// one of a full pool, again and again. (Its cost, at most 4096 word reads per acquire, is a
// property of the bitmap; a wall-clock bound here failed under TSan on a loaded machine, and
// timings belong in bench/.)
TEST(IdPool, LargeFullPoolFindsItsLastFreeId)
{
	constexpr size_t kCap = 262144;
	IdPool pool(kCap);
	for (size_t i = 0; i < kCap; ++i)
		ASSERT_NE(0, pool.acquire());
	for (int i = 0; i < 2000; ++i) {
		pool.release(1); // sends the scan back to the start ...
		ASSERT_EQ(1, pool.acquire());
		pool.release(static_cast<vaccel_id_t>(kCap)); // ... and the only free id is the last
		pool.release(1);
		ASSERT_EQ(1, pool.acquire());
		ASSERT_EQ(static_cast<vaccel_id_t>(kCap), pool.acquire());
	}
	EXPECT_EQ(0, pool.acquire()); // and it is full again
}

TEST(IdPool, PublicCapacitiesFitTheAgentDefaults)
{
	// vaccel-agent's defaults: 256 connections x 64 sessions, x 256 resources.
	EXPECT_GE(vaccel_session_capacity(), 256u * 64u);
	EXPECT_GE(vaccel_resource_capacity(), 256u * 256u);
}

} // namespace
