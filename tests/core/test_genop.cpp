// SPDX-License-Identifier: Apache-2.0
// vaccel_genop with the argument layouts of reference §1.12: read[0] is the
// op code (UINT8), the rest is unpacked into the typed op, which the
// vtest-cpu plugin executes for real.
#include "vtest.hpp"

namespace {

using vtest::VaccelTest;

vaccel_arg arg(const void *buf, size_t size, vaccel_arg_type_t type)
{
	vaccel_arg a{};
	a.buf = const_cast<void *>(buf);
	a.size = size;
	a.type = type;
	a.owned = false;
	return a;
}

class Genop : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(VTEST_CPU));
		ASSERT_OK(vaccel_session_init(&sess, 0));
	}
	void TearDown() override
	{
		vaccel_session_release(&sess);
		VaccelTest::TearDown();
	}
	vaccel_arg op_arg(vaccel_op_type_t op)
	{
		op_code = static_cast<uint8_t>(op);
		return arg(&op_code, 1, VACCEL_ARG_UINT8);
	}
	int genop(std::vector<vaccel_arg> read, std::vector<vaccel_arg> write)
	{
		return vaccel_genop(&sess, read.data(), static_cast<int>(read.size()),
				    write.empty() ? nullptr : write.data(), static_cast<int>(write.size()));
	}
	const vtest_record *rec() const { return vtest::record(VTEST_CPU); }
	vaccel_session sess{};
	uint8_t op_code = 0;
};

TEST_F(Genop, Noop)
{
	ASSERT_OK(genop({op_arg(VACCEL_OP_NOOP)}, {}));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_NOOP]);
}

TEST_F(Genop, LegacyRawOpCode)
{
	uint32_t legacy = VACCEL_OP_NOOP;
	ASSERT_OK(genop({arg(&legacy, sizeof(legacy), VACCEL_ARG_RAW)}, {}));
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_NOOP]);
}

TEST_F(Genop, Errors)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_genop(nullptr, nullptr, 0, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_genop(&sess, nullptr, 1, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, genop({}, {}));
	uint8_t bad = VACCEL_OP_MAX;
	EXPECT_EQ(VACCEL_EINVAL, genop({arg(&bad, 1, VACCEL_ARG_UINT8)}, {}));
	int64_t wide = VACCEL_OP_NOOP;
	EXPECT_EQ(VACCEL_EINVAL, genop({arg(&wide, sizeof(wide), VACCEL_ARG_INT64)}, {})) << "op code must be UINT8";
	EXPECT_EQ(VACCEL_EINVAL, genop({arg(nullptr, 0, VACCEL_ARG_UINT8)}, {}));
	EXPECT_EQ(0u, rec()->op_calls[VACCEL_OP_NOOP]);
}

TEST_F(Genop, ModelOpsAreNotReachable)
{
	for (auto op : {VACCEL_OP_TF_MODEL_LOAD, VACCEL_OP_TF_MODEL_RUN, VACCEL_OP_TFLITE_MODEL_RUN,
			VACCEL_OP_TORCH_MODEL_LOAD, VACCEL_OP_TORCH_MODEL_RUN})
		EXPECT_EQ(VACCEL_ENOTSUP, genop({op_arg(op)}, {})) << vaccel_op_type_to_str(op);
}

TEST_F(Genop, Exec)
{
	char lib[] = "/x/libmytestlib.so", sym[] = "mytestfunc";
	int32_t in = 21, out = 0;
	ASSERT_OK(genop({op_arg(VACCEL_OP_EXEC), arg(lib, sizeof(lib), VACCEL_ARG_STRING),
			 arg(sym, sizeof(sym), VACCEL_ARG_STRING), arg(&in, sizeof(in), VACCEL_ARG_INT32)},
			{arg(&out, sizeof(out), VACCEL_ARG_INT32)}));
	EXPECT_EQ(42, out);
	EXPECT_STREQ("/x/libmytestlib.so", rec()->last_library);
	EXPECT_STREQ("mytestfunc", rec()->last_symbol);
	EXPECT_EQ(1u, rec()->last_nr_read) << "library and symbol are not passed through";
	EXPECT_EQ(VACCEL_EINVAL, genop({op_arg(VACCEL_OP_EXEC), arg(lib, sizeof(lib), VACCEL_ARG_STRING)}, {}))
		<< "symbol missing";
	EXPECT_EQ(VACCEL_EINVAL, genop({op_arg(VACCEL_OP_EXEC), arg(&in, sizeof(in), VACCEL_ARG_INT32),
					arg(sym, sizeof(sym), VACCEL_ARG_STRING)},
				       {}))
		<< "library must be a STRING";
}

TEST_F(Genop, ExecWithResource)
{
	vtest::TempDir tmp;
	vtest::write_file(tmp / "lib.so", "lib");
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, (tmp / "lib.so").c_str(), VACCEL_RESOURCE_LIB));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	int64_t id = res.id;
	char sym[] = "fn";
	int32_t in = 4, out = 0;
	ASSERT_OK(genop({op_arg(VACCEL_OP_EXEC_WITH_RESOURCE), arg(&id, sizeof(id), VACCEL_ARG_INT64),
			 arg(sym, sizeof(sym), VACCEL_ARG_STRING), arg(&in, sizeof(in), VACCEL_ARG_INT32)},
			{arg(&out, sizeof(out), VACCEL_ARG_INT32)}));
	EXPECT_EQ(8, out);
	EXPECT_EQ(res.id, rec()->last_resource_id);
	int64_t unknown = 9999;
	EXPECT_NE(VACCEL_OK,
		  genop({op_arg(VACCEL_OP_EXEC_WITH_RESOURCE), arg(&unknown, sizeof(unknown), VACCEL_ARG_INT64),
			 arg(sym, sizeof(sym), VACCEL_ARG_STRING)},
			{}));
	EXPECT_OK(vaccel_resource_release(&res));
}

TEST_F(Genop, ImageClassify)
{
	const std::string img(77, 'p');
	unsigned char imgname[64] = {}, text[64] = {};
	ASSERT_OK(genop({op_arg(VACCEL_OP_IMAGE_CLASSIFY), arg(img.data(), img.size(), VACCEL_ARG_BUFFER)},
			{arg(imgname, sizeof(imgname), VACCEL_ARG_UCHAR_ARRAY),
			 arg(text, sizeof(text), VACCEL_ARG_UCHAR_ARRAY)}));
	EXPECT_STREQ("vtest-classify.png", reinterpret_cast<char *>(imgname)) << "write[0] is the image name";
	EXPECT_STREQ("vtest-tag 77 bytes", reinterpret_cast<char *>(text)) << "write[1] is the text";
	EXPECT_EQ(VACCEL_EINVAL,
		  genop({op_arg(VACCEL_OP_IMAGE_CLASSIFY), arg(img.data(), img.size(), VACCEL_ARG_BUFFER)},
			{arg(imgname, sizeof(imgname), VACCEL_ARG_UCHAR_ARRAY)}))
		<< "exactly 2 write args";
	EXPECT_EQ(VACCEL_EINVAL,
		  genop({op_arg(VACCEL_OP_IMAGE_CLASSIFY)}, {arg(imgname, sizeof(imgname), VACCEL_ARG_UCHAR_ARRAY),
							     arg(text, sizeof(text), VACCEL_ARG_UCHAR_ARRAY)}))
		<< "exactly 1 read arg after the op code";
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_IMAGE_CLASSIFY]);
}

TEST_F(Genop, ImageDetectSegmentPoseDepth)
{
	const struct {
		vaccel_op_type_t op;
		const char *expected;
	} cases[] = {{VACCEL_OP_IMAGE_DETECT, "vtest-detect 5 bytes"},
		     {VACCEL_OP_IMAGE_SEGMENT, "vtest-segment 5 bytes"},
		     {VACCEL_OP_IMAGE_POSE, "vtest-pose 5 bytes"},
		     {VACCEL_OP_IMAGE_DEPTH, "vtest-depth 5 bytes"}};
	const char img[5] = {1, 2, 3, 4, 5};
	for (const auto &c : cases) {
		unsigned char out[64] = {};
		ASSERT_OK(genop({op_arg(c.op), arg(img, sizeof(img), VACCEL_ARG_BUFFER)},
				{arg(out, sizeof(out), VACCEL_ARG_UCHAR_ARRAY)}));
		EXPECT_STREQ(c.expected, reinterpret_cast<char *>(out));
		EXPECT_EQ(VACCEL_EINVAL, genop({op_arg(c.op), arg(img, sizeof(img), VACCEL_ARG_BUFFER)}, {}));
	}
}

TEST_F(Genop, Sgemm)
{
	int64_t m = 2, n = 2, k = 2, lda = 2, ldb = 2, ldc = 2;
	float alpha = 1, beta = 0;
	float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, c[4] = {};
	std::vector<vaccel_arg> read = {op_arg(VACCEL_OP_BLAS_SGEMM),       arg(&m, 8, VACCEL_ARG_INT64),
					arg(&n, 8, VACCEL_ARG_INT64),       arg(&k, 8, VACCEL_ARG_INT64),
					arg(&alpha, 4, VACCEL_ARG_FLOAT32), arg(a, sizeof(a), VACCEL_ARG_FLOAT32_ARRAY),
					arg(&lda, 8, VACCEL_ARG_INT64),     arg(b, sizeof(b), VACCEL_ARG_FLOAT32_ARRAY),
					arg(&ldb, 8, VACCEL_ARG_INT64),     arg(&beta, 4, VACCEL_ARG_FLOAT32),
					arg(&ldc, 8, VACCEL_ARG_INT64)};
	ASSERT_OK(genop(read, {arg(c, sizeof(c), VACCEL_ARG_FLOAT32_ARRAY)}));
	EXPECT_FLOAT_EQ(19, c[0]);
	EXPECT_FLOAT_EQ(22, c[1]);
	EXPECT_FLOAT_EQ(43, c[2]);
	EXPECT_FLOAT_EQ(50, c[3]);
	float small[2] = {};
	EXPECT_EQ(VACCEL_EINVAL, genop(read, {arg(small, sizeof(small), VACCEL_ARG_FLOAT32_ARRAY)}))
		<< "C smaller than m x ldc";
	read[1] = arg(&m, 4, VACCEL_ARG_INT32);
	EXPECT_EQ(VACCEL_EINVAL, genop(read, {arg(c, sizeof(c), VACCEL_ARG_FLOAT32_ARRAY)})) << "m must be INT64";
	read.pop_back();
	EXPECT_EQ(VACCEL_EINVAL, genop(read, {arg(c, sizeof(c), VACCEL_ARG_FLOAT32_ARRAY)})) << "10 read args";
	EXPECT_EQ(1u, rec()->op_calls[VACCEL_OP_BLAS_SGEMM]);
}

TEST_F(Genop, Minmax)
{
	double in[4] = {5, -2, 9, 1};
	int nd = 4, low = 0, high = 10;
	double out[4] = {}, mn = 0, mx = 0;
	ASSERT_OK(genop({op_arg(VACCEL_OP_MINMAX), arg(in, sizeof(in), VACCEL_ARG_RAW),
			 arg(&nd, sizeof(nd), VACCEL_ARG_RAW), arg(&low, sizeof(low), VACCEL_ARG_RAW),
			 arg(&high, sizeof(high), VACCEL_ARG_RAW)},
			{arg(out, sizeof(out), VACCEL_ARG_RAW), arg(&mn, sizeof(mn), VACCEL_ARG_RAW),
			 arg(&mx, sizeof(mx), VACCEL_ARG_RAW)}));
	EXPECT_DOUBLE_EQ(-2, mn);
	EXPECT_DOUBLE_EQ(9, mx);
	EXPECT_DOUBLE_EQ(9, out[2]);
	EXPECT_EQ(VACCEL_EINVAL, genop({op_arg(VACCEL_OP_MINMAX), arg(in, sizeof(in), VACCEL_ARG_RAW)},
				       {arg(out, sizeof(out), VACCEL_ARG_RAW)}));
}

TEST_F(Genop, Fpga)
{
	int ints[3] = {1, 2, 3}, copy[3] = {};
	ASSERT_OK(genop({op_arg(VACCEL_OP_FPGA_ARRAYCOPY), arg(ints, sizeof(ints), VACCEL_ARG_RAW)},
			{arg(copy, sizeof(copy), VACCEL_ARG_RAW)}));
	EXPECT_EQ(3, copy[2]);
	float a[2] = {2, 3}, b[2] = {4, 5}, c[2] = {}, add[2] = {}, mul[2] = {};
	ASSERT_OK(genop(
		{op_arg(VACCEL_OP_FPGA_MMULT), arg(a, sizeof(a), VACCEL_ARG_RAW), arg(b, sizeof(b), VACCEL_ARG_RAW)},
		{arg(c, sizeof(c), VACCEL_ARG_RAW)}));
	EXPECT_FLOAT_EQ(15, c[1]);
	ASSERT_OK(genop(
		{op_arg(VACCEL_OP_FPGA_PARALLEL), arg(a, sizeof(a), VACCEL_ARG_RAW), arg(b, sizeof(b), VACCEL_ARG_RAW)},
		{arg(add, sizeof(add), VACCEL_ARG_RAW), arg(mul, sizeof(mul), VACCEL_ARG_RAW)}));
	EXPECT_FLOAT_EQ(8, add[1]);
	EXPECT_FLOAT_EQ(15, mul[1]);
	ASSERT_OK(genop({op_arg(VACCEL_OP_FPGA_VECTORADD), arg(a, sizeof(a), VACCEL_ARG_RAW),
			 arg(b, sizeof(b), VACCEL_ARG_RAW)},
			{arg(c, sizeof(c), VACCEL_ARG_RAW)}));
	EXPECT_FLOAT_EQ(6, c[0]);
	EXPECT_EQ(VACCEL_EINVAL, genop({op_arg(VACCEL_OP_FPGA_MMULT), arg(a, sizeof(a), VACCEL_ARG_RAW)},
				       {arg(c, sizeof(c), VACCEL_ARG_RAW)}));
}

TEST_F(Genop, OpencvPassesThrough)
{
	int32_t in = 3, out = 0;
	ASSERT_OK(genop({op_arg(VACCEL_OP_OPENCV), arg(&in, sizeof(in), VACCEL_ARG_INT32)},
			{arg(&out, sizeof(out), VACCEL_ARG_INT32)}));
	EXPECT_EQ(6, out);
	EXPECT_EQ(1u, rec()->last_nr_read);
}

TEST_F(Genop, BuiltWithArgArray)
{
	vaccel_arg_array read{}, write{};
	ASSERT_OK(vaccel_arg_array_init(&read, 3));
	ASSERT_OK(vaccel_arg_array_init(&write, 1));
	uint8_t op = VACCEL_OP_IMAGE_DEPTH;
	char img[] = "abcd";
	unsigned char out[64] = {};
	ASSERT_OK(vaccel_arg_array_add_uint8(&read, &op));
	ASSERT_OK(vaccel_arg_array_add_buffer(&read, img, 4));
	ASSERT_OK(vaccel_arg_array_add_uchar_array(&write, out, sizeof(out)));
	ASSERT_OK(vaccel_genop(&sess, vaccel_arg_array_raw(&read), static_cast<int>(vaccel_arg_array_count(&read)),
			       vaccel_arg_array_raw(&write), static_cast<int>(vaccel_arg_array_count(&write))));
	EXPECT_STREQ("vtest-depth 4 bytes", reinterpret_cast<char *>(out));
	EXPECT_OK(vaccel_arg_array_release(&read));
	EXPECT_OK(vaccel_arg_array_release(&write));
}

} // namespace
