// SPDX-License-Identifier: Apache-2.0
// Environment configuration and the library constructor/destructor, seen
// from a child process (vtest-probe) started with a controlled environment:
// VACCEL_PLUGINS (+ a bad plugin never exit()s the process), VACCEL_LOG_LEVEL,
// VACCEL_LOG_FILE, VACCEL_PROFILING_ENABLED, VACCEL_VERSION_IGNORE,
// VACCEL_BOOTSTRAP_ENABLED, VACCEL_CLEANUP_ENABLED and the legacy names.
#include "vtest.hpp"

namespace {

namespace fs = std::filesystem;
using Env = std::vector<std::pair<std::string, std::string>>;

struct Probe {
	vtest::ChildResult child;
	std::map<std::string, std::string> kv;
};

Probe probe(const Env &env, std::vector<std::string> args = {})
{
	std::vector<std::string> argv = {VTEST_PROBE};
	argv.insert(argv.end(), args.begin(), args.end());
	Probe p;
	p.child = vtest::run_child(argv, env, 60);
	p.kv = vtest::parse_kv(p.child.output);
	return p;
}

#define EXPECT_CLEAN_EXIT(p)                                                                                           \
	do {                                                                                                           \
		EXPECT_FALSE((p).child.timed_out);                                                                     \
		EXPECT_EQ(0, (p).child.signal) << (p).child.output;                                                    \
		EXPECT_EQ(0, (p).child.exit_code) << (p).child.output;                                                 \
		EXPECT_EQ(1u, (p).kv.count("done")) << (p).child.output;                                               \
	} while (0)

TEST(Env, PluginsLoadedByConstructor)
{
	auto p = probe({{"VACCEL_PLUGINS", VTEST_CPU}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["initialized"]);
	EXPECT_EQ("1", p.kv["plugin_count"]);
	EXPECT_EQ(VTEST_CPU, p.kv["plugins"]);
	EXPECT_EQ("0", p.kv["session_rc"]);
	EXPECT_EQ("vtest-cpu", p.kv["plugin"]);
	EXPECT_EQ("0", p.kv["noop_rc"]);
}

TEST(Env, MissingPluginDoesNotExitTheProcess)
{
	std::string bad = VTEST_PLUGIN_DIR "/libvaccel-not-there.so";
	auto p = probe({{"VACCEL_PLUGINS", bad + ":" + VTEST_CPU}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["initialized"]);
	EXPECT_EQ("1", p.kv["plugin_count"]);
	EXPECT_EQ("0", p.kv["session_rc"]) << p.child.output;
	EXPECT_EQ("vtest-cpu", p.kv["plugin"]);
	// One clear line naming the plugin, at the default (error) level.
	EXPECT_GE(vtest::count_lines_with(p.child.output, "libvaccel-not-there.so"), 1u) << p.child.output;
}

TEST(Env, BrokenPluginsDoNotExitTheProcess)
{
	for (const char *bad : {VTEST_NOSYM, VTEST_BADMAJOR, VTEST_INITFAIL, VTEST_NONAME}) {
		SCOPED_TRACE(bad);
		auto p = probe({{"VACCEL_PLUGINS", std::string(bad) + ":" + VTEST_CPU}});
		EXPECT_CLEAN_EXIT(p);
		EXPECT_EQ("1", p.kv["plugin_count"]);
		EXPECT_EQ("vtest-cpu", p.kv["plugin"]);
		EXPECT_GE(vtest::count_lines_with(p.child.output, fs::path(bad).filename().string()), 1u)
			<< p.child.output;
	}
}

TEST(Env, OnlyBadPluginMeansSessionsFailCleanly)
{
	auto p = probe({{"VACCEL_PLUGINS", VTEST_NOSYM}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("0", p.kv["plugin_count"]);
	EXPECT_EQ(std::to_string(VACCEL_ENOTSUP), p.kv["session_rc"]);
}

TEST(Env, NoPluginsAtAll)
{
	auto p = probe({});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["initialized"]);
	EXPECT_EQ("(null)", p.kv["plugins"]);
	EXPECT_EQ("1", p.kv["log_level"]);
	EXPECT_EQ(std::to_string(VACCEL_ENOTSUP), p.kv["session_rc"]);
}

TEST(Env, RemoteFlagPicksTransport)
{
	auto p = probe({{"VACCEL_PLUGINS", vtest::plugin_list({VTEST_CPU, VTEST_REMOTE})}},
		       {"flags=" + std::to_string(VACCEL_PLUGIN_REMOTE)});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("vtest-remote", p.kv["plugin"]);
}

TEST(Env, LogLevelDefaultShowsErrorsOnly)
{
	auto p = probe({});
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-error"));
	EXPECT_EQ(0u, vtest::count_lines_with(p.child.output, "probe-line-warn"));
	EXPECT_EQ(0u, vtest::count_lines_with(p.child.output, "probe-line-info"));
	EXPECT_EQ(0u, vtest::count_lines_with(p.child.output, "probe-line-debug"));
}

TEST(Env, LogLevelDebug)
{
	auto p = probe({{"VACCEL_LOG_LEVEL", "4"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("4", p.kv["log_level"]);
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-warn"));
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-info"));
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-debug"));
}

TEST(Env, LegacyDebugLevel)
{
	auto p = probe({{"VACCEL_DEBUG_LEVEL", "3"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("3", p.kv["log_level"]);
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-info"));
	EXPECT_EQ(0u, vtest::count_lines_with(p.child.output, "probe-line-debug"));
}

TEST(Env, InvalidLogLevelKeepsRunning)
{
	auto p = probe({{"VACCEL_LOG_LEVEL", "banana"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["log_level"]);
}

TEST(Env, LogFile)
{
	vtest::TempDir tmp;
	std::string file = (tmp / "probe.log").string();
	auto p = probe({{"VACCEL_LOG_FILE", file}, {"VACCEL_LOG_LEVEL", "2"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ(file, p.kv["log_file"]);
	EXPECT_EQ(0u, vtest::count_lines_with(p.child.output, "probe-line-error")) << "goes to the file";
	std::string all;
	for (const auto &e : fs::directory_iterator(tmp.path()))
		all += vtest::read_file(e.path());
	EXPECT_EQ(1u, vtest::count_lines_with(all, "probe-line-error")) << all;
	EXPECT_EQ(1u, vtest::count_lines_with(all, "probe-line-warn")) << all;
	EXPECT_EQ(0u, vtest::count_lines_with(all, "probe-line-info")) << all;
}

TEST(Env, LogFileDevStderrKeepsScreenOutput)
{
	auto p = probe({{"VACCEL_LOG_FILE", "/dev/stderr"}, {"VACCEL_LOG_LEVEL", "2"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-error")) << p.child.output;
	EXPECT_EQ(1u, vtest::count_lines_with(p.child.output, "probe-line-warn")) << p.child.output;
}

TEST(Env, ProfilingEnabled)
{
	auto p = probe({{"VACCEL_PROFILING_ENABLED", "1"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["profiling"]);
	EXPECT_EQ("1", p.kv["prof_enabled"]);
	auto off = probe({});
	EXPECT_EQ("0", off.kv["prof_enabled"]);
}

TEST(Env, LegacyProfEnabled)
{
	auto p = probe({{"VACCEL_PROF_ENABLED", "1"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["prof_enabled"]);
}

TEST(Env, VersionIgnore)
{
	auto strict = probe({{"VACCEL_PLUGINS", VTEST_BADMAJOR}});
	EXPECT_CLEAN_EXIT(strict);
	EXPECT_EQ("0", strict.kv["plugin_count"]);
	auto lax = probe({{"VACCEL_PLUGINS", VTEST_BADMAJOR}, {"VACCEL_VERSION_IGNORE", "1"}});
	EXPECT_CLEAN_EXIT(lax);
	EXPECT_EQ("1", lax.kv["version_ignore"]);
	EXPECT_EQ("1", lax.kv["plugin_count"]);
	EXPECT_EQ("vtest-badmajor", lax.kv["plugin"]);
}

TEST(Env, LegacyBackendsWarns)
{
	auto p = probe({{"VACCEL_BACKENDS", VTEST_CPU}, {"VACCEL_LOG_LEVEL", "2"}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("1", p.kv["plugin_count"]);
	EXPECT_EQ("vtest-cpu", p.kv["plugin"]);
	size_t warnings = 0;
	std::istringstream in(p.child.output);
	std::string line;
	while (std::getline(in, line))
		if (line.find("VACCEL_BACKENDS") != std::string::npos && line.find("deprecated") != std::string::npos)
			++warnings;
	EXPECT_GE(warnings, 1u) << p.child.output;
}

TEST(Env, BootstrapDisabled)
{
	auto p = probe({{"VACCEL_BOOTSTRAP_ENABLED", "0"}, {"VACCEL_PLUGINS", VTEST_CPU}});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("0", p.kv["initialized"]);
	EXPECT_EQ("(null)", p.kv["rundir"]);
	EXPECT_EQ("0", p.kv["plugin_count"]);
	EXPECT_NE("0", p.kv["session_rc"]);

	auto q = probe({{"VACCEL_BOOTSTRAP_ENABLED", "0"}, {"VACCEL_PLUGINS", VTEST_CPU}}, {"bootstrap"});
	EXPECT_CLEAN_EXIT(q);
	EXPECT_EQ("0", q.kv["bootstrap_rc"]);
	EXPECT_EQ("1", q.kv["initialized"]);
	EXPECT_EQ("vtest-cpu", q.kv["plugin"]);
}

TEST(Env, DestructorCleansUpRundir)
{
	auto p = probe({{"VACCEL_PLUGINS", VTEST_CPU}});
	EXPECT_CLEAN_EXIT(p);
	ASSERT_NE("(null)", p.kv["rundir"]);
	EXPECT_FALSE(fs::exists(p.kv["rundir"])) << p.kv["rundir"];
}

TEST(Env, CleanupDisabledLeavesRundir)
{
	auto p = probe({{"VACCEL_PLUGINS", VTEST_CPU}, {"VACCEL_CLEANUP_ENABLED", "0"}});
	EXPECT_CLEAN_EXIT(p);
	std::string rundir = p.kv["rundir"];
	ASSERT_FALSE(rundir.empty());
	ASSERT_NE("(null)", rundir);
	EXPECT_TRUE(fs::is_directory(rundir)) << rundir;
	std::error_code ec;
	fs::remove_all(rundir, ec); // the probe's leftovers are ours to remove
}

TEST(Env, ExplicitCleanupThenDestructor)
{
	auto p = probe({{"VACCEL_PLUGINS", VTEST_CPU}}, {"cleanup"});
	EXPECT_CLEAN_EXIT(p);
	EXPECT_EQ("0", p.kv["cleanup_rc"]);
}

} // namespace
