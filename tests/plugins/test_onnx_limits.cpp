// SPDX-License-Identifier: Apache-2.0
// The onnx XNNPACK engine against hostile models (issue 13, "treat models as hostile"): crafted
// ONNX bytes written here with the onnx protobuf classes (tiny_onnx.hpp).  Sizes a model
// declares are checked against its own bytes and the caps of onnx_xnn.hpp before anything is
// allocated; what the review and the fuzz harness (tests/fuzz/fuzz_onnx.cpp) found stays fixed.
#include "onnx_classifier.hpp"
#include "onnx_xnn.hpp"
#include "tiny_onnx.hpp"
#include "tiny_onnx_int8.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

using vaccel::onnx::Classifier;
using vaccel::onnx::XnnNet;
namespace om = vaccel::test::onnxm;

namespace {

struct Load {
	std::unique_ptr<XnnNet> net;
	bool corrupt = false;
	std::string error;
};

Load build(const ::onnx::ModelProto &m)
{
	const std::string b = om::bytes(m);
	Load l;
	l.net = XnnNet::build(b.data(), b.size(), 1, l.corrupt, l.error);
	return l;
}

// Refused by every engine (not handed to OpenCV), with `what` in the message.
void expect_refused(const Load &l, const char *what)
{
	EXPECT_FALSE(l.net);
	EXPECT_TRUE(l.corrupt) << l.error;
	EXPECT_NE(l.error.find(what), std::string::npos) << l.error;
}

} // namespace

// The writer's models are valid and run: the caps leave ordinary graphs alone.
TEST(OnnxLimits, TinyModelsBuildAndRun)
{
	for (const auto &m : {om::classifier(), om::dense()}) {
		auto l = build(m);
		ASSERT_TRUE(l.net) << l.error;
		const auto &d = l.net->input_dims();
		std::vector<float> in(d[1] * d[2] * d[3], 0.25F), out;
		std::string err;
		ASSERT_TRUE(l.net->forward(in, false, out, err)) << err;
		EXPECT_EQ(out.size(), m.graph().node(0).op_type() == "Conv" ? 5U : 3U);
		vaccel::onnx::XnnUsage u;
		bool corrupt = true;
		const std::string b = om::bytes(m);
		ASSERT_TRUE(XnnNet::translate(b.data(), b.size(), corrupt, err, &u)) << err;
		EXPECT_FALSE(corrupt);
		EXPECT_EQ(u.nodes, static_cast<size_t>(m.graph().node_size()));
		EXPECT_LE(u.constant_bytes, b.size());
	}
}

// An initializer whose dims claim 2^28 floats (1 GiB) but which holds 16 bytes: refused from its
// byte count before a buffer of its claimed size is allocated (the engine used to allocate the
// 1 GiB first, then fall back to OpenCV with it as "unsupported").
TEST(OnnxLimits, InitializerLargerThanItsBytesIsRefused)
{
	auto m = om::model({1, 4, 1, 1});
	om::init_f32(m, "w", {16384, 16384}, {1, 2, 3, 4});
	om::node(m, "Flatten", {"x"}, "f");
	om::node(m, "MatMul", {"f", "w"}, "y");
	expect_refused(build(m), "limits");
	auto small = om::model({1, 4, 1, 1});
	om::init_f32(small, "w", {4, 300}, {1, 2, 3, 4}, false); // float_data too short
	om::node(small, "Flatten", {"x"}, "f");
	om::node(small, "MatMul", {"f", "w"}, "y");
	expect_refused(build(small), "holds 16 bytes");
}

// Dims whose product overflows 64 bits (2^32 * 2^32 * 2 wraps to 0) are refused, not wrapped.
TEST(OnnxLimits, DimsProductOverflowIsRefused)
{
	auto m = om::model({1, 4, 1, 1});
	om::init_f32(m, "w", {int64_t{1} << 32, int64_t{1} << 32, 2}, {});
	om::node(m, "Flatten", {"x"}, "f");
	om::node(m, "MatMul", {"f", "w"}, "y");
	expect_refused(build(m), "limits");
}

// An input of 3 x 65536 x 65536 (12.9 G floats, 48 GiB) in a 100-byte model.
TEST(OnnxLimits, HugeInputIsRefused)
{
	auto m = om::model({1, 3, 65536, 65536});
	om::node(m, "Relu", {"x"}, "y");
	expect_refused(build(m), "the input has");
}

// Node outputs of 64 MiB each are fine one by one, but 16 of them with the input exceed the
// 1 GiB activation cap: refused while translating, before XNNPACK allocates them (the engine used
// to accept the graph and let XNNPACK allocate up to 1.1 GiB).
TEST(OnnxLimits, ActivationsTogetherAreCapped)
{
	auto m = om::model({1, 16, 1024, 1024});
	std::string prev = "x";
	for (int k = 0; k < 16; ++k) {
		const std::string n = k == 15 ? "y" : "a" + std::to_string(k);
		om::node(m, "Relu", {prev}, n);
		prev = n;
	}
	expect_refused(build(m), "node outputs together exceed");
}

// One 256 KiB bias shared by 100 Add nodes: 25 MiB of copies from a 256 KiB model, over the
// constant cap (the model's size + 16 MiB); the same graph with two adds loads.
TEST(OnnxLimits, SharedInitializerCannotMultiply)
{
	const int64_t c = 65536;
	auto make = [&](int adds) {
		auto m = om::model({1, c, 1, 1});
		om::init_f32(m, "b", {c}, std::vector<float>(static_cast<size_t>(c), 0.5F));
		om::node(m, "Flatten", {"x"}, "f0");
		for (int k = 0; k < adds; ++k)
			om::node(m, "Add", {"f" + std::to_string(k), "b"},
				 k + 1 == adds ? "y" : "f" + std::to_string(k + 1));
		return m;
	};
	expect_refused(build(make(100)), "shared by too many nodes");
	const std::string two = om::bytes(make(2));
	bool corrupt = true;
	std::string err;
	vaccel::onnx::XnnUsage u;
	EXPECT_TRUE(XnnNet::translate(two.data(), two.size(), corrupt, err, &u)) << err;
	EXPECT_EQ(u.constant_bytes, size_t{512} << 10);
}

// The same cap on the int8 route: one 64 KiB int8 weight shared by 400 QLinearConv nodes would
// make the graph copy 26 MiB out of a 66 KiB model.  The int8 route had no constant cap and
// copied them all (found adding its fuzz seeds); now refused like the f32 route, and two convs load.
TEST(OnnxLimits, SharedInt8WeightCannotMultiply)
{
	using TP = ::onnx::TensorProto;
	const int64_t c = 256;
	auto make = [&](int convs) {
		auto m = om::int8_model({1, c, 1, 1});
		om::qparams(m, "x", 0.02F, 128);
		om::init_raw(m, "w", TP::INT8, {c, c, 1, 1}, om::raw_of(om::ramp_i8(static_cast<size_t>(c * c))));
		om::init_f32(m, "w_s", {}, {0.001F});
		om::node(m, "QuantizeLinear", {"x", "x_s", "x_z"}, "q0");
		for (int k = 0; k < convs; ++k)
			om::node(m, "QLinearConv",
				 {"q" + std::to_string(k), "x_s", "x_z", "w", "w_s", "", "x_s", "x_z"},
				 "q" + std::to_string(k + 1));
		om::node(m, "DequantizeLinear", {"q" + std::to_string(convs), "x_s", "x_z"}, "y");
		return om::bytes(m);
	};
	bool corrupt = false;
	std::string err;
	vaccel::onnx::XnnUsage u;
	const std::string many = make(400);
	EXPECT_FALSE(XnnNet::translate(many.data(), many.size(), corrupt, err, &u));
	EXPECT_TRUE(corrupt) << err;
	EXPECT_NE(err.find("shared by too many nodes"), std::string::npos) << err;
	const std::string two = make(2);
	EXPECT_TRUE(XnnNet::translate(two.data(), two.size(), corrupt, err, &u)) << err;
	EXPECT_EQ(u.constant_bytes, size_t{2} * (c * c + c * 4)); // weights and the int32 zero bias
}

// Reshape's 0 ("copy the input's dim i") for an i the input does not have: the engine read past
// the input's dims vector (found reviewing the reader for issue 13; ASan: heap-buffer-overflow
// in the old Translator::node), now refused as invalid; and
// a negative dim other than -1, which used to wrap to a huge size_t.
TEST(OnnxLimits, ReshapeZeroPastTheInputRankIsRefused)
{
	auto m = om::model({1, 4, 1, 1});
	om::init_i64(m, "shape", {0, 0, 0});
	om::node(m, "Flatten", {"x"}, "f");
	om::node(m, "Reshape", {"f", "shape"}, "y");
	expect_refused(build(m), "reshape dim 0 at 2");
	auto neg = om::model({1, 4, 1, 1});
	om::init_i64(neg, "shape", {1, -7});
	om::node(neg, "Flatten", {"x"}, "f");
	om::node(neg, "Reshape", {"f", "shape"}, "y");
	expect_refused(build(neg), "reshape dim -7");
}

// 100000 inputs and as many initializers (2 MB): the input scan used to compare every input
// with every initializer (1e10 string compares, and 100x that for a 20 MB model: a hang of the
// loading thread); now a set makes it n log n.  Refused because the graph has more than one real input.
TEST(OnnxLimits, ManyInputsAndInitializersLoadInLinearTime)
{
	auto m = om::model({1, 3, 8, 8});
	auto *g = m.mutable_graph();
	for (int k = 0; k < 100000; ++k) {
		g->add_input()->set_name("i" + std::to_string(k));
		g->add_initializer()->set_name("t" + std::to_string(k));
	}
	const auto l = build(m);
	EXPECT_FALSE(l.net);
	EXPECT_NE(l.error.find("other than one input"), std::string::npos) << l.error;
}

// A model file over kMaxModelBytes is refused from its size, for both engines, before it is read
// (a sparse file: nothing is written).  It used to be read whole into memory first.
TEST(OnnxLimits, ModelFileOverTheCapIsRefusedUnread)
{
	const auto path =
		std::filesystem::temp_directory_path() / ("vaccel-onnx-big-" + std::to_string(getpid()) + ".onnx");
	FILE *fp = std::fopen(path.c_str(), "wb");
	ASSERT_NE(fp, nullptr);
	ASSERT_EQ(ftruncate(fileno(fp), static_cast<off_t>(vaccel::onnx::kMaxModelBytes) + 1), 0);
	std::fclose(fp);
	for (const char *engine : {"auto", "opencv"}) {
		setenv("VACCEL_ONNX_ENGINE", engine, 1);
		std::string err;
		EXPECT_FALSE(Classifier::from_file(path.string(), err)) << engine;
		EXPECT_NE(err.find("limits"), std::string::npos) << engine << ": " << err;
	}
	unsetenv("VACCEL_ONNX_ENGINE");
	std::filesystem::remove(path);
}
