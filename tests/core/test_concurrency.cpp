// SPDX-License-Identifier: Apache-2.0
// Many threads creating/releasing sessions and resources and running ops at
// once (bounded counts; run under TSan in build-tsan).
#include "vtest.hpp"

#include <atomic>
#include <thread>

namespace {

using vtest::VaccelTest;

constexpr int kThreads = 8;
constexpr int kIterations = 40;

class Concurrency : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_REMOTE})));
		vtest::write_file(tmp / "model.bin", "shared-model");
	}
	vtest::TempDir tmp;
};

// Each worker owns its objects; failures are counted, not asserted, from
// threads (gtest assertions are only safe to report from the main thread here).
TEST_F(Concurrency, SessionsResourcesAndOps)
{
	std::atomic<int> failures{0}, noops{0};
	const std::string model_path = (tmp / "model.bin").string();
	auto worker = [&](int t) {
		for (int i = 0; i < kIterations; ++i) {
			uint32_t flags = (i % 3 == 0) ? VACCEL_PLUGIN_REMOTE : 0;
			vaccel_session sess{};
			if (vaccel_session_init(&sess, flags) != VACCEL_OK) {
				++failures;
				continue;
			}
			vaccel_resource file_res{}, buf_res{};
			char payload[32];
			int n = snprintf(payload, sizeof(payload), "t%d-i%d", t, i);
			bool ok =
				vaccel_resource_init(&file_res, model_path.c_str(), VACCEL_RESOURCE_MODEL) == VACCEL_OK;
			ok = ok &&
			     vaccel_resource_init_from_buf(&buf_res, payload, static_cast<size_t>(n),
							   VACCEL_RESOURCE_DATA, nullptr, i % 2 == 0) == VACCEL_OK;
			ok = ok && vaccel_resource_register(&file_res, &sess) == VACCEL_OK;
			ok = ok && vaccel_resource_register(&buf_res, &sess) == VACCEL_OK;
			ok = ok && vaccel_noop(&sess) == VACCEL_OK;
			unsigned char text[64] = {}, name[64] = {};
			ok = ok && vaccel_image_classification(&sess, payload, text, name, static_cast<size_t>(n),
							       sizeof(text), sizeof(name)) == VACCEL_OK;
			ok = ok &&
			     std::string(reinterpret_cast<char *>(text)) == "vtest-tag " + std::to_string(n) + " bytes";
			vaccel_session *found = nullptr;
			ok = ok && vaccel_session_get_by_id(&found, sess.id) == VACCEL_OK && found == &sess;
			vaccel_resource *res = nullptr;
			ok = ok && vaccel_resource_get_by_id(&res, buf_res.id) == VACCEL_OK && res == &buf_res;
			ok = ok && vaccel_resource_unregister(&file_res, &sess) == VACCEL_OK;
			if (!ok)
				++failures;
			else
				++noops;
			vaccel_resource_release(&file_res);
			vaccel_resource_release(&buf_res); // still registered: unregisters itself
			if (vaccel_session_release(&sess) != VACCEL_OK)
				++failures;
		}
	};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back(worker, t);
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(0, failures.load());
	EXPECT_EQ(kThreads * kIterations, noops.load());
	EXPECT_EQ(0u, vtest::count_entries(vaccel_rundir())) << "every session/resource dir removed";
}

TEST_F(Concurrency, OneResourceSharedByManySessions)
{
	vaccel_resource shared{};
	ASSERT_OK(vaccel_resource_init(&shared, (tmp / "model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	std::vector<vaccel_session> sessions(kThreads);
	for (auto &s : sessions)
		ASSERT_OK(vaccel_session_init(&s, 0));
	std::atomic<int> failures{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back([&, t] {
			for (int i = 0; i < kIterations; ++i) {
				if (vaccel_resource_register(&shared, &sessions[t]) != VACCEL_OK)
					++failures;
				if (!vaccel_session_has_resource(&sessions[t], &shared))
					++failures;
				if (vaccel_resource_refcount(&shared) < 1)
					++failures;
				if (vaccel_tflite_model_load(&sessions[t], &shared) != VACCEL_OK)
					++failures;
				if (vaccel_resource_unregister(&shared, &sessions[t]) != VACCEL_OK)
					++failures;
			}
			if (vaccel_resource_register(&shared, &sessions[t]) != VACCEL_OK)
				++failures;
		});
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(0, failures.load());
	EXPECT_EQ(kThreads, vaccel_resource_refcount(&shared));
	EXPECT_EQ(static_cast<unsigned>(kThreads * kIterations),
		  vtest::record(VTEST_CPU)->op_calls[VACCEL_OP_TFLITE_MODEL_LOAD]);
	EXPECT_OK(vaccel_resource_release(&shared));
	for (auto &s : sessions) {
		EXPECT_FALSE(vaccel_session_has_resource(&s, &shared));
		EXPECT_OK(vaccel_session_release(&s));
	}
}

TEST_F(Concurrency, OpsOnOneSessionFromManyThreads)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	std::atomic<int> failures{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back([&] {
			for (int i = 0; i < kIterations * 5; ++i) {
				int32_t in = i, out = -1;
				vaccel_arg r{}, w{};
				vaccel_arg_init_from_buf(&r, &in, sizeof(in), VACCEL_ARG_INT32, 0);
				vaccel_arg_init_from_buf(&w, &out, sizeof(out), VACCEL_ARG_INT32, 0);
				if (vaccel_exec(&sess, "l.so", "f", &r, 1, &w, 1) != VACCEL_OK || out != 2 * i)
					++failures;
				if (vaccel_noop(&sess) != VACCEL_OK)
					++failures;
			}
		});
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(0, failures.load());
	EXPECT_EQ(static_cast<unsigned>(kThreads * kIterations * 5),
		  vtest::record(VTEST_CPU)->op_calls[VACCEL_OP_NOOP]);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Concurrency, ProfilingAndLoggingFromManyThreads)
{
	ASSERT_OK(bootstrap(VTEST_CPU, VACCEL_LOG_ERROR, /*profiling=*/true));
	std::atomic<int> failures{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back([&] {
			vaccel_prof_region r{};
			if (vaccel_prof_region_init(&r, "thread") != VACCEL_OK)
				++failures;
			vaccel_session s{};
			if (vaccel_session_init(&s, 0) != VACCEL_OK) {
				++failures;
				return;
			}
			for (int i = 0; i < kIterations; ++i) {
				vaccel_prof_region_start(&r);
				if (vaccel_noop(&s) != VACCEL_OK)
					++failures;
				vaccel_prof_region_stop(&r);
				vaccel_debug("debug line from a thread %d", i); // below level: dropped
			}
			if (r.nr_entries != static_cast<size_t>(kIterations))
				++failures;
			vaccel_prof_region_release(&r);
			vaccel_session_release(&s);
		});
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(0, failures.load());
}

} // namespace
