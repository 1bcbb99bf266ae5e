// SPDX-License-Identifier: Apache-2.0
// vAccel 0.8 logging ABI (issue 12): the slog 1.8.22 functions that binaries
// built against the reference headers call, routed into our logger with the
// level filtering of the active config, and VACCEL_LOG_MAX = 5.
#include <cstddef>

#include "vtest.hpp"

namespace {

using vtest::VaccelTest;

// The reference layout of SLogConfig (slog 1.8.22, LP64): callers pass their
// own struct to slog_config_get(), which must not write past it.
static_assert(sizeof(SLogConfig) == 2312);
static_assert(offsetof(SLogConfig, sFilePath) == 256);
static_assert(offsetof(SLogConfig, eColorFormat) == 2304);
static_assert(offsetof(SLogConfig, nFlags) == 2310);
static_assert(SLOG_NOTAG == 1 && SLOG_NOTE == 2 && SLOG_INFO == 4 && SLOG_WARN == 8 && SLOG_DEBUG == 16 &&
	      SLOG_TRACE == 32 && SLOG_ERROR == 64 && SLOG_FATAL == 128);
static_assert(VACCEL_LOG_MAX == 5, "vAccel 0.8 value");
static_assert(VACCEL_LOG_TRACE > VACCEL_LOG_DEBUG, "TRACE stays the most verbose level");

class Slog : public VaccelTest {
protected:
	void TearDown() override
	{
		slog_init(nullptr, 0, 0); // back to "all flags" for the next test
		VaccelTest::TearDown();
	}
	// Logs one line per slog flag with the slog macros and returns the log text.
	std::string log_all_at(vaccel_log_level_t level)
	{
		const auto file = dir_ / ("log-" + std::to_string(level));
		EXPECT_OK(bootstrap("", level, false, false, file.c_str()));
		slog_error("E-%d", 1);
		slog_fatal("F-%d", 2);
		slog_warn("W-%d", 3);
		slog_info("I-%d", 4);
		slog_note("N-%d", 5);
		slog("T0-%d", 6);
		slog_debug("D-%d", 7);
		slog_trace("R-%d", 8);
		vaccel_log_shutdown();
		return vtest::read_file(file);
	}
	vtest::TempDir dir_;
};

TEST_F(Slog, LinesAppearAtTheirLevels)
{
	const std::string err = log_all_at(VACCEL_LOG_ERROR);
	EXPECT_EQ(1u, vtest::count_lines_with(err, "<error> E-1"));
	EXPECT_EQ(1u, vtest::count_lines_with(err, "<error> [")) << "fatal carries its location";
	EXPECT_EQ(1u, vtest::count_lines_with(err, "F-2"));
	EXPECT_EQ(0u, vtest::count_lines_with(err, "W-3"));
	EXPECT_EQ(0u, vtest::count_lines_with(err, "I-4"));

	const std::string warn = log_all_at(VACCEL_LOG_WARN);
	EXPECT_EQ(1u, vtest::count_lines_with(warn, "<warn> W-3"));
	EXPECT_EQ(0u, vtest::count_lines_with(warn, "I-4"));

	const std::string info = log_all_at(VACCEL_LOG_INFO);
	EXPECT_EQ(1u, vtest::count_lines_with(info, "<info> I-4"));
	EXPECT_EQ(1u, vtest::count_lines_with(info, "<info> N-5"));
	EXPECT_EQ(1u, vtest::count_lines_with(info, "<info> T0-6"));
	EXPECT_EQ(0u, vtest::count_lines_with(info, "D-7"));

	const std::string debug = log_all_at(VACCEL_LOG_DEBUG);
	EXPECT_EQ(1u, vtest::count_lines_with(debug, "<debug> D-7"));
	EXPECT_EQ(0u, vtest::count_lines_with(debug, "R-8"));

	const std::string trace = log_all_at(VACCEL_LOG_TRACE);
	EXPECT_EQ(1u, vtest::count_lines_with(trace, "R-8"));
	EXPECT_EQ(1u, vtest::count_lines_with(trace, "<trace> [")) << "trace carries its location";
	EXPECT_EQ(2u, vtest::count_lines_with(trace, "test_compat_slog.cpp:"))
		<< "fatal and trace carry their location";
	for (const char *m : {"E-1", "F-2", "W-3", "I-4", "N-5", "T0-6", "D-7", "R-8"})
		EXPECT_EQ(1u, vtest::count_lines_with(trace, m)) << m << " at trace level";
}

TEST_F(Slog, NoNewlineAndBadFlagsAndNullFormat)
{
	const auto file = dir_ / "log";
	ASSERT_OK(bootstrap("", VACCEL_LOG_INFO, false, false, file.c_str()));
	slog_print(SLOG_INFO, 0, "part-%s", "one");
	slog_print(SLOG_INFO, 1, "|end");
	slog_print(static_cast<SLOG_FLAGS_E>(0), 1, "no-flag");
	slog_print(static_cast<SLOG_FLAGS_E>(1 << 9), 1, "unknown-flag");
	slog_print(SLOG_ERROR, 1, nullptr);
	vaccel_log_shutdown();
	const std::string text = vtest::read_file(file);
	EXPECT_EQ(1u, vtest::count_lines_with(text, "part-one")) << text;
	EXPECT_EQ(0u, vtest::count_lines_with(text, "flag"));
}

TEST_F(Slog, ConfigKeepsStateAndFiltersFlags)
{
	const auto file = dir_ / "log";
	ASSERT_OK(bootstrap("", VACCEL_LOG_DEBUG, false, false, file.c_str()));
	SLogConfig cfg{};
	slog_config_get(&cfg);
	EXPECT_EQ(SLOG_FLAGS_ALL, cfg.nFlags);
	EXPECT_EQ(1, cfg.nToScreen);

	slog_disable(SLOG_DEBUG);
	slog_config_get(&cfg);
	EXPECT_EQ(SLOG_FLAGS_ALL & ~SLOG_DEBUG, cfg.nFlags);
	slog_debug("hidden-debug");
	slog_enable(SLOG_DEBUG);
	slog_debug("shown-debug");

	strcpy(cfg.sFileName, "app");
	cfg.nFlags = SLOG_ERROR;
	slog_config_set(&cfg);
	SLogConfig back{};
	slog_config_get(&back);
	EXPECT_STREQ("app", back.sFileName);
	EXPECT_EQ(SLOG_ERROR, back.nFlags);
	slog_info("hidden-info");
	slog_error("shown-error");

	slog_init("named", SLOG_INFO | SLOG_ERROR, 1);
	slog_config_get(&back);
	EXPECT_STREQ("named", back.sFileName);
	EXPECT_EQ(SLOG_INFO | SLOG_ERROR, back.nFlags);
	slog_destroy();
	slog_config_get(&back);
	EXPECT_EQ(SLOG_INFO | SLOG_ERROR, back.nFlags) << "destroy keeps the state";

	slog_config_get(nullptr); // never crash
	slog_config_set(nullptr);
	slog_init(nullptr, 0, 0);
	vaccel_log_shutdown();
	const std::string text = vtest::read_file(file);
	EXPECT_EQ(0u, vtest::count_lines_with(text, "hidden"));
	EXPECT_EQ(1u, vtest::count_lines_with(text, "shown-debug"));
	EXPECT_EQ(1u, vtest::count_lines_with(text, "shown-error"));
}

TEST(SlogVersion, IsTheBundledOne)
{
	EXPECT_STREQ("1.8.22", slog_version(1));
	EXPECT_STREQ("1.8 build 22", slog_version(0));
}

TEST(LogLevels, MaxIsFiveAndTraceStillWorks)
{
	struct vaccel_config cfg {};
	EXPECT_OK(vaccel_config_init(&cfg, nullptr, VACCEL_LOG_TRACE, nullptr, false, false));
	EXPECT_EQ(VACCEL_LOG_TRACE, cfg.log_level);
	EXPECT_OK(vaccel_config_release(&cfg));
	EXPECT_STREQ("VACCEL_LOG_DEBUG", vaccel_log_level_to_str(VACCEL_LOG_DEBUG));
	EXPECT_STREQ("VACCEL_LOG_TRACE", vaccel_log_level_to_str(VACCEL_LOG_TRACE));
}

} // namespace
