// SPDX-License-Identifier: Apache-2.0
// vaccel/config.h and vaccel/core.h: config objects, bootstrap/cleanup,
// rundir, active config.
#include "vtest.hpp"
#include "vtest_c_calls.h"

#include <cstdlib>

namespace {

using vtest::VaccelTest;
namespace fs = std::filesystem;

TEST(Config, InitStoresCopies)
{
	std::string plugins = "a.so:b.so", log_file = "/tmp/x.log";
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init(&cfg, plugins.c_str(), VACCEL_LOG_DEBUG, log_file.c_str(), true, true));
	plugins[0] = 'X'; // must not affect the copy
	EXPECT_STREQ("a.so:b.so", cfg.plugins);
	EXPECT_EQ(VACCEL_LOG_DEBUG, cfg.log_level);
	EXPECT_STREQ("/tmp/x.log", cfg.log_file);
	EXPECT_TRUE(cfg.profiling_enabled);
	EXPECT_TRUE(cfg.version_ignore);
	EXPECT_NE(static_cast<const void *>(cfg.plugins), static_cast<const void *>(plugins.data()));
	ASSERT_OK(vaccel_config_release(&cfg));
	EXPECT_EQ(nullptr, cfg.plugins);
	EXPECT_EQ(nullptr, cfg.log_file);
}

TEST(Config, InitAcceptsNullStrings)
{
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init(&cfg, nullptr, VACCEL_LOG_ERROR, nullptr, false, false));
	EXPECT_EQ(nullptr, cfg.plugins);
	EXPECT_EQ(nullptr, cfg.log_file);
	EXPECT_EQ(VACCEL_LOG_ERROR, cfg.log_level);
	EXPECT_OK(vaccel_config_release(&cfg));
}

TEST(Config, InitRejectsNullAndBadLevel)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_init(nullptr, nullptr, VACCEL_LOG_ERROR, nullptr, false, false));
	struct vaccel_config cfg {};
	EXPECT_EQ(VACCEL_EINVAL,
		  vaccel_config_init(&cfg, nullptr, static_cast<vaccel_log_level_t>(0), nullptr, false, false));
	// VACCEL_LOG_MAX is 5 as in vAccel 0.8 and doubles as the TRACE extension;
	// one past it is invalid.
	EXPECT_EQ(VACCEL_EINVAL,
		  vaccel_config_init(&cfg, nullptr, static_cast<vaccel_log_level_t>(VACCEL_LOG_TRACE + 1), nullptr,
				     false, false));
	// A C caller may pass any int as the level.
	EXPECT_EQ(VACCEL_EINVAL, vtest_c_config_init_level(&cfg, 99));
}

TEST(Config, NewAndDelete)
{
	struct vaccel_config *cfg = nullptr;
	ASSERT_OK(vaccel_config_new(&cfg, "p.so", VACCEL_LOG_WARN, nullptr, false, true));
	ASSERT_NE(nullptr, cfg);
	EXPECT_STREQ("p.so", cfg->plugins);
	EXPECT_EQ(VACCEL_LOG_WARN, cfg->log_level);
	EXPECT_TRUE(cfg->version_ignore);
	EXPECT_OK(vaccel_config_delete(cfg));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_new(nullptr, nullptr, VACCEL_LOG_ERROR, nullptr, false, false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_delete(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_release(nullptr));
}

TEST(Config, CopyIsDeep)
{
	struct vaccel_config src {
	}, dst{};
	ASSERT_OK(vaccel_config_init(&src, "one.so", VACCEL_LOG_INFO, "f.log", true, false));
	ASSERT_OK(vaccel_config_init_from(&dst, &src));
	EXPECT_STREQ("one.so", dst.plugins);
	EXPECT_STREQ("f.log", dst.log_file);
	EXPECT_NE(src.plugins, dst.plugins);
	EXPECT_EQ(VACCEL_LOG_INFO, dst.log_level);
	EXPECT_TRUE(dst.profiling_enabled);
	EXPECT_FALSE(dst.version_ignore);
	struct vaccel_config *heap = nullptr;
	ASSERT_OK(vaccel_config_from(&heap, &src));
	EXPECT_STREQ("one.so", heap->plugins);
	EXPECT_OK(vaccel_config_delete(heap));
	EXPECT_OK(vaccel_config_release(&src));
	EXPECT_STREQ("one.so", dst.plugins); // survives the source
	EXPECT_OK(vaccel_config_release(&dst));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_init_from(nullptr, &src));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_init_from(&dst, nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_from(nullptr, &src));
}

// Environment variables are read by the (in-process) env constructor; the
// library's own constructor is covered by the probe tests in test_env.cpp.
class ConfigEnv : public ::testing::Test {
protected:
	void SetUp() override { clear(); }
	void TearDown() override { clear(); }
	static void clear()
	{
		for (const char *v : {"VACCEL_PLUGINS", "VACCEL_BACKENDS", "VACCEL_LOG_LEVEL", "VACCEL_DEBUG_LEVEL",
				      "VACCEL_LOG_FILE", "VACCEL_PROFILING_ENABLED", "VACCEL_PROF_ENABLED",
				      "VACCEL_VERSION_IGNORE", "VACCEL_IGNORE_VERSION"})
			unsetenv(v);
	}
};

TEST_F(ConfigEnv, DefaultsWhenUnset)
{
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init_from_env(&cfg));
	EXPECT_EQ(nullptr, cfg.plugins);
	EXPECT_EQ(VACCEL_LOG_ERROR, cfg.log_level);
	EXPECT_EQ(nullptr, cfg.log_file);
	EXPECT_FALSE(cfg.profiling_enabled);
	EXPECT_FALSE(cfg.version_ignore);
	EXPECT_OK(vaccel_config_release(&cfg));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_config_init_from_env(nullptr));
}

TEST_F(ConfigEnv, ReadsCurrentNames)
{
	setenv("VACCEL_PLUGINS", "x.so:y.so", 1);
	setenv("VACCEL_LOG_LEVEL", "4", 1);
	setenv("VACCEL_LOG_FILE", "/tmp/some.log", 1);
	setenv("VACCEL_PROFILING_ENABLED", "1", 1);
	setenv("VACCEL_VERSION_IGNORE", "1", 1);
	struct vaccel_config *cfg = nullptr;
	ASSERT_OK(vaccel_config_from_env(&cfg));
	EXPECT_STREQ("x.so:y.so", cfg->plugins);
	EXPECT_EQ(VACCEL_LOG_DEBUG, cfg->log_level);
	EXPECT_STREQ("/tmp/some.log", cfg->log_file);
	EXPECT_TRUE(cfg->profiling_enabled);
	EXPECT_TRUE(cfg->version_ignore);
	vaccel_config_print_debug(cfg); // must not crash
	vaccel_config_print_debug(nullptr);
	EXPECT_OK(vaccel_config_delete(cfg));
}

TEST_F(ConfigEnv, ReadsLegacyNames)
{
	setenv("VACCEL_BACKENDS", "legacy.so", 1);
	setenv("VACCEL_DEBUG_LEVEL", "3", 1);
	setenv("VACCEL_PROF_ENABLED", "1", 1);
	setenv("VACCEL_IGNORE_VERSION", "1", 1);
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init_from_env(&cfg));
	EXPECT_STREQ("legacy.so", cfg.plugins);
	EXPECT_EQ(VACCEL_LOG_INFO, cfg.log_level);
	EXPECT_TRUE(cfg.profiling_enabled);
	EXPECT_TRUE(cfg.version_ignore);
	EXPECT_OK(vaccel_config_release(&cfg));
}

TEST_F(ConfigEnv, CurrentNamesWinOverLegacy)
{
	setenv("VACCEL_BACKENDS", "legacy.so", 1);
	setenv("VACCEL_PLUGINS", "new.so", 1);
	setenv("VACCEL_DEBUG_LEVEL", "3", 1);
	setenv("VACCEL_LOG_LEVEL", "2", 1);
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init_from_env(&cfg));
	EXPECT_STREQ("new.so", cfg.plugins);
	EXPECT_EQ(VACCEL_LOG_WARN, cfg.log_level);
	EXPECT_OK(vaccel_config_release(&cfg));
}

TEST_F(ConfigEnv, ZeroMeansFalse)
{
	setenv("VACCEL_PROFILING_ENABLED", "0", 1);
	setenv("VACCEL_VERSION_IGNORE", "0", 1);
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init_from_env(&cfg));
	EXPECT_FALSE(cfg.profiling_enabled);
	EXPECT_FALSE(cfg.version_ignore);
	EXPECT_OK(vaccel_config_release(&cfg));
}

// ---- core lifecycle ----------------------------------------------------------------------------

TEST_F(VaccelTest, BootstrapWithConfigInitialises)
{
	ASSERT_OK(bootstrap(VTEST_CPU, VACCEL_LOG_WARN, false, true));
	EXPECT_TRUE(vaccel_is_initialized());
	const struct vaccel_config *active = vaccel_config();
	ASSERT_NE(nullptr, active);
	EXPECT_STREQ(VTEST_CPU, active->plugins);
	EXPECT_EQ(VACCEL_LOG_WARN, active->log_level);
	EXPECT_TRUE(active->version_ignore);
	EXPECT_EQ(1u, vaccel_plugin_count());
	const char *rundir = vaccel_rundir();
	ASSERT_NE(nullptr, rundir);
	EXPECT_TRUE(fs::is_directory(rundir)) << rundir;
}

TEST_F(VaccelTest, BootstrapWithConfigCopiesTheConfig)
{
	struct vaccel_config cfg {};
	ASSERT_OK(vaccel_config_init(&cfg, VTEST_CPU, VACCEL_LOG_ERROR, nullptr, false, false));
	ASSERT_OK(vaccel_bootstrap_with_config(&cfg));
	ASSERT_OK(vaccel_config_release(&cfg));
	ASSERT_NE(nullptr, vaccel_config());
	EXPECT_STREQ(VTEST_CPU, vaccel_config()->plugins);
}

TEST_F(VaccelTest, BootstrapWithNullConfigIsEinval)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_bootstrap_with_config(nullptr));
}

TEST_F(VaccelTest, CleanupRemovesRundirAndIsIdempotent)
{
	ASSERT_OK(bootstrap(""));
	std::string rundir = vaccel_rundir();
	ASSERT_TRUE(fs::is_directory(rundir));
	ASSERT_OK(vaccel_cleanup());
	EXPECT_FALSE(vaccel_is_initialized());
	EXPECT_EQ(nullptr, vaccel_rundir());
	EXPECT_EQ(nullptr, vaccel_config());
	EXPECT_FALSE(fs::exists(rundir)) << rundir;
	EXPECT_OK(vaccel_cleanup());
	EXPECT_EQ(0u, vaccel_plugin_count());
}

TEST_F(VaccelTest, RundirLooksLikeTheReference)
{
	ASSERT_OK(bootstrap(""));
	std::string rundir = vaccel_rundir();
	// /run/user/<uid>/vaccel/<random>, or a vaccel directory under $TMPDIR
	EXPECT_NE(std::string::npos, rundir.find("vaccel")) << rundir;
	EXPECT_TRUE(fs::path(rundir).is_absolute()) << rundir;
}

TEST_F(VaccelTest, RebootstrapReloads)
{
	ASSERT_OK(bootstrap(VTEST_CPU));
	std::string first = vaccel_rundir();
	const vtest_record *rec = vtest::record(VTEST_CPU);
	ASSERT_NE(nullptr, rec);
	ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_GPU})));
	EXPECT_EQ(2u, vaccel_plugin_count());
	EXPECT_TRUE(vaccel_is_initialized());
	// The first runtime's rundir is gone (cleanup before reload).
	EXPECT_FALSE(fs::exists(first));
}

TEST_F(VaccelTest, BootstrapFromEnvironment)
{
	setenv("VACCEL_PLUGINS", VTEST_CPU, 1);
	setenv("VACCEL_LOG_LEVEL", "2", 1);
	ASSERT_OK(vaccel_bootstrap());
	unsetenv("VACCEL_PLUGINS");
	unsetenv("VACCEL_LOG_LEVEL");
	EXPECT_EQ(1u, vaccel_plugin_count());
	ASSERT_NE(nullptr, vaccel_config());
	EXPECT_EQ(VACCEL_LOG_WARN, vaccel_config()->log_level);
}

TEST_F(VaccelTest, CleanupCallsPluginFini)
{
	ASSERT_OK(bootstrap(VTEST_CPU));
	const vtest_record *rec = vtest::record(VTEST_CPU);
	ASSERT_NE(nullptr, rec);
	EXPECT_EQ(1u, rec->init_calls);
	EXPECT_EQ(0u, rec->fini_calls);
	// Keep the module mapped past the runtime's dlclose so the record can be read.
	void *pin = dlopen(VTEST_CPU, RTLD_NOW | RTLD_NOLOAD);
	ASSERT_NE(nullptr, pin);
	ASSERT_OK(vaccel_cleanup());
	EXPECT_EQ(1u, rec->fini_calls);
	dlclose(pin);
}

TEST_F(VaccelTest, CleanupReleasesLiveSessionsAndResources)
{
	ASSERT_OK(bootstrap(VTEST_CPU));
	vtest::TempDir tmp;
	vtest::write_file(tmp / "m.bin", "model");
	vaccel_session sess{};
	vaccel_resource res{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	ASSERT_OK(vaccel_resource_init(&res, (tmp / "m.bin").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	vaccel_id_t sess_id = sess.id;
	std::string rundir = vaccel_rundir();
	std::string sess_dir = sess.rundir;
	ASSERT_OK(vaccel_cleanup());
	EXPECT_FALSE(fs::exists(rundir));
	EXPECT_FALSE(fs::exists(sess_dir));
	vaccel_session *found = nullptr;
	EXPECT_NE(VACCEL_OK, vaccel_session_get_by_id(&found, sess_id));
	// (ASan/LSan builds check that cleanup freed what the structs owned.)
}

} // namespace
