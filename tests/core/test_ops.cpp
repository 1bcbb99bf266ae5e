// SPDX-License-Identifier: Apache-2.0
// Every op entry point of vaccel/ops/*.h through the vtest-cpu plugin:
// success path (the plugin's real outputs), argument validation, resource
// checks (EINVAL wrong type, EPERM not registered) and ENOTSUP.
#include "vtest.hpp"

#include <cmath>

namespace {

using vtest::VaccelTest;

class Ops : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_GPU})));
		ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_CPU));
		ASSERT_STREQ("vtest-cpu", sess.plugin->info->name);
		vtest::write_file(tmp / "model.bin", "model");
		vtest::write_file(tmp / "lib.so", "not really a library");
		ASSERT_OK(vaccel_resource_init(&model, (tmp / "model.bin").c_str(), VACCEL_RESOURCE_MODEL));
		ASSERT_OK(vaccel_resource_init(&lib, (tmp / "lib.so").c_str(), VACCEL_RESOURCE_LIB));
	}
	void TearDown() override
	{
		vaccel_resource_release(&model);
		vaccel_resource_release(&lib);
		vaccel_session_release(&sess);
		VaccelTest::TearDown();
	}
	const vtest_record *rec() const { return vtest::record(VTEST_CPU); }
	vtest::TempDir tmp;
	vaccel_session sess{};
	vaccel_resource model{}, lib{};
};

TEST_F(Ops, Noop)
{
	ASSERT_OK(vaccel_noop(&sess));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_NOOP]);
	EXPECT_EQ(sess.id, rec()->last_session_id);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_noop(nullptr));
}

TEST_F(Ops, Exec)
{
	int32_t in = 10, out = 0;
	vaccel_arg read{}, write{};
	ASSERT_OK(vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_exec(&sess, "/opt/lib/libmytestlib.so", "mytestfunc", &read, 1, &write, 1));
	EXPECT_EQ(20, out);
	EXPECT_STREQ("/opt/lib/libmytestlib.so", rec()->last_library);
	EXPECT_STREQ("mytestfunc", rec()->last_symbol);
	EXPECT_EQ(1u, rec()->last_nr_read);
	EXPECT_EQ(1u, rec()->last_nr_write);
	// No args at all is fine.
	EXPECT_OK(vaccel_exec(&sess, "l.so", "f", nullptr, 0, nullptr, 0));

	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec(nullptr, "l.so", "f", &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec(&sess, nullptr, "f", &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec(&sess, "l.so", nullptr, &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec(&sess, "l.so", "f", nullptr, 1, &write, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec(&sess, "l.so", "f", &read, 1, nullptr, 1));
	EXPECT_EQ(2u, rec()->op_calls[VACCEL_OP_EXEC]) << "invalid calls never reach the plugin";
}

TEST_F(Ops, ExecWithResource)
{
	int32_t in = 7, out = 0;
	vaccel_arg read{}, write{};
	ASSERT_OK(vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0));
	EXPECT_EQ(VACCEL_EPERM, vaccel_exec_with_resource(&sess, &lib, "fn", &read, 1, &write, 1))
		<< "not registered with the session";
	ASSERT_OK(vaccel_resource_register(&lib, &sess));
	ASSERT_OK(vaccel_exec_with_resource(&sess, &lib, "fn", &read, 1, &write, 1));
	EXPECT_EQ(14, out);
	EXPECT_EQ(lib.id, rec()->last_resource_id);
	EXPECT_STREQ("fn", rec()->last_symbol);

	ASSERT_OK(vaccel_resource_register(&model, &sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec_with_resource(&sess, &model, "fn", &read, 1, &write, 1))
		<< "a MODEL is not a LIB";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec_with_resource(&sess, nullptr, "fn", &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec_with_resource(&sess, &lib, nullptr, &read, 1, &write, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_exec_with_resource(nullptr, &lib, "fn", &read, 1, &write, 1));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_EXEC_WITH_RESOURCE]);
}

TEST_F(Ops, ImageClassification)
{
	const std::string img(1234, 'i');
	unsigned char text[128] = {}, name[128] = {};
	ASSERT_OK(vaccel_image_classification(&sess, img.data(), text, name, img.size(), sizeof(text), sizeof(name)));
	EXPECT_STREQ("vtest-tag 1234 bytes", reinterpret_cast<char *>(text));
	EXPECT_STREQ("vtest-classify.png", reinterpret_cast<char *>(name));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_classification(nullptr, img.data(), text, name, img.size(), 128, 128));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_classification(&sess, nullptr, text, name, img.size(), 128, 128));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_classification(&sess, img.data(), text, name, 0, 128, 128));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_classification(&sess, img.data(), nullptr, name, img.size(), 128, 128));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_classification(&sess, img.data(), text, nullptr, img.size(), 128, 128));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_image_classification(&sess, img.data(), text, name, img.size(), 0, 128));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_IMAGE_CLASSIFY]);
}

using ImageFn = int (*)(vaccel_session *, const void *, unsigned char *, size_t, size_t);

struct ImageCase {
	ImageFn fn;
	vaccel_op_type_t op;
	const char *expected;
};

TEST_F(Ops, ImageDetectSegmentPoseDepth)
{
	const ImageCase cases[] = {
		{vaccel_image_detection, VACCEL_OP_IMAGE_DETECT, "vtest-detect 3 bytes"},
		{vaccel_image_segmentation, VACCEL_OP_IMAGE_SEGMENT, "vtest-segment 3 bytes"},
		{vaccel_image_pose, VACCEL_OP_IMAGE_POSE, "vtest-pose 3 bytes"},
		{vaccel_image_depth, VACCEL_OP_IMAGE_DEPTH, "vtest-depth 3 bytes"},
	};
	const char img[3] = {1, 2, 3};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.expected);
		unsigned char out[64] = {};
		ASSERT_OK(c.fn(&sess, img, out, sizeof(img), sizeof(out)));
		EXPECT_STREQ(c.expected, reinterpret_cast<char *>(out));
		EXPECT_EQ(1u, rec()->op_calls[c.op]);
		EXPECT_EQ(VACCEL_EINVAL, c.fn(nullptr, img, out, sizeof(img), sizeof(out)));
		EXPECT_EQ(VACCEL_EINVAL, c.fn(&sess, nullptr, out, sizeof(img), sizeof(out)));
		EXPECT_EQ(VACCEL_EINVAL, c.fn(&sess, img, nullptr, sizeof(img), sizeof(out)));
		EXPECT_EQ(VACCEL_EINVAL, c.fn(&sess, img, out, 0, sizeof(out)));
		EXPECT_EQ(VACCEL_EINVAL, c.fn(&sess, img, out, sizeof(img), 0));
		EXPECT_EQ(1u, rec()->op_calls[c.op]);
	}
}

TEST_F(Ops, Sgemm)
{
	// A 2x3, B 3x2, C 2x2 (row-major): C = 2*A*B + 1*C
	float a[6] = {1, 2, 3, 4, 5, 6};
	float b[6] = {7, 8, 9, 10, 11, 12};
	float c[4] = {1, 1, 1, 1};
	ASSERT_OK(vaccel_sgemm(&sess, 2, 2, 3, 2.0f, a, 3, b, 2, 1.0f, c, 2));
	EXPECT_FLOAT_EQ(2 * 58 + 1, c[0]);
	EXPECT_FLOAT_EQ(2 * 64 + 1, c[1]);
	EXPECT_FLOAT_EQ(2 * 139 + 1, c[2]);
	EXPECT_FLOAT_EQ(2 * 154 + 1, c[3]);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(nullptr, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, 2, 3, 1, nullptr, 3, b, 2, 0, c, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, 2, 3, 1, a, 3, nullptr, 2, 0, c, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, 2, 3, 1, a, 3, b, 2, 0, nullptr, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 0, 2, 3, 1, a, 3, b, 2, 0, c, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, -1, 3, 1, a, 3, b, 2, 0, c, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2)) << "lda < k";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, 2, 3, 1, a, 3, b, 1, 0, c, 2)) << "ldb < n";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sgemm(&sess, 2, 2, 3, 1, a, 3, b, 2, 0, c, 1)) << "ldc < n";
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_BLAS_SGEMM]);
}

TEST_F(Ops, TfModel)
{
	vaccel_tf_status status{};
	EXPECT_EQ(VACCEL_EPERM, vaccel_tf_model_load(&sess, &model, &status));
	ASSERT_OK(vaccel_resource_register(&model, &sess));
	ASSERT_OK(vaccel_resource_register(&lib, &sess));
	ASSERT_OK(vaccel_tf_model_load(&sess, &model, &status));
	EXPECT_EQ(0, status.code);
	EXPECT_STREQ("vtest loaded", status.message);
	EXPECT_OK(vaccel_tf_status_release(&status));
	EXPECT_EQ(model.id, rec()->last_resource_id);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_model_load(&sess, &lib, &status)) << "LIB is not a MODEL";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_model_load(&sess, nullptr, &status));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_model_load(nullptr, &model, &status));

	const int64_t dims[2] = {1, 3};
	float values[3] = {1.5f, 2.5f, 3.5f};
	vaccel_tf_tensor *in = nullptr;
	ASSERT_OK(vaccel_tf_tensor_new(&in, 2, dims, VACCEL_TF_FLOAT));
	ASSERT_OK(vaccel_tf_tensor_set_data(in, values, sizeof(values)));
	vaccel_tf_node in_node{}, out_node{};
	ASSERT_OK(vaccel_tf_node_init(&in_node, "serving_default_input", 0));
	ASSERT_OK(vaccel_tf_node_init(&out_node, "StatefulPartitionedCall", 0));
	vaccel_tf_tensor *out = nullptr;
	vaccel_tf_tensor *const ins[] = {in};
	ASSERT_OK(vaccel_tf_model_run(&sess, &model, nullptr, &in_node, ins, 1, &out_node, &out, 1, &status));
	ASSERT_NE(nullptr, out);
	EXPECT_EQ(2, out->nr_dims);
	EXPECT_EQ(3, out->dims[1]);
	EXPECT_EQ(VACCEL_TF_FLOAT, out->data_type);
	ASSERT_EQ(sizeof(values), out->size);
	EXPECT_EQ(0, memcmp(values, out->data, sizeof(values)));
	EXPECT_OK(vaccel_tf_tensor_delete(out));
	EXPECT_OK(vaccel_tf_status_release(&status));
	EXPECT_EQ(VACCEL_EINVAL,
		  vaccel_tf_model_run(&sess, &model, nullptr, &in_node, nullptr, 1, &out_node, &out, 1, &status));
	EXPECT_EQ(VACCEL_EINVAL,
		  vaccel_tf_model_run(&sess, &model, nullptr, &in_node, ins, 1, &out_node, nullptr, 1, &status));
	EXPECT_EQ(VACCEL_EINVAL,
		  vaccel_tf_model_run(&sess, &lib, nullptr, &in_node, ins, 1, &out_node, &out, 1, &status));

	ASSERT_OK(vaccel_tf_model_unload(&sess, &model, &status));
	EXPECT_STREQ("vtest unloaded", status.message);
	EXPECT_OK(vaccel_tf_status_release(&status));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_model_unload(&sess, &lib, &status));
	EXPECT_OK(vaccel_tf_tensor_delete(in));
	EXPECT_OK(vaccel_tf_node_release(&in_node));
	EXPECT_OK(vaccel_tf_node_release(&out_node));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_TF_MODEL_LOAD]);
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_TF_MODEL_RUN]);
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_TF_MODEL_UNLOAD]);
}

TEST_F(Ops, TfliteModel)
{
	EXPECT_EQ(VACCEL_EPERM, vaccel_tflite_model_load(&sess, &model));
	ASSERT_OK(vaccel_resource_register(&model, &sess));
	ASSERT_OK(vaccel_tflite_model_load(&sess, &model));
	const int32_t dims[1] = {4};
	vaccel_tflite_tensor *in = nullptr, *out = nullptr;
	ASSERT_OK(vaccel_tflite_tensor_allocate(&in, 1, dims, VACCEL_TFLITE_UINT8, 4));
	memcpy(in->data, "\x01\x02\x03\x04", 4);
	vaccel_tflite_tensor *const ins[] = {in};
	uint8_t status = 99;
	ASSERT_OK(vaccel_tflite_model_run(&sess, &model, ins, 1, &out, 1, &status));
	EXPECT_EQ(0, status);
	ASSERT_NE(nullptr, out);
	EXPECT_EQ(VACCEL_TFLITE_UINT8, out->data_type);
	EXPECT_EQ(0, memcmp(in->data, out->data, 4));
	EXPECT_OK(vaccel_tflite_tensor_delete(out));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_model_run(&sess, &model, nullptr, 1, &out, 1, &status));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_model_run(nullptr, &model, ins, 1, &out, 1, &status));
	ASSERT_OK(vaccel_tflite_model_unload(&sess, &model));
	ASSERT_OK(vaccel_resource_register(&lib, &sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_model_load(&sess, &lib));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_model_unload(&sess, nullptr));
	EXPECT_OK(vaccel_tflite_tensor_delete(in));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_TFLITE_MODEL_RUN]);
}

TEST_F(Ops, TorchModel)
{
	EXPECT_EQ(VACCEL_EPERM, vaccel_torch_model_load(&sess, &model));
	ASSERT_OK(vaccel_resource_register(&model, &sess));
	ASSERT_OK(vaccel_torch_model_load(&sess, &model));
	const int64_t dims[2] = {2, 2};
	vaccel_torch_tensor *in = nullptr, *out = nullptr;
	ASSERT_OK(vaccel_torch_tensor_allocate(&in, 2, dims, VACCEL_TORCH_FLOAT, 4 * sizeof(float)));
	const float vals[4] = {1, 2, 3, 4};
	memcpy(in->data, vals, sizeof(vals));
	vaccel_torch_tensor *const ins[] = {in};
	ASSERT_OK(vaccel_torch_model_run(&sess, &model, nullptr, ins, 1, &out, 1));
	ASSERT_NE(nullptr, out);
	EXPECT_EQ(2, out->nr_dims);
	EXPECT_EQ(0, memcmp(vals, out->data, sizeof(vals)));
	EXPECT_OK(vaccel_torch_tensor_delete(out));
	// Seed-era name.
	out = nullptr;
	ASSERT_OK(vaccel_torch_jitload_forward(&sess, &model, nullptr, ins, 1, &out, 1));
	EXPECT_OK(vaccel_torch_tensor_delete(out));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_model_run(&sess, &model, nullptr, nullptr, 1, &out, 1));
	ASSERT_OK(vaccel_resource_register(&lib, &sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_model_run(&sess, &lib, nullptr, ins, 1, &out, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_model_load(&sess, &lib));
	EXPECT_OK(vaccel_torch_tensor_delete(in));
	EXPECT_EQ(2u, rec()->op_calls[VACCEL_OP_TORCH_MODEL_RUN]);
}

TEST_F(Ops, TorchSgemmDeprecated)
{
	const int64_t ad[2] = {2, 2};
	vaccel_torch_tensor *a = nullptr, *b = nullptr, *c = nullptr, *out = nullptr;
	ASSERT_OK(vaccel_torch_tensor_allocate(&a, 2, ad, VACCEL_TORCH_FLOAT, 4 * sizeof(float)));
	ASSERT_OK(vaccel_torch_tensor_allocate(&b, 2, ad, VACCEL_TORCH_FLOAT, 4 * sizeof(float)));
	ASSERT_OK(vaccel_torch_tensor_allocate(&c, 2, ad, VACCEL_TORCH_FLOAT, 4 * sizeof(float)));
	const float av[4] = {1, 2, 3, 4}, bv[4] = {1, 0, 0, 1};
	memcpy(a->data, av, sizeof(av));
	memcpy(b->data, bv, sizeof(bv));
	ASSERT_OK(vaccel_torch_sgemm(&sess, &a, &b, &c, 2, 2, 2, &out));
	ASSERT_NE(nullptr, out);
	EXPECT_EQ(0, memcmp(av, out->data, sizeof(av))) << "A * I == A";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_sgemm(&sess, nullptr, &b, &c, 2, 2, 2, &out));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_sgemm(nullptr, &a, &b, &c, 2, 2, 2, &out));
	for (auto *t : {a, b, c, out})
		EXPECT_OK(vaccel_torch_tensor_delete(t));
}

TEST_F(Ops, FpgaDeprecated)
{
	int in[4] = {1, 2, 3, 4}, copy[4] = {};
	ASSERT_OK(vaccel_fpga_arraycopy(&sess, in, copy, 4));
	EXPECT_EQ(0, memcmp(in, copy, sizeof(in)));
	float a[3] = {1, 2, 3}, b[3] = {4, 5, 6}, c[3] = {}, add[3] = {}, mul[3] = {};
	ASSERT_OK(vaccel_fpga_mmult(&sess, a, b, c, 3));
	EXPECT_FLOAT_EQ(18, c[2]);
	ASSERT_OK(vaccel_fpga_parallel(&sess, a, b, add, mul, 3));
	EXPECT_FLOAT_EQ(9, add[2]);
	EXPECT_FLOAT_EQ(18, mul[2]);
	ASSERT_OK(vaccel_fpga_vadd(&sess, a, b, c, 3, 3));
	EXPECT_FLOAT_EQ(5, c[0]);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_fpga_arraycopy(nullptr, in, copy, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_fpga_arraycopy(&sess, nullptr, copy, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_fpga_mmult(&sess, a, nullptr, c, 3));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_fpga_parallel(&sess, a, b, nullptr, mul, 3));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_fpga_vadd(&sess, a, b, nullptr, 3, 3));
}

TEST_F(Ops, MinmaxDeprecated)
{
	const double in[5] = {3, -1, 7, 2, 0};
	double out[5] = {}, mn = 0, mx = 0;
	ASSERT_OK(vaccel_minmax(&sess, in, 5, 0, 10, out, &mn, &mx));
	EXPECT_DOUBLE_EQ(-1, mn);
	EXPECT_DOUBLE_EQ(7, mx);
	EXPECT_DOUBLE_EQ(7, out[2]);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_minmax(nullptr, in, 5, 0, 10, out, &mn, &mx));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_minmax(&sess, nullptr, 5, 0, 10, out, &mn, &mx));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_minmax(&sess, in, 5, 0, 10, out, nullptr, &mx));
}

TEST_F(Ops, Opencv)
{
	int32_t in = 50, out = 0;
	vaccel_arg read{}, write{};
	ASSERT_OK(vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_opencv(&sess, &read, 1, &write, 1));
	EXPECT_EQ(100, out);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_opencv(nullptr, &read, 1, &write, 1));
}

TEST_F(Ops, SeedEraOpNames)
{
	ASSERT_OK(vaccel_resource_register(&model, &sess));
	vaccel_tf_status status{};
	ASSERT_OK(vaccel_tf_session_load(&sess, &model, &status));
	EXPECT_OK(vaccel_tf_status_release(&status));
	ASSERT_OK(vaccel_tf_session_delete(&sess, &model, &status));
	EXPECT_OK(vaccel_tf_status_release(&status));
	ASSERT_OK(vaccel_tflite_session_load(&sess, &model));
	ASSERT_OK(vaccel_tflite_session_delete(&sess, &model));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_TF_SESSION_LOAD]);
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_TF_SESSION_DELETE]);
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_TFLITE_SESSION_LOAD]);
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_TFLITE_SESSION_DELETE]);
}

TEST_F(Ops, MissingOpIsEnotsup)
{
	vaccel_session gpu{};
	ASSERT_OK(vaccel_session_init(&gpu, VACCEL_PLUGIN_GPU));
	int32_t x = 1;
	vaccel_arg a{};
	ASSERT_OK(vaccel_arg_init_from_buf(&a, &x, sizeof(x), VACCEL_ARG_INT32, 0));
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_exec(&gpu, "l.so", "f", &a, 1, &a, 1));
	unsigned char out[8];
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_image_depth(&gpu, "img", out, 3, sizeof(out)));
	ASSERT_OK(vaccel_resource_register(&model, &gpu));
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_torch_model_load(&gpu, &model));
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_tflite_model_load(&gpu, &model));
	double d[1] = {1}, o[1], mn, mx;
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_minmax(&gpu, d, 1, 0, 1, o, &mn, &mx));
	EXPECT_OK(vaccel_session_release(&gpu));
}

} // namespace
