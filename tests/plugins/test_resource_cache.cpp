// SPDX-License-Identifier: Apache-2.0
// Unit tests of plugins/common/resource_cache.hpp: one load per resource under concurrency,
// release when the last session lets go, failed loads not cached.
#include "resource_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using vaccel::plugin::ResourceCache;

TEST(ResourceCache, LoadsOncePerResourceUnderConcurrency)
{
	ResourceCache<int> cache;
	std::atomic<int> loads{0};
	std::vector<std::thread> threads;
	std::vector<std::shared_ptr<int>> got(8);
	for (int t = 0; t < 8; ++t) {
		threads.emplace_back([&, t] {
			got[t] = cache.get_or_load(/*res=*/1 + t % 2, /*sess=*/t, [&] {
				++loads;
				std::this_thread::sleep_for(std::chrono::milliseconds(20));
				return std::make_shared<int>(42);
			});
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(loads.load(), 2) << "one load per resource id";
	EXPECT_EQ(cache.size(), 2U);
	for (int t = 0; t < 8; ++t) {
		ASSERT_TRUE(got[t]);
		EXPECT_EQ(got[t], got[t % 2]) << "sessions of one resource share the object";
	}
}

TEST(ResourceCache, ReleasedWhenLastSessionForgets)
{
	ResourceCache<int> cache;
	auto a = cache.get_or_load(7, 1, [] { return std::make_shared<int>(1); });
	auto b = cache.get_or_load(7, 2, [] { return std::make_shared<int>(2); });
	EXPECT_EQ(a, b);
	EXPECT_TRUE(cache.used_by(7, 1));
	EXPECT_FALSE(cache.forget(7, 1)) << "session 2 still uses it";
	EXPECT_FALSE(cache.used_by(7, 1));
	EXPECT_TRUE(cache.find(7));
	EXPECT_TRUE(cache.forget(7, 2));
	EXPECT_FALSE(cache.find(7));
	EXPECT_EQ(*a, 1) << "holders keep the object alive after release";
	EXPECT_FALSE(cache.forget(99, 1));
	auto c = cache.get_or_load(7, 3, [] { return std::make_shared<int>(3); });
	EXPECT_EQ(*c, 3) << "loaded anew after release";
}

TEST(ResourceCache, FailedLoadIsNotCached)
{
	ResourceCache<int> cache;
	int attempts = 0;
	EXPECT_FALSE(cache.get_or_load(5, 1, [&] {
		++attempts;
		return std::shared_ptr<int>();
	}));
	EXPECT_EQ(cache.size(), 0U);
	EXPECT_FALSE(cache.used_by(5, 1));
	auto ok = cache.get_or_load(5, 1, [&] {
		++attempts;
		return std::make_shared<int>(9);
	});
	ASSERT_TRUE(ok);
	EXPECT_EQ(attempts, 2);
}
