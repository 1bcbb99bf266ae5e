// SPDX-License-Identifier: Apache-2.0
// vaccel/prof.h, vaccel/log.h, vaccel/utils/*.h, vaccel/op.h enum helpers,
// vaccel/error.h values.
#include "vtest.hpp"

#include <chrono>
#include <thread>

namespace {

using vtest::VaccelTest;
namespace fs = std::filesystem;

TEST_F(VaccelTest, ProfilingDisabledIsNoop)
{
	ASSERT_OK(bootstrap("", VACCEL_LOG_ERROR, /*profiling=*/false));
	EXPECT_FALSE(vaccel_prof_enabled());
	vaccel_prof_region r = VACCEL_PROF_REGION_INIT("off");
	EXPECT_OK(vaccel_prof_region_start(&r));
	EXPECT_OK(vaccel_prof_region_stop(&r));
	EXPECT_EQ(0u, r.nr_entries);
	EXPECT_OK(vaccel_prof_region_print(&r));
	EXPECT_OK(vaccel_prof_region_release(&r));
}

TEST_F(VaccelTest, ProfilingRegionsCollectSamples)
{
	ASSERT_OK(bootstrap("", VACCEL_LOG_ERROR, /*profiling=*/true));
	EXPECT_TRUE(vaccel_prof_enabled());
	vaccel_prof_region r{};
	ASSERT_OK(vaccel_prof_region_init(&r, "work"));
	EXPECT_STREQ("work", r.name);
	for (int i = 0; i < 3; ++i) {
		ASSERT_OK(vaccel_prof_region_start(&r));
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		ASSERT_OK(vaccel_prof_region_stop(&r));
	}
	ASSERT_EQ(3u, r.nr_entries);
	for (size_t i = 0; i < r.nr_entries; ++i) {
		EXPECT_GE(r.samples[i].time, 1'000'000u) << "at least ~2 ms each";
		EXPECT_LT(r.samples[i].time, 2'000'000'000u);
		if (i > 0) {
			EXPECT_GT(r.samples[i].start, r.samples[i - 1].start);
		}
	}
	EXPECT_EQ(VACCEL_EINVAL, vaccel_prof_region_stop(&r)) << "no open sample";
	EXPECT_OK(vaccel_prof_region_print(&r));
	EXPECT_OK(vaccel_prof_region_release(&r));
	EXPECT_EQ(0u, r.nr_entries);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_prof_region_init(nullptr, "x"));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_prof_region_start(nullptr));
}

TEST_F(VaccelTest, ProfilingBatchHelpers)
{
	ASSERT_OK(bootstrap("", VACCEL_LOG_ERROR, true));
	vaccel_prof_region regions[2] = {VACCEL_PROF_REGION_INIT("alpha"), VACCEL_PROF_REGION_INIT("beta")};
	ASSERT_OK(vaccel_prof_regions_init(regions, 2));
	ASSERT_OK(vaccel_prof_regions_start_by_name(regions, 2, "beta"));
	ASSERT_OK(vaccel_prof_regions_stop_by_name(regions, 2, "beta"));
	ASSERT_OK(vaccel_prof_regions_start_by_name(regions, 2, "alpha"));
	ASSERT_OK(vaccel_prof_regions_stop_by_name(regions, 2, "alpha"));
	ASSERT_OK(vaccel_prof_regions_start_by_name(regions, 2, "beta"));
	ASSERT_OK(vaccel_prof_regions_stop_by_name(regions, 2, "beta"));
	EXPECT_EQ(1u, regions[0].nr_entries);
	EXPECT_EQ(2u, regions[1].nr_entries);
	EXPECT_NE(VACCEL_OK, vaccel_prof_regions_start_by_name(regions, 2, "gamma"));
	EXPECT_OK(vaccel_prof_regions_print_all(regions, 2));

	char *text = nullptr;
	ASSERT_OK(vaccel_prof_regions_print_all_to_buf(&text, 0, regions, 2));
	ASSERT_NE(nullptr, text);
	std::string s = text;
	free(text);
	EXPECT_NE(std::string::npos, s.find("[prof] alpha: total_time: ")) << s;
	EXPECT_NE(std::string::npos, s.find("nr_entries: 1")) << s;
	EXPECT_NE(std::string::npos, s.find("[prof] beta: total_time: ")) << s;
	EXPECT_NE(std::string::npos, s.find("nr_entries: 2")) << s;

	char small[16];
	char *p = small;
	EXPECT_OK(vaccel_prof_regions_print_all_to_buf(&p, sizeof(small), regions, 2));
	EXPECT_LT(strlen(small), sizeof(small)) << "bounded by len and NUL-terminated";
	EXPECT_OK(vaccel_prof_regions_release(regions, 2));
}

TEST_F(VaccelTest, LogLevelsAndFile)
{
	vtest::TempDir tmp;
	std::string file = (tmp / "vaccel.log").string();
	ASSERT_OK(bootstrap("", VACCEL_LOG_WARN, false, false, file.c_str()));
	EXPECT_TRUE(vaccel_log_enabled(VACCEL_LOG_ERROR));
	EXPECT_TRUE(vaccel_log_enabled(VACCEL_LOG_WARN));
	EXPECT_FALSE(vaccel_log_enabled(VACCEL_LOG_INFO));
	EXPECT_FALSE(vaccel_log_enabled(VACCEL_LOG_DEBUG));
	vaccel_error("unit-error-%d", 1);
	vaccel_fatal("unit-fatal");
	vaccel_warn("unit-warn");
	vaccel_info("unit-info");
	vaccel_debug("unit-debug");
	vaccel_trace("unit-trace");
	vaccel_log_print(VACCEL_LOG_WARN, "unit-%s", "direct");
	ASSERT_OK(vaccel_log_shutdown());
	// The file may carry a date suffix (reference: <name>-YYYY-MM-DD.log):
	// read every file in the directory.
	std::string all;
	for (const auto &e : fs::directory_iterator(tmp.path()))
		all += vtest::read_file(e.path());
	EXPECT_EQ(1u, vtest::count_lines_with(all, "unit-error-1")) << all;
	EXPECT_EQ(1u, vtest::count_lines_with(all, "unit-fatal"));
	EXPECT_EQ(1u, vtest::count_lines_with(all, "unit-warn"));
	EXPECT_EQ(1u, vtest::count_lines_with(all, "unit-direct"));
	EXPECT_EQ(0u, vtest::count_lines_with(all, "unit-info"));
	EXPECT_EQ(0u, vtest::count_lines_with(all, "unit-debug"));
	EXPECT_EQ(0u, vtest::count_lines_with(all, "unit-trace"));
	// "YYYY.MM.DD-HH:MM:SS.cc - <level> message"
	std::istringstream lines(all);
	std::string line;
	while (std::getline(lines, line)) {
		if (line.find("unit-error-1") == std::string::npos)
			continue;
		ASSERT_GE(line.size(), 25u);
		EXPECT_EQ('.', line[4]) << line;
		EXPECT_EQ('-', line[10]) << line;
		EXPECT_EQ(':', line[13]) << line;
		EXPECT_NE(std::string::npos, line.find(" - ")) << line;
	}
	EXPECT_OK(vaccel_log_init()); // reopen is allowed
}

TEST_F(VaccelTest, LogDebugLevelShowsDebug)
{
	vtest::TempDir tmp;
	std::string file = (tmp / "d.log").string();
	ASSERT_OK(bootstrap("", VACCEL_LOG_DEBUG, false, false, file.c_str()));
	EXPECT_TRUE(vaccel_log_enabled(VACCEL_LOG_DEBUG));
	vaccel_debug("dbg-visible");
	vaccel_log_shutdown();
	std::string all;
	for (const auto &e : fs::directory_iterator(tmp.path()))
		all += vtest::read_file(e.path());
	EXPECT_EQ(1u, vtest::count_lines_with(all, "dbg-visible")) << all;
}

TEST(LogLevel, Names)
{
	EXPECT_EQ(1, VACCEL_LOG_ERROR);
	EXPECT_EQ(4, VACCEL_LOG_DEBUG);
	EXPECT_STREQ("VACCEL_LOG_WARN", vaccel_log_level_to_str(VACCEL_LOG_WARN));
	EXPECT_STREQ("INFO", vaccel_log_level_to_base_str(VACCEL_LOG_INFO));
	char buf[16];
	EXPECT_STREQ("debug", vaccel_log_level_name(VACCEL_LOG_DEBUG, buf, sizeof(buf)));
}

TEST(OpType, NumbersAndNames)
{
	EXPECT_EQ(0, VACCEL_OP_NOOP);
	EXPECT_EQ(3, VACCEL_OP_IMAGE_CLASSIFY);
	EXPECT_EQ(17, VACCEL_OP_BLAS_SGEMM);
	EXPECT_EQ(23, VACCEL_OP_OPENCV);
	EXPECT_EQ(24, VACCEL_OP_MAX);
	EXPECT_STREQ("VACCEL_OP_NOOP", vaccel_op_type_to_str(VACCEL_OP_NOOP));
	EXPECT_STREQ("IMAGE_CLASSIFY", vaccel_op_type_to_base_str(VACCEL_OP_IMAGE_CLASSIFY));
	char buf[32];
	EXPECT_STREQ("tflite_model_run", vaccel_op_type_name(VACCEL_OP_TFLITE_MODEL_RUN, buf, sizeof(buf)));
	EXPECT_EQ(nullptr, vaccel_op_type_name(VACCEL_OP_TFLITE_MODEL_RUN, buf, 4)) << "too small";
	EXPECT_STREQ("UNKNOWN", vaccel_op_type_to_str(VACCEL_OP_MAX));
	EXPECT_STREQ("unknown", vaccel_op_type_name(VACCEL_OP_MAX, buf, sizeof(buf)));
	// Every op has a distinct name.
	std::set<std::string> names;
	for (int i = 0; i < VACCEL_OP_MAX; ++i)
		names.insert(vaccel_op_type_to_base_str(static_cast<vaccel_op_type_t>(i)));
	EXPECT_EQ(static_cast<size_t>(VACCEL_OP_MAX), names.size());
	// Seed-era aliases map onto 0.8 values.
	EXPECT_EQ(VACCEL_OP_IMAGE_CLASSIFY, VACCEL_IMG_CLASS);
	EXPECT_EQ(VACCEL_OP_TORCH_MODEL_RUN, VACCEL_TORCH_JITLOAD_FORWARD);
	EXPECT_EQ(VACCEL_OP_MAX, VACCEL_FUNCTIONS_NR);
}

TEST(StrUtil, ToLower)
{
	char out[16];
	ASSERT_OK(vaccel_str_to_lower("MiXeD", out, sizeof(out), nullptr));
	EXPECT_STREQ("mixed", out);
	char *alloc = nullptr;
	ASSERT_OK(vaccel_str_to_lower("ABC", nullptr, 0, &alloc));
	EXPECT_STREQ("abc", alloc);
	free(alloc);
	char tiny[3];
	// vAccel 0.8: a short buffer gets a truncated copy and VACCEL_OK.
	EXPECT_OK(vaccel_str_to_lower("ABC", tiny, sizeof(tiny), nullptr));
	EXPECT_STREQ("ab", tiny);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_str_to_lower(nullptr, out, sizeof(out), nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_str_to_lower("x", nullptr, 0, nullptr));
}

TEST(ErrorCodes, AreLinuxErrnoValues)
{
	EXPECT_EQ(0, VACCEL_OK);
	EXPECT_EQ(22, VACCEL_EINVAL);
	EXPECT_EQ(12, VACCEL_ENOMEM);
	EXPECT_EQ(95, VACCEL_ENOTSUP);
	EXPECT_EQ(2, VACCEL_ENOENT);
	EXPECT_EQ(80, VACCEL_ELIBBAD);
	EXPECT_EQ(104, VACCEL_ESESS);
	EXPECT_EQ(71, VACCEL_EBACKEND);
	EXPECT_EQ(87, VACCEL_EUSERS);
	EXPECT_EQ(1, VACCEL_EPERM);
	EXPECT_EQ(38, VACCEL_ENOSYS);
	EXPECT_EQ(121, VACCEL_EREMOTEIO);
	EXPECT_EQ(VACCEL_EEXIST, VACCEL_EEXISTS);
}

} // namespace
