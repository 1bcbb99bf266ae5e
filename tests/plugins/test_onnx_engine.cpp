// SPDX-License-Identifier: Apache-2.0
// Engine-level tests of the onnx plugin (OpenCV DNN, no vAccel): accuracy on the shared images
// with the int8 and the f32 model, preprocessing options and bad input.
#include "onnx_classifier.hpp"
#include "test_models.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using vaccel::onnx::Classifier;
using vaccel::onnx::Preprocess;
using vaccel::onnx::Status;
using vaccel::test::model_path;
using vaccel::test::read_bytes;

namespace {

using vaccel::test::ImageCase;
using vaccel::test::kSampleImages;

void expect_top1(const char *model_file, bool from_buffer)
{
	std::string err;
	std::unique_ptr<Classifier> net;
	if (from_buffer) {
		const auto bytes = read_bytes(model_path(model_file));
		net = Classifier::from_buffer(bytes.data(), bytes.size(), err);
	} else {
		net = Classifier::from_file(model_path(model_file), err);
	}
	ASSERT_TRUE(net) << err;
	vaccel::image::Labels labels;
	ASSERT_TRUE(labels.load(model_path("imagenet_labels_1000.txt"), err)) << err;
	for (const ImageCase &c : kSampleImages) {
		const auto img = read_bytes(model_path(c.image));
		std::vector<float> probs;
		ASSERT_EQ(net->classify(img.data(), img.size(), Preprocess{}, probs, err), Status::Ok) << err;
		ASSERT_EQ(probs.size(), 1000U);
		const auto best = vaccel::image::top_k(probs, 1).at(0);
		EXPECT_NE(labels.name(best.index).find(c.label), std::string::npos)
			<< model_file << " " << c.image << ": got " << labels.name(best.index) << " " << best.score;
		EXPECT_GT(best.score, 0.5F) << c.image;
	}
}

} // namespace

TEST(OnnxEngine, Int8ModelTop1)
{
	expect_top1("mobilenetv2-12-int8.onnx", false);
}
TEST(OnnxEngine, F32ModelTop1FromBuffer)
{
	expect_top1("mobilenetv2-12-f32-opset10.onnx", true);
}

TEST(OnnxEngine, CatScoreMatchesPublishedFigure)
{
	// ../shared/models/README.md: OpenCV int8 gives Egyptian cat 0.836 on cat.bmp.
	std::string err;
	auto net = Classifier::from_file(model_path("mobilenetv2-12-int8.onnx"), err);
	ASSERT_TRUE(net) << err;
	const auto img = read_bytes(model_path("cat.bmp"));
	std::vector<float> probs;
	ASSERT_EQ(net->classify(img.data(), img.size(), Preprocess{}, probs, err), Status::Ok);
	EXPECT_EQ(vaccel::image::top_k(probs, 1)[0].index, 285U);
	EXPECT_NEAR(probs[285], 0.836F, 0.05F);
}

TEST(OnnxEngine, BadInputs)
{
	std::string err;
	EXPECT_FALSE(Classifier::from_file("/nonexistent/model.onnx", err));
	EXPECT_FALSE(err.empty());
	// A valid image file is not an ONNX model.
	const auto bmp = read_bytes(model_path("cat.bmp"));
	EXPECT_FALSE(Classifier::from_buffer(bmp.data(), bmp.size(), err));
	// A TFLite flatbuffer neither.
	EXPECT_FALSE(Classifier::from_file(model_path("mobilenet_v1_0.25_128_quant.tflite"), err));
	EXPECT_FALSE(Classifier::from_buffer(nullptr, 0, err));

	// OpenCV DNN: the shape check below is its own (the XNNPACK engine, which the int8 model now
	// takes by default, accepts NHWC input by design; its size checks: test_onnx_xnn_quant.cpp).
	setenv("VACCEL_ONNX_ENGINE", "opencv", 1);
	auto net = Classifier::from_file(model_path("mobilenetv2-12-int8.onnx"), err);
	unsetenv("VACCEL_ONNX_ENGINE");
	ASSERT_TRUE(net) << err;
	std::vector<float> probs;
	const std::string text = "not an image";
	EXPECT_EQ(net->classify(text.data(), text.size(), Preprocess{}, probs, err), Status::InvalidInput);
	EXPECT_EQ(net->classify(nullptr, 0, Preprocess{}, probs, err), Status::InvalidInput);
	// A shape the network cannot take is an engine error, not a crash.
	Preprocess odd;
	odd.layout = Preprocess::Layout::Nhwc;
	EXPECT_EQ(net->classify(bmp.data(), bmp.size(), odd, probs, err), Status::Backend) << err;
	// ... and leaves the network usable.
	ASSERT_EQ(net->classify(bmp.data(), bmp.size(), Preprocess{}, probs, err), Status::Ok) << err;
	EXPECT_EQ(vaccel::image::top_k(probs, 1)[0].index, 285U);
	std::vector<float> wrong(10, 0.0F);
	EXPECT_EQ(net->forward(wrong, Preprocess{}, probs, err), Status::InvalidInput);
}

TEST(OnnxEngine, PreprocessFromEnv)
{
	Preprocess p;
	std::string err;
	setenv("VACCEL_ONNX_INPUT_SIZE", "160x128", 1);
	setenv("VACCEL_ONNX_MEAN", "0.5,0.5,0.5", 1);
	setenv("VACCEL_ONNX_STD", "0.25 0.25 0.25", 1);
	setenv("VACCEL_ONNX_LAYOUT", "nhwc", 1);
	setenv("VACCEL_ONNX_CROP", "1", 1);
	ASSERT_TRUE(vaccel::onnx::preprocess_from_env(p, err)) << err;
	EXPECT_EQ(p.width, 160);
	EXPECT_EQ(p.height, 128);
	EXPECT_FLOAT_EQ(p.mean[2], 0.5F);
	EXPECT_FLOAT_EQ(p.std[0], 0.25F);
	EXPECT_EQ(p.layout, Preprocess::Layout::Nhwc);
	EXPECT_DOUBLE_EQ(p.crop, 1.0);
	setenv("VACCEL_ONNX_STD", "0,1,1", 1);
	Preprocess q;
	EXPECT_FALSE(vaccel::onnx::preprocess_from_env(q, err));
	EXPECT_NE(err.find("VACCEL_ONNX_STD"), std::string::npos);
	for (const char *v : {"VACCEL_ONNX_INPUT_SIZE", "VACCEL_ONNX_MEAN", "VACCEL_ONNX_STD", "VACCEL_ONNX_LAYOUT",
			      "VACCEL_ONNX_CROP"})
		unsetenv(v);
	Preprocess d;
	ASSERT_TRUE(vaccel::onnx::preprocess_from_env(d, err));
	EXPECT_EQ(d.width, 224);
}

TEST(OnnxEngine, SoftmaxAutoDetectsProbabilities)
{
	const std::vector<float> probs{0.25F, 0.75F};
	EXPECT_EQ(vaccel::onnx::to_probabilities(probs, Preprocess::Softmax::Auto), probs);
	const std::vector<float> logits{2.0F, 4.0F};
	const auto p = vaccel::onnx::to_probabilities(logits, Preprocess::Softmax::Auto);
	EXPECT_NEAR(p[0] + p[1], 1.0F, 1e-6);
	EXPECT_EQ(vaccel::onnx::to_probabilities(logits, Preprocess::Softmax::Off), logits);
}
