// SPDX-License-Identifier: Apache-2.0
// The QOperator int8 ONNX model on the onnx plugin's XNNPACK engine (uint8 activations carried as
// int8, per-channel int8 weights as qc8, the shape head folded): top-1 on the shared images, the
// same classes as OpenCV DNN on the same model, the fallback to OpenCV for an operator the engine
// lacks, and hostile edits of the model (clear error, no crash).  No vAccel.
// When the int8 model is absent, every test here but the tiny models' is skipped with a message
// saying how to get it.  The tiny int8 models (tiny_onnx_int8.hpp, also the fuzz_onnx seeds) need
// no model file.
#include "image.hpp"
#include "onnx_test_util.hpp"
#include "onnx_xnn.hpp"
#include "tiny_onnx_int8.hpp"

#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>

using vaccel::onnx::Classifier;
using vaccel::onnx::Preprocess;
using vaccel::onnx::Status;
using vaccel::test::model_path;
using vaccel::test::models_dir;
using vaccel::test::read_bytes;
using namespace vaccel::test::onnxt; // NOLINT: load, classify, top1 (onnx_test_util.hpp)

namespace {

constexpr const char *kModel = "mobilenetv2-12-int8.onnx";

#define SKIP_WITHOUT_INT8_MODEL()                                                                                      \
	if (!std::filesystem::exists(std::filesystem::path(models_dir()) / kModel))                                    \
	GTEST_SKIP() << kModel << " is absent (looked in " << models_dir()                                             \
		     << "): run scripts/fetch-models.sh or set VACCEL_MODELS_DIR"

} // namespace

// Top-1 and its probability as ONNX Runtime 1.30 gives them on this model
// (../shared/reference/engines.md, table of section 2).  Grace Hopper is close between bow tie and
// military uniform: ORT says bow tie .313, OpenCV DNN military uniform .393.
struct OrtCase {
	const char *image;
	const char *label;
	float p;
};
constexpr OrtCase kOrt[] = {{"cat.bmp", "Egyptian cat", 0.861F},
			    {"grace_hopper.bmp", "bow tie", 0.313F},
			    {"parrot.jpg", "macaw", 1.000F},
			    {"hot_dog.jpg", "hotdog", 0.929F},
			    {"bird.bmp", "chickadee", 0.998F}};

// Same top-1 as ORT on the five images, probabilities within 0.01 of ORT's; and the same top-1
// as OpenCV DNN on the same model where OpenCV agrees with ORT.
TEST(OnnxXnnQuant, Int8ModelOnXnnpackMatchesOnnxRuntime)
{
	SKIP_WITHOUT_INT8_MODEL();
	const auto bytes = read_bytes(model_path(kModel));
	std::string err;
	auto xnn = load(bytes, "xnnpack", err);
	ASSERT_TRUE(xnn) << err;
	EXPECT_STREQ(xnn->engine(), "xnnpack");
	auto ocv = load(bytes, "opencv", err);
	ASSERT_TRUE(ocv) << err;
	vaccel::image::Labels labels;
	ASSERT_TRUE(labels.load(model_path("imagenet_labels_1000.txt"), err)) << err;
	for (const auto &c : kOrt) {
		const auto p = classify(*xnn, c.image);
		ASSERT_EQ(p.size(), 1000U);
		const size_t best = top1(p);
		EXPECT_EQ(labels.name(best).rfind(c.label, 0), 0U) << c.image << ": got " << labels.name(best);
		EXPECT_NEAR(p[best], c.p, 0.01F) << c.image;
		const auto q = classify(*ocv, c.image);
		if (labels.name(top1(q)).rfind(c.label, 0) == 0) {
			EXPECT_EQ(best, top1(q)) << c.image;
		}
		std::printf("int8 %s: XNNPACK %s p=%.3f (ORT %.3f), OpenCV %s p=%.3f\n", c.image,
			    labels.name(best).c_str(), p[best], c.p, labels.name(top1(q)).c_str(), q[top1(q)]);
	}
}

// auto takes XNNPACK for the int8 model, with no fallback reason.
TEST(OnnxXnnQuant, AutoPicksXnnpackForTheInt8Model)
{
	SKIP_WITHOUT_INT8_MODEL();
	const auto bytes = read_bytes(model_path(kModel));
	std::string err;
	auto c = load(bytes, "auto", err);
	ASSERT_TRUE(c) << err;
	EXPECT_STREQ(c->engine(), "xnnpack");
	EXPECT_TRUE(c->fallback_reason().empty()) << c->fallback_reason();
	// Bad input to the loaded model: an error, and the model still works after it.
	const auto img = read_bytes(model_path("cat.bmp"));
	std::vector<float> probs;
	const std::string text = "not an image";
	EXPECT_EQ(c->classify(text.data(), text.size(), Preprocess{}, probs, err), Status::InvalidInput);
	Preprocess small;
	small.width = small.height = 160;
	EXPECT_EQ(c->classify(img.data(), img.size(), small, probs, err), Status::InvalidInput);
	EXPECT_NE(err.find("1x3x224x224"), std::string::npos) << err;
	EXPECT_EQ(c->forward(std::vector<float>(10, 0.0F), Preprocess{}, probs, err), Status::InvalidInput);
	// NHWC input is transposed by the engine itself: the same class as NCHW.
	Preprocess nhwc;
	nhwc.layout = Preprocess::Layout::Nhwc;
	ASSERT_EQ(c->classify(img.data(), img.size(), nhwc, probs, err), Status::Ok) << err;
	EXPECT_EQ(top1(probs), 285U);
	ASSERT_EQ(c->classify(img.data(), img.size(), Preprocess{}, probs, err), Status::Ok) << err;
	EXPECT_EQ(top1(probs), 285U);
}

namespace {

std::vector<unsigned char> edited(const std::vector<unsigned char> &bytes,
				  const std::function<void(::onnx::ModelProto &)> &edit)
{
	::onnx::ModelProto m;
	EXPECT_TRUE(m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
	edit(m);
	std::string out;
	EXPECT_TRUE(m.SerializeToString(&out));
	return {out.begin(), out.end()};
}

::onnx::NodeProto *first(::onnx::ModelProto &m, const std::string &op)
{
	for (auto &n : *m.mutable_graph()->mutable_node())
		if (n.op_type() == op)
			return &n;
	ADD_FAILURE() << "no " << op << " node";
	static ::onnx::NodeProto none;
	return &none;
}

::onnx::TensorProto *initializer(::onnx::ModelProto &m, const std::string &name)
{
	for (auto &t : *m.mutable_graph()->mutable_initializer())
		if (t.name() == name)
			return &t;
	ADD_FAILURE() << "no initializer " << name;
	static ::onnx::TensorProto none;
	return &none;
}

} // namespace

// An operator the engine lacks (the first QLinearAdd turned into a QLinearMul, which OpenCV
// runs): auto falls back to OpenCV naming the node, xnnpack refuses the model naming it.
TEST(OnnxXnnQuant, UnsupportedOperatorFallsBackToOpenCV)
{
	SKIP_WITHOUT_INT8_MODEL();
	const auto bytes = edited(read_bytes(model_path(kModel)),
				  [](::onnx::ModelProto &m) { first(m, "QLinearAdd")->set_op_type("QLinearMul"); });
	std::string err;
	auto c = load(bytes, "auto", err);
	ASSERT_TRUE(c) << err;
	EXPECT_STREQ(c->engine(), "opencv");
	EXPECT_NE(c->fallback_reason().find("com.microsoft:QLinearMul): not implemented"), std::string::npos)
		<< c->fallback_reason();
	EXPECT_EQ(classify(*c, "cat.bmp").size(), 1000U);
	EXPECT_FALSE(load(bytes, "xnnpack", err));
	EXPECT_NE(err.find("QLinearMul"), std::string::npos) << err;
}

// Hostile edits of the model's quantisation data and shape head: each refused by the XNNPACK
// engine with a message saying what is wrong (never a crash, never a silently wrong model).
TEST(OnnxXnnQuant, BadQuantisedModelsGetAClearError)
{
	SKIP_WITHOUT_INT8_MODEL();
	const auto bytes = read_bytes(model_path(kModel));
	struct Case {
		const char *what;
		std::function<void(::onnx::ModelProto &)> edit;
		const char *expect;
	};
	const auto conv_input = [](::onnx::ModelProto &m, int k) {
		return initializer(m, first(m, "QLinearConv")->input(k));
	};
	const Case cases[] = {
		{"zero input scale", [](auto &m) { initializer(m, "input_scale")->set_raw_data(std::string(4, '\0')); },
		 "scale"},
		{"NaN output scale",
		 [&](auto &m) {
			 const float nan = NAN;
			 conv_input(m, 6)->set_raw_data(std::string(reinterpret_cast<const char *>(&nan), 4));
		 },
		 "scale"},
		{"int32 zero point",
		 [](auto &m) {
			 auto *z = initializer(m, "input_zero_point");
			 z->set_data_type(::onnx::TensorProto::INT32);
			 z->set_raw_data(std::string(4, '\0'));
		 },
		 "zero point"},
		{"truncated weights",
		 [&](auto &m) {
			 auto *w = conv_input(m, 3);
			 w->set_raw_data(w->raw_data().substr(0, 10));
		 },
		 "weight data"},
		{"huge weight dims", [&](auto &m) { conv_input(m, 3)->set_dims(1, int64_t{1} << 40); }, "weight"},
		{"weight scales of the wrong count",
		 [&](auto &m) {
			 auto *s = conv_input(m, 4);
			 s->set_raw_data(s->raw_data().substr(0, 8));
			 s->set_dims(0, 2);
		 },
		 "weight scale"},
		{"asymmetric weights",
		 [&](auto &m) {
			 auto *z = conv_input(m, 5);
			 std::string d = z->raw_data();
			 d[0] = 3;
			 z->set_raw_data(d);
		 },
		 "zero points"},
		{"bias of the wrong size",
		 [&](auto &m) {
			 auto *b = conv_input(m, 8);
			 b->set_raw_data(b->raw_data().substr(0, 8));
			 b->set_dims(0, 2);
		 },
		 "bias"},
		{"padding out of range",
		 [](auto &m) {
			 auto *a = first(m, "QLinearConv")->mutable_attribute();
			 for (auto &x : *a)
				 if (x.name() == "pads")
					 x.set_ints(0, 5000);
		 },
		 "padding"},
		{"activations over the caps",
		 [](auto &m) {
			 for (auto &x : *first(m, "QLinearConv")->mutable_attribute())
				 if (x.name() == "pads")
					 for (int i = 0; i < 4; ++i)
						 x.set_ints(i, 1000);
		 },
		 "over the caps"},
		{"Gather index out of range",
		 [](auto &m) {
			 auto *t = initializer(m, "466");
			 const int64_t v = 9;
			 t->set_raw_data(std::string(reinterpret_cast<const char *>(&v), 8));
		 },
		 "out of range"},
		{"Reshape to a bad shape",
		 [](auto &m) {
			 auto *t = initializer(m, "630");
			 const int64_t v = -7;
			 t->set_raw_data(std::string(reinterpret_cast<const char *>(&v), 8));
		 },
		 "shape entry"},
		{"Reshape to a wrapping shape",
		 [](auto &m) {
			 auto *t = initializer(m, "630");
			 const int64_t v[2] = {int64_t{1} << 29, int64_t{1} << 29};
			 t->set_raw_data(std::string(reinterpret_cast<const char *>(v), 16));
			 t->set_dims(0, 2);
		 },
		 "too many elements"},
		{"Unsqueeze axis out of range",
		 [](auto &m) {
			 for (auto &x : *first(m, "Unsqueeze")->mutable_attribute())
				 if (x.name() == "axes")
					 x.set_ints(0, 99);
		 },
		 "axis"},
		{"QLinearAdd with too few inputs",
		 [](auto &m) {
			 auto *in = first(m, "QLinearAdd")->mutable_input();
			 in->RemoveLast();
			 in->RemoveLast();
		 },
		 "inputs"},
		{"a node reading a tensor never written",
		 [](auto &m) { first(m, "QLinearGlobalAveragePool")->set_input(0, "nowhere"); }, "not a computed"},
		{"an output written twice",
		 [](auto &m) {
			 auto *n = first(m, "QLinearAdd");
			 n->set_output(0, first(m, "QLinearConv")->output(0));
		 },
		 "written twice"},
		{"input read with other parameters",
		 [](auto &m) { first(m, "QLinearAdd")->set_input(1, "input_scale"); }, "quantisation parameters"},
	};
	for (const auto &c : cases) {
		const auto bad = edited(bytes, c.edit);
		std::string err;
		EXPECT_FALSE(load(bad, "xnnpack", err)) << c.what;
		EXPECT_NE(err.find(c.expect), std::string::npos) << c.what << ": " << err;
	}
}

// Truncations and random byte corruptions of the int8 model: refused with a message, or a model
// that runs to completion (ASan-clean: build-asan, 2026-12-03).
TEST(OnnxXnnQuant, CorruptInt8ModelsAreRefusedOrRun)
{
	SKIP_WITHOUT_INT8_MODEL();
	const auto bytes = read_bytes(model_path(kModel));
	for (const size_t len : {size_t{1}, size_t{64}, bytes.size() / 3, bytes.size() - 3}) {
		std::string err;
		EXPECT_FALSE(load({bytes.begin(), bytes.begin() + static_cast<long>(len)}, "xnnpack", err)) << len;
		EXPECT_FALSE(err.empty()) << len;
	}
	// Every other model is hit in its first 32 KiB only: the nodes and attributes, which come
	// before the weights.
	const int refused = corrupted_loads(bytes, 30, 1313, [](int i) { return i % 2 == 0 ? SIZE_MAX : 32768; });
	std::printf("%d of 30 corrupted int8 models refused\n", refused);
}

// The tiny int8 models that seed fuzz_onnx are taken by the int8 route (the f32 route refuses
// QuantizeLinear and QLinear*, so a translation that succeeds went through onnx_xnn_quant*.cpp)
// and run; the residual block gives the real-number result (means of 0.37 to 1.2 here) within
// about one step of its output scale (0.05; rounding at four stages).
TEST(OnnxXnnQuant, TinyInt8ModelsRunOnTheInt8Route)
{
	namespace om = vaccel::test::onnxm;
	for (const bool residual : {false, true}) {
		const auto m = residual ? om::int8_residual() : om::int8_classifier();
		const std::string b = om::bytes(m);
		bool corrupt = true;
		std::string err;
		vaccel::onnx::XnnUsage u;
		ASSERT_TRUE(vaccel::onnx::XnnNet::translate(b.data(), b.size(), corrupt, err, &u)) << err;
		EXPECT_FALSE(corrupt);
		// What fuzz_onnx checks of every accepted model: the int8 route used to report nothing
		// (values 0), which the harness took for a broken translation and aborted on.
		EXPECT_EQ(u.nodes, static_cast<size_t>(m.graph().node_size()));
		EXPECT_GE(u.values, 2U);
		EXPECT_GT(u.activation_bytes, 0U);
		EXPECT_GT(u.constant_bytes, 0U);
		EXPECT_LE(u.constant_bytes, b.size());
		auto net = vaccel::onnx::XnnNet::build(b.data(), b.size(), 1, corrupt, err);
		ASSERT_TRUE(net) << err;
		const auto &d = net->input_dims();
		std::vector<float> in(d[1] * d[2] * d[3]), out;
		const float offset[3] = {0.8F, -0.5F, 0.3F}; // per channel, so that the means are not ~0
		for (size_t k = 0; k < in.size(); ++k)
			in[k] = static_cast<float>(static_cast<int>(k % 11) - 5) / 10.0F +
				offset[k / (d[2] * d[3]) % 3];
		ASSERT_TRUE(net->forward(in, false, out, err)) << err;
		ASSERT_EQ(out.size(), residual ? 3U : 5U);
		for (const float v : out)
			EXPECT_TRUE(std::isfinite(v));
		if (!residual)
			continue;
		const size_t hw = d[2] * d[3];
		for (size_t c = 0; c < 3; ++c) {
			double sum = 0.0;
			for (size_t p = 0; p < hw; ++p) {
				double conv = om::kInt8ResidualBias[c] * 0.0003;
				for (size_t i = 0; i < 3; ++i)
					conv += om::kInt8ResidualWeights[c * 3 + i] * 0.01 * in[i * hw + p];
				sum += conv + in[c * hw + p];
			}
			EXPECT_NEAR(out[c], sum / static_cast<double>(hw), 0.06) << "channel " << c;
		}
	}
}
