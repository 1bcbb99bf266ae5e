// SPDX-License-Identifier: Apache-2.0
// vaccel/plugin.h: run-time loading and its failures, version checks,
// op registration, and per-session plugin selection (hint and REMOTE flag).
#include "vtest.hpp"

namespace {

using vtest::VaccelTest;

class PluginLoad : public VaccelTest {
protected:
	void SetUp() override { ASSERT_OK(bootstrap("")); }
};

TEST_F(PluginLoad, LoadsByPath)
{
	EXPECT_EQ(0u, vaccel_plugin_count());
	ASSERT_OK(vaccel_plugin_load(VTEST_CPU));
	EXPECT_EQ(1u, vaccel_plugin_count());
	const vtest_record *rec = vtest::record(VTEST_CPU);
	ASSERT_NE(nullptr, rec);
	EXPECT_EQ(1u, rec->init_calls);
}

TEST_F(PluginLoad, MissingFileIsEnoent)
{
	EXPECT_EQ(VACCEL_ENOENT, vaccel_plugin_load(VTEST_PLUGIN_DIR "/libdoes-not-exist.so"));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_plugin_load("libvaccel-no-such-plugin-xyz.so"));
	EXPECT_EQ(0u, vaccel_plugin_count());
}

TEST_F(PluginLoad, NotASharedObjectIsEnoent)
{
	vtest::TempDir tmp;
	vtest::write_file(tmp / "libfake.so", "this is not an ELF file");
	EXPECT_EQ(VACCEL_ENOENT, vaccel_plugin_load((tmp / "libfake.so").c_str()));
	EXPECT_EQ(0u, vaccel_plugin_count());
}

TEST_F(PluginLoad, MissingSymbolIsElibbad)
{
	EXPECT_EQ(VACCEL_ELIBBAD, vaccel_plugin_load(VTEST_NOSYM));
	EXPECT_EQ(0u, vaccel_plugin_count());
}

TEST_F(PluginLoad, WrongMajorVersionIsEinval)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_load(VTEST_BADMAJOR));
	EXPECT_EQ(0u, vaccel_plugin_count());
}

TEST_F(PluginLoad, MinorVersionDifferenceOnlyWarns)
{
	EXPECT_OK(vaccel_plugin_load(VTEST_MINOR));
	EXPECT_EQ(1u, vaccel_plugin_count());
}

TEST_F(PluginLoad, MissingNameIsEinval)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_load(VTEST_NONAME));
	EXPECT_EQ(0u, vaccel_plugin_count());
}

TEST_F(PluginLoad, InitFailureReturnsItsErrorAndUnloads)
{
	EXPECT_EQ(VACCEL_EIO, vaccel_plugin_load(VTEST_INITFAIL));
	EXPECT_EQ(0u, vaccel_plugin_count());
	vaccel_session sess{};
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_session_init(&sess, 0));
}

TEST_F(PluginLoad, DoubleLoadIsEexist)
{
	ASSERT_OK(vaccel_plugin_load(VTEST_CPU));
	EXPECT_EQ(VACCEL_EEXIST, vaccel_plugin_load(VTEST_CPU));
	EXPECT_EQ(1u, vaccel_plugin_count());
}

TEST_F(PluginLoad, NullIsEinval)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_load(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_parse_and_load(nullptr));
}

TEST_F(PluginLoad, CxxPluginLoads)
{
	ASSERT_OK(vaccel_plugin_load(VTEST_CXX));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_GENERIC));
	EXPECT_STREQ("vtest-cxx", sess.plugin->info->name);
	EXPECT_OK(vaccel_noop(&sess));
	void *h = dlopen(VTEST_CXX, RTLD_NOW | RTLD_NOLOAD);
	ASSERT_NE(nullptr, h);
	auto calls = reinterpret_cast<int (*)()>(dlsym(h, "vtest_cxx_noop_calls"));
	ASSERT_NE(nullptr, calls);
	EXPECT_EQ(1, calls());
	dlclose(h);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(PluginLoad, SeedEraMacrosAndRegistration)
{
	ASSERT_OK(vaccel_plugin_load(VTEST_SEED));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_FPGA));
	EXPECT_STREQ("vtest-seed", sess.plugin->info->name);
	for (int op = 0; op < VACCEL_OP_MAX; ++op)
		EXPECT_NE(nullptr, sess.plugin->ops[op]) << op;
	int a[2] = {1, 2}, b[2] = {};
	EXPECT_OK(vaccel_fpga_arraycopy(&sess, a, b, 2));
	EXPECT_EQ(2, b[1]);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(PluginLoad, ParseAndLoadAttemptsEveryEntryAndReturnsFirstError)
{
	std::string list = vtest::plugin_list({VTEST_NOSYM, VTEST_CPU, VTEST_BADMAJOR, VTEST_GPU});
	EXPECT_EQ(VACCEL_ELIBBAD, vaccel_plugin_parse_and_load(list.c_str()));
	EXPECT_EQ(2u, vaccel_plugin_count());
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_GPU));
	EXPECT_STREQ("vtest-gpu", sess.plugin->info->name);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(PluginLoad, ParseAndLoadAllGood)
{
	EXPECT_OK(vaccel_plugin_parse_and_load(vtest::plugin_list({VTEST_CPU, VTEST_GPU}).c_str()));
	EXPECT_EQ(2u, vaccel_plugin_count());
}

TEST_F(VaccelTest, BootstrapWithBadPluginKeepsRuntimeUsable)
{
	std::string list = vtest::plugin_list({VTEST_PLUGIN_DIR "/libmissing.so", VTEST_CPU});
	EXPECT_EQ(VACCEL_ENOENT, bootstrap(list));
	EXPECT_TRUE(vaccel_is_initialized());
	EXPECT_EQ(1u, vaccel_plugin_count());
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_OK(vaccel_noop(&sess));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(VaccelTest, VersionIgnoreAcceptsWrongMajor)
{
	ASSERT_OK(bootstrap(VTEST_BADMAJOR, VACCEL_LOG_ERROR, false, /*version_ignore=*/true));
	EXPECT_EQ(1u, vaccel_plugin_count());
}

// ---- vaccel_plugin_register_ops -----------------------------------------------------------------

TEST(PluginRegisterOps, RejectsBadInput)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_register_ops(nullptr, 1));
	vaccel_op op{VACCEL_OP_NOOP, reinterpret_cast<void *>(+[] { return 0; }), nullptr};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_register_ops(&op, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_register_ops(&op, 1)); // no owner
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_register_op(&op));
	EXPECT_EQ(VACCEL_EINVAL, register_plugin_function(&op));
	EXPECT_EQ(VACCEL_EINVAL, register_plugin_functions(&op, 1));
	vaccel_plugin fake{};
	vaccel_op bad_type{static_cast<vaccel_op_type_t>(VACCEL_OP_MAX), op.func, &fake};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_register_ops(&bad_type, 1));
	std::vector<vaccel_op> too_many(VACCEL_OP_MAX + 1, vaccel_op{VACCEL_OP_NOOP, op.func, &fake});
	EXPECT_EQ(VACCEL_EINVAL, vaccel_plugin_register_ops(too_many.data(), too_many.size()));
}

TEST(PluginType, EnumValuesAndNames)
{
	EXPECT_EQ(0x1, VACCEL_PLUGIN_CPU);
	EXPECT_EQ(0x100, VACCEL_PLUGIN_DEBUG);
	EXPECT_EQ(0x4000, VACCEL_PLUGIN_REMOTE);
	EXPECT_EQ(VACCEL_PLUGIN_REMOTE, VACCEL_REMOTE);
	EXPECT_STREQ("VACCEL_PLUGIN_CPU", vaccel_plugin_type_to_str(VACCEL_PLUGIN_CPU));
	EXPECT_STREQ("DEBUG", vaccel_plugin_type_to_base_str(VACCEL_PLUGIN_DEBUG));
	char buf[32];
	EXPECT_STREQ("remote", vaccel_plugin_type_name(VACCEL_PLUGIN_REMOTE, buf, sizeof(buf)));
	EXPECT_EQ(nullptr, vaccel_plugin_type_name(VACCEL_PLUGIN_REMOTE, buf, 2));
	EXPECT_EQ(nullptr, vaccel_plugin_type_name(VACCEL_PLUGIN_REMOTE, nullptr, 32));
}

// ---- selection ------------------------------------------------------------------------------------

class Selection : public VaccelTest {
protected:
	// Load order matters: transport first, so "first non-transport" is tested.
	void SetUp() override { ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_REMOTE, VTEST_CPU, VTEST_GPU}))); }
	static std::string plugin_of(uint32_t flags, int *rc = nullptr)
	{
		vaccel_session sess{};
		int ret = vaccel_session_init(&sess, flags);
		if (rc)
			*rc = ret;
		if (ret != VACCEL_OK)
			return "<error>";
		std::string name = sess.plugin->info->name;
		vaccel_session_release(&sess);
		return name;
	}
};

TEST_F(Selection, NoHintPicksFirstLocalPlugin)
{
	EXPECT_EQ("vtest-cpu", plugin_of(0));
}

TEST_F(Selection, HintPicksFirstMatchingType)
{
	EXPECT_EQ("vtest-cpu", plugin_of(VACCEL_PLUGIN_CPU));
	EXPECT_EQ("vtest-gpu", plugin_of(VACCEL_PLUGIN_GPU));
	EXPECT_EQ("vtest-gpu", plugin_of(VACCEL_PLUGIN_TORCH));
	EXPECT_EQ("vtest-cpu", plugin_of(VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_GPU)); // load order
}

// vAccel 0.8: a hint no plugin matches falls back to the first local plugin
// (the strict refusal lives in the C++ layer: vaccel::Session::strict).
TEST_F(Selection, UnmatchedHintFallsBackToFirstLocalPlugin)
{
	int rc = -1;
	EXPECT_EQ("vtest-cpu", plugin_of(VACCEL_PLUGIN_FPGA, &rc));
	EXPECT_OK(rc);
}

TEST_F(Selection, RemoteFlagPicksTransportAndCallsSessionInit)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE));
	EXPECT_STREQ("vtest-remote", sess.plugin->info->name);
	EXPECT_TRUE(sess.is_virtio);
	EXPECT_EQ(1000 + sess.id, sess.remote_id);
	const vtest_record *rec = vtest::record(VTEST_REMOTE);
	ASSERT_NE(nullptr, rec);
	EXPECT_EQ(1u, rec->session_init_calls);
	EXPECT_OK(vaccel_noop(&sess));
	EXPECT_EQ(1u, rec->op_calls[VACCEL_OP_NOOP]);
	EXPECT_OK(vaccel_session_release(&sess));
	EXPECT_EQ(1u, rec->session_release_calls);
}

TEST_F(Selection, LocalSessionDoesNotTouchTransport)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_FALSE(sess.is_virtio);
	EXPECT_EQ(0, sess.remote_id);
	EXPECT_OK(vaccel_noop(&sess));
	EXPECT_OK(vaccel_session_release(&sess));
	const vtest_record *remote = vtest::record(VTEST_REMOTE);
	ASSERT_NE(nullptr, remote);
	EXPECT_EQ(0u, remote->session_init_calls);
	EXPECT_EQ(0u, remote->op_calls[VACCEL_OP_NOOP]);
	EXPECT_EQ(1u, vtest::record(VTEST_CPU)->op_calls[VACCEL_OP_NOOP]);
}

TEST_F(Selection, NoFallThroughToAnotherPlugin)
{
	// vtest-gpu registers NOOP and IMAGE_CLASSIFY only; vtest-cpu has sgemm
	// but a GPU session must not reach it.
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_GPU));
	float a[1] = {1}, b[1] = {1}, c[1] = {0};
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_sgemm(&sess, 1, 1, 1, 1.0f, a, 1, b, 1, 0.0f, c, 1));
	EXPECT_EQ(0u, vtest::record(VTEST_CPU)->op_calls[VACCEL_OP_BLAS_SGEMM]);
	EXPECT_OK(vaccel_noop(&sess));
	EXPECT_EQ(1u, vtest::record(VTEST_GPU)->op_calls[VACCEL_OP_NOOP]);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Selection, LocalAndRemoteSessionsCoexist)
{
	vaccel_session local{}, remote{};
	ASSERT_OK(vaccel_session_init(&local, 0));
	ASSERT_OK(vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE));
	for (int i = 0; i < 3; ++i) {
		EXPECT_OK(vaccel_noop(&local));
		EXPECT_OK(vaccel_noop(&remote));
	}
	EXPECT_EQ(3u, vtest::record(VTEST_CPU)->op_calls[VACCEL_OP_NOOP]);
	EXPECT_EQ(3u, vtest::record(VTEST_REMOTE)->op_calls[VACCEL_OP_NOOP]);
	EXPECT_OK(vaccel_session_release(&local));
	EXPECT_OK(vaccel_session_release(&remote));
}

TEST_F(VaccelTest, RemoteFlagWithoutTransportIsEnotsup)
{
	ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_GPU})));
	vaccel_session sess{};
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE));
}

TEST_F(VaccelTest, SoleTransportPluginServesUnhintedSessions)
{
	ASSERT_OK(bootstrap(VTEST_REMOTE));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_STREQ("vtest-remote", sess.plugin->info->name);
	EXPECT_TRUE(sess.is_virtio);
	EXPECT_GT(sess.remote_id, 0);
	EXPECT_EQ(1u, vtest::record(VTEST_REMOTE)->session_init_calls);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(VaccelTest, NoPluginsMeansEnotsup)
{
	ASSERT_OK(bootstrap(""));
	vaccel_session sess{};
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_session_init(&sess, 0));
}

TEST_F(VaccelTest, SessionFlagsReachTransport)
{
	ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_REMOTE})));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE | VACCEL_PLUGIN_GPU));
	EXPECT_STREQ("vtest-remote", sess.plugin->info->name);
	EXPECT_EQ(VACCEL_PLUGIN_REMOTE | VACCEL_PLUGIN_GPU, sess.hint);
	// The transport learns the type hint (REMOTE may or may not be stripped).
	EXPECT_EQ(static_cast<uint32_t>(VACCEL_PLUGIN_GPU),
		  vtest::record(VTEST_REMOTE)->last_session_flags & ~static_cast<uint32_t>(VACCEL_PLUGIN_REMOTE));
	EXPECT_OK(vaccel_session_release(&sess));
}

} // namespace
