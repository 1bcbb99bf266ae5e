// SPDX-License-Identifier: Apache-2.0
// The bundled noop and exec plugins through the core (when they are part of
// the build): dummy results, exec/exec_with_resource semantics and codes.
#include "vtest.hpp"

namespace {

using vtest::VaccelTest;

#ifdef VTEST_NOOP
class NoopPlugin : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(VTEST_NOOP));
		ASSERT_OK(vaccel_session_init(&sess, 0));
	}
	void TearDown() override
	{
		vaccel_session_release(&sess);
		VaccelTest::TearDown();
	}
	vaccel_session sess{};
};

TEST_F(NoopPlugin, IsDebugTypeAndServesEveryOp)
{
	EXPECT_EQ(VACCEL_PLUGIN_DEBUG, sess.plugin->info->type & VACCEL_PLUGIN_DEBUG);
	for (int op = 0; op < VACCEL_OP_MAX; ++op)
		EXPECT_NE(nullptr, sess.plugin->ops[op]) << vaccel_op_type_to_str(static_cast<vaccel_op_type_t>(op));
	EXPECT_OK(vaccel_noop(&sess));
}

TEST_F(NoopPlugin, DummyClassification)
{
	const char img[] = "not really a jpeg";
	unsigned char text[128] = {}, name[128] = {};
	ASSERT_OK(vaccel_image_classification(&sess, img, text, name, sizeof(img), sizeof(text), sizeof(name)));
	EXPECT_STREQ("This is a dummy classification tag!", reinterpret_cast<char *>(text));
	EXPECT_STREQ("This is a dummy imgname!", reinterpret_cast<char *>(name));
	unsigned char out[128] = {};
	ASSERT_OK(vaccel_image_detection(&sess, img, out, sizeof(img), sizeof(out)));
	EXPECT_STREQ("This is a dummy imgname!", reinterpret_cast<char *>(out));
}

TEST_F(NoopPlugin, GenopClassify)
{
	uint8_t op = VACCEL_OP_IMAGE_CLASSIFY;
	char img[] = "img";
	unsigned char name[64] = {}, text[64] = {};
	vaccel_arg read[2] = {{&op, 1, VACCEL_ARG_UINT8, 0, false}, {img, sizeof(img), VACCEL_ARG_BUFFER, 0, false}};
	vaccel_arg write[2] = {{name, sizeof(name), VACCEL_ARG_UCHAR_ARRAY, 0, false},
			       {text, sizeof(text), VACCEL_ARG_UCHAR_ARRAY, 0, false}};
	ASSERT_OK(vaccel_genop(&sess, read, 2, write, 2));
	EXPECT_STREQ("This is a dummy classification tag!", reinterpret_cast<char *>(text));
	EXPECT_STREQ("This is a dummy imgname!", reinterpret_cast<char *>(name));
}

TEST_F(NoopPlugin, EchoesTensors)
{
	vtest::TempDir tmp;
	vtest::write_file(tmp / "m", "m");
	vaccel_resource model{};
	ASSERT_OK(vaccel_resource_init(&model, (tmp / "m").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_register(&model, &sess));
	ASSERT_OK(vaccel_torch_model_load(&sess, &model));
	const int64_t dims[1] = {3};
	vaccel_torch_tensor *in = nullptr, *out = nullptr;
	ASSERT_OK(vaccel_torch_tensor_allocate(&in, 1, dims, VACCEL_TORCH_FLOAT, 3 * sizeof(float)));
	const float v[3] = {1, 2, 3};
	memcpy(in->data, v, sizeof(v));
	vaccel_torch_tensor *const ins[] = {in};
	ASSERT_OK(vaccel_torch_model_run(&sess, &model, nullptr, ins, 1, &out, 1));
	ASSERT_NE(nullptr, out);
	ASSERT_EQ(sizeof(v), out->size);
	EXPECT_EQ(0, memcmp(v, out->data, sizeof(v)));
	EXPECT_OK(vaccel_torch_tensor_delete(out));
	EXPECT_OK(vaccel_torch_tensor_delete(in));
	EXPECT_OK(vaccel_resource_release(&model));
}

TEST_F(NoopPlugin, OpValidationStillApplies)
{
	unsigned char out[8];
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_pose(&sess, nullptr, out, 3, sizeof(out)));
	vtest::TempDir tmp;
	vtest::write_file(tmp / "m", "m");
	vaccel_resource model{};
	ASSERT_OK(vaccel_resource_init(&model, (tmp / "m").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_EPERM, vaccel_tflite_model_load(&sess, &model));
	EXPECT_OK(vaccel_resource_release(&model));
}
#endif

#ifdef VTEST_EXEC
class ExecPlugin : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(VTEST_EXEC));
		ASSERT_OK(vaccel_session_init(&sess, 0));
		ASSERT_OK(vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0));
		ASSERT_OK(vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0));
	}
	void TearDown() override
	{
		vaccel_session_release(&sess);
		VaccelTest::TearDown();
	}
	vaccel_session sess{};
	int32_t in = 10, out = 0;
	vaccel_arg read{}, write{};
};

TEST_F(ExecPlugin, Exec)
{
	ASSERT_OK(vaccel_exec(&sess, VTEST_EXECLIB, "vtest_double", &read, 1, &write, 1));
	EXPECT_EQ(20, out);
}

TEST_F(ExecPlugin, ExecErrors)
{
	EXPECT_EQ(VACCEL_ENOENT, vaccel_exec(&sess, VTEST_PLUGIN_DIR "/libnope.so", "f", &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_ENOSYS, vaccel_exec(&sess, VTEST_EXECLIB, "no_such_symbol", &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_EBACKEND, vaccel_exec(&sess, VTEST_EXECLIB, "vtest_fail", &read, 1, &write, 1));
}

TEST_F(ExecPlugin, ExecWithResourceFromPathAndBuffer)
{
	vaccel_resource lib{};
	ASSERT_OK(vaccel_resource_init(&lib, VTEST_EXECLIB, VACCEL_RESOURCE_LIB));
	ASSERT_OK(vaccel_resource_register(&lib, &sess));
	ASSERT_OK(vaccel_exec_with_resource(&sess, &lib, "vtest_double", &read, 1, &write, 1));
	EXPECT_EQ(20, out);
	EXPECT_EQ(VACCEL_ENOSYS, vaccel_exec_with_resource(&sess, &lib, "missing", &read, 1, &write, 1));
	EXPECT_OK(vaccel_resource_release(&lib));

	std::string bytes = vtest::read_file(VTEST_EXECLIB);
	vaccel_resource from_buf{};
	ASSERT_OK(vaccel_resource_init_from_buf(&from_buf, bytes.data(), bytes.size(), VACCEL_RESOURCE_LIB,
						"libvtest-copy.so", false));
	ASSERT_OK(vaccel_resource_register(&from_buf, &sess));
	out = 0;
	in = 21;
	ASSERT_OK(vaccel_exec_with_resource(&sess, &from_buf, "vtest_double", &read, 1, &write, 1));
	EXPECT_EQ(42, out);
	EXPECT_OK(vaccel_resource_release(&from_buf));
}

TEST_F(ExecPlugin, ExecWithResourceDependencies)
{
	const char *paths[] = {VTEST_EXECDEP, VTEST_EXECMAIN}; // deps first, main lib last
	vaccel_resource lib{};
	ASSERT_OK(vaccel_resource_init_multi(&lib, paths, 2, VACCEL_RESOURCE_LIB));
	ASSERT_OK(vaccel_resource_register(&lib, &sess));
	ASSERT_OK(vaccel_exec_with_resource(&sess, &lib, "vtest_triple", &read, 1, &write, 1));
	EXPECT_EQ(30, out);
	EXPECT_OK(vaccel_resource_release(&lib));
}

TEST_F(ExecPlugin, OtherOpsAreEnotsup)
{
	unsigned char text[8], name[8];
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_image_classification(&sess, "i", text, name, 1, 8, 8));
}
#endif

} // namespace
