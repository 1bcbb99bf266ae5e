// SPDX-License-Identifier: Apache-2.0
// Engine-level tests of the tflite plugin (Arm NN, no vAccel).
// Note: Arm NN on x86 only has CpuRef, about 4 s per MobileNetV2-224 inference.
#include "edgetpu_model.hpp"
#include "test_models.hpp"
#include "tflite_model.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using vaccel::test::model_path;
using vaccel::test::read_bytes;
using vaccel::tflite::DType;
using vaccel::tflite::Model;
using vaccel::tflite::Status;

namespace {

std::unique_ptr<Model> load(const std::string &file)
{
	Status st = Status::Ok;
	std::string err;
	auto m = Model::load(read_bytes(model_path(file)), st, err);
	EXPECT_EQ(st, Status::Ok) << err;
	return m;
}

} // namespace

TEST(TfliteEngine, DescribesQuantizedMobilenet)
{
	Status st = Status::Ok;
	std::string err;
	vaccel::tflite::LoadOptions armnn;
	armnn.engine = vaccel::tflite::Engine::ArmNN;
	auto m = Model::load(read_bytes(model_path("mobilenet_v2_1.0_224_quant.tflite")), armnn, st, err);
	ASSERT_TRUE(m);
	ASSERT_EQ(m->inputs().size(), 1U);
	EXPECT_EQ(m->inputs()[0].dims, (std::vector<int32_t>{1, 224, 224, 3}));
	EXPECT_EQ(m->inputs()[0].dtype, DType::UInt8);
	EXPECT_EQ(m->inputs()[0].zero_point, 128);
	EXPECT_NEAR(m->inputs()[0].scale, 1.0 / 128, 1e-3);
	ASSERT_EQ(m->outputs().size(), 1U);
	EXPECT_EQ(m->outputs()[0].dims, (std::vector<int32_t>{1, 1001}));
	EXPECT_EQ(m->outputs()[0].bytes, 1001U);
	ASSERT_FALSE(m->backends().empty());
	// On x86 only the reference backend exists; on Arm the faster ones come first.
	EXPECT_EQ(m->backends().back(), "CpuRef");
}

TEST(TfliteEngine, V2QuantTop1OnAllImages)
{
	auto m = load("mobilenet_v2_1.0_224_quant.tflite");
	ASSERT_TRUE(m);
	vaccel::image::Labels labels;
	std::string err;
	ASSERT_TRUE(labels.load(model_path("imagenet_labels.txt"), err)) << err;
	const std::pair<const char *, const char *> cases[] = {{"cat.bmp", "Egyptian cat"},
							       {"parrot.jpg", "macaw"},
							       {"hot_dog.jpg", "hotdog"},
							       {"bird.bmp", "chickadee"}};
	for (const auto &[img_file, want] : cases) {
		const auto img = read_bytes(model_path(img_file));
		std::vector<float> scores;
		ASSERT_EQ(m->classify(img.data(), img.size(), scores, err), Status::Ok) << err;
		ASSERT_EQ(scores.size(), 1001U);
		const auto best = vaccel::image::top_k(scores, 1)[0];
		EXPECT_NE(labels.name(best.index).find(want), std::string::npos)
			<< img_file << ": got " << labels.name(best.index) << " " << best.score;
		EXPECT_GT(best.score, 0.5F);
	}
}

TEST(TfliteEngine, RawRunEqualsImagePath)
{
	auto m = load("mobilenet_v1_0.25_128_quant.tflite");
	ASSERT_TRUE(m);
	const auto bytes = read_bytes(model_path("cat.bmp"));
	vaccel::image::Image img;
	std::string err;
	ASSERT_TRUE(vaccel::image::decode_rgb(bytes.data(), bytes.size(), img, err));
	std::vector<uint8_t> tensor;
	ASSERT_EQ(m->make_image_input(img, tensor, err), Status::Ok) << err;
	EXPECT_EQ(tensor.size(), 128U * 128U * 3U);
	std::vector<std::vector<uint8_t>> out;
	ASSERT_EQ(m->run({tensor.data()}, out, err), Status::Ok) << err;
	std::vector<float> scores;
	ASSERT_EQ(m->classify(bytes.data(), bytes.size(), scores, err), Status::Ok) << err;
	EXPECT_EQ(m->dequantize(out[0], m->outputs()[0]), scores);
	// The uint8 output (scale 1/256, zero point 0) is a softmax: used as is, not re-normalised
	// (its sum drifts from 1 by quantisation).
	EXPECT_EQ(vaccel::tflite::to_probabilities(scores, m->outputs()[0]), scores);
	vaccel::tflite::TensorDesc logits_desc;
	logits_desc.dtype = DType::Float32;
	const auto p = vaccel::tflite::to_probabilities({1.0F, 3.0F}, logits_desc);
	EXPECT_NEAR(p[0] + p[1], 1.0F, 1e-6);
	EXPECT_GT(p[1], 0.8F);
	// Cat classes of the 1001-label file are 282..286 (tiny model: tiger cat first).
	const auto best = vaccel::image::top_k(scores, 1)[0];
	EXPECT_GE(best.index, 282U);
	EXPECT_LE(best.index, 286U);
}

TEST(TfliteEngine, RejectsWrongFormats)
{
	Status st = Status::Ok;
	std::string err;
	EXPECT_FALSE(Model::load(read_bytes(model_path("mobilenetv2-12-int8.onnx")), st, err));
	EXPECT_EQ(st, Status::Backend);
	EXPECT_NE(err.find("TFL3"), std::string::npos) << err;
	EXPECT_FALSE(Model::load({}, st, err));
	EXPECT_EQ(st, Status::Backend);
	// Right identifier, garbage body: our reader or Arm NN's verifier must refuse it.
	std::vector<uint8_t> junk(256, 0xff);
	std::memcpy(junk.data() + 4, "TFL3", 4);
	EXPECT_FALSE(Model::load(junk, st, err));
	EXPECT_NE(st, Status::Ok);
	// A truncated real model.
	auto half = read_bytes(model_path("mobilenet_v1_0.25_128_quant.tflite"));
	half.resize(half.size() / 2);
	EXPECT_FALSE(Model::load(half, st, err));
	EXPECT_NE(st, Status::Ok) << err;
}

TEST(TfliteEngine, EdgeTpuModelGetsClearError)
{
	const auto cpu = read_bytes(model_path("mobilenet_v1_0.25_128_quant.tflite"));
	const auto tpu = vaccel::test::make_edgetpu_variant(cpu);
	ASSERT_FALSE(tpu.empty());
	std::vector<vaccel::tflite::OperatorCode> codes;
	std::string err;
	ASSERT_TRUE(vaccel::tflite::read_operator_codes(tpu.data(), tpu.size(), codes, err)) << err;
	EXPECT_EQ(codes[0].builtin, 32);
	EXPECT_EQ(codes[0].custom, "edgetpu-custom-op");
	Status st = Status::Ok;
	EXPECT_FALSE(Model::load(tpu, st, err));
	EXPECT_EQ(st, Status::Unsupported);
	EXPECT_NE(err.find("Edge TPU runtime"), std::string::npos) << err;
	EXPECT_NE(err.find("without the '_edgetpu' suffix"), std::string::npos) << err;
	// Another custom op is named as such.
	const auto other = vaccel::test::make_edgetpu_variant(cpu, "MyCustomOp");
	EXPECT_FALSE(Model::load(other, st, err));
	EXPECT_EQ(st, Status::Unsupported);
	EXPECT_NE(err.find("MyCustomOp"), std::string::npos) << err;
}

TEST(TfliteEngine, BadRunInputs)
{
	auto m = load("mobilenet_v1_0.25_128_quant.tflite");
	ASSERT_TRUE(m);
	std::vector<std::vector<uint8_t>> out;
	std::string err;
	EXPECT_EQ(m->run({}, out, err), Status::InvalidInput);
	EXPECT_EQ(m->run({nullptr}, out, err), Status::InvalidInput);
	std::vector<float> scores;
	const std::string text = "no image here";
	EXPECT_EQ(m->classify(text.data(), text.size(), scores, err), Status::InvalidInput);
	EXPECT_EQ(m->classify(nullptr, 0, scores, err), Status::InvalidInput);
}

TEST(TfliteEngine, BackendPreferenceFromEnv)
{
	setenv("VACCEL_TFLITE_BACKENDS", "CpuAcc", 1);
	Status st = Status::Ok;
	std::string err;
	vaccel::tflite::LoadOptions armnn;
	armnn.engine = vaccel::tflite::Engine::ArmNN;
	auto m = Model::load(read_bytes(model_path("mobilenet_v1_0.25_128_quant.tflite")), armnn, st, err);
	unsetenv("VACCEL_TFLITE_BACKENDS");
#if defined(__x86_64__)
	// x86 has no CpuAcc: a clear error listing what is present.
	EXPECT_FALSE(m);
	EXPECT_EQ(st, Status::Backend);
	EXPECT_NE(err.find("CpuRef"), std::string::npos) << err;
#endif
	EXPECT_EQ(vaccel::tflite::preferred_backends(), (std::vector<std::string>{"GpuAcc", "CpuAcc", "CpuRef"}));
}
