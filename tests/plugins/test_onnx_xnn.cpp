// SPDX-License-Identifier: Apache-2.0
// The onnx plugin's f32 XNNPACK engine against OpenCV DNN (the oracle) on the 5 shared images and
// corrupt ONNX files (no vAccel); the int8 model and the fallback: test_onnx_xnn_quant.cpp.
#include "onnx_classifier.hpp"
#include "test_models.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

using vaccel::onnx::Classifier;
using vaccel::onnx::Preprocess;
using vaccel::onnx::Status;
using vaccel::test::model_path;
using vaccel::test::read_bytes;

namespace {

const char *const kImages[] = {"cat.bmp", "grace_hopper.bmp", "parrot.jpg", "hot_dog.jpg", "bird.bmp"};

std::unique_ptr<Classifier> load(const std::vector<unsigned char> &bytes, const char *engine)
{
	setenv("VACCEL_ONNX_ENGINE", engine, 1);
	std::string err;
	auto c = Classifier::from_buffer(bytes.data(), bytes.size(), err);
	unsetenv("VACCEL_ONNX_ENGINE");
	EXPECT_TRUE(c) << engine << ": " << err;
	return c;
}

std::vector<float> classify(Classifier &c, const char *image)
{
	const auto img = read_bytes(model_path(image));
	std::vector<float> probs;
	std::string err;
	EXPECT_EQ(c.classify(img.data(), img.size(), Preprocess{}, probs, err), Status::Ok) << err;
	return probs;
}

size_t top1(const std::vector<float> &p)
{
	return static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

} // namespace

// Both engines compute in f32; they differ only in summation order.
TEST(OnnxXnn, F32ModelMatchesOpenCVOnAllImages)
{
	const auto bytes = read_bytes(model_path("mobilenetv2-12-f32-opset10.onnx"));
	auto xnn = load(bytes, "xnnpack");
	auto ocv = load(bytes, "opencv");
	ASSERT_TRUE(xnn && ocv);
	EXPECT_STREQ(xnn->engine(), "xnnpack");
	EXPECT_STREQ(ocv->engine(), "opencv");
	for (const char *image : kImages) {
		const auto a = classify(*xnn, image);
		const auto b = classify(*ocv, image);
		ASSERT_EQ(a.size(), 1000U);
		ASSERT_EQ(b.size(), 1000U);
		EXPECT_EQ(top1(a), top1(b)) << image;
		float worst = 0.0F;
		for (size_t i = 0; i < a.size(); ++i)
			worst = std::max(worst, std::fabs(a[i] - b[i]));
		EXPECT_LE(worst, 1e-3F) << image;
		std::printf("f32 %s: top-1 class %zu p=%.4f (OpenCV %.4f), max |diff| %.6f\n", image, top1(a),
			    a[top1(a)], b[top1(b)], worst);
	}
}

// The QOperator int8 model runs on XNNPACK too: see test_onnx_xnn_quant.cpp (its fallback test
// edits that model to hold an operator the engine lacks).

TEST(OnnxXnn, CorruptModelsGetAClearError)
{
	const auto bytes = read_bytes(model_path("mobilenetv2-12-f32-opset10.onnx"));
	setenv("VACCEL_ONNX_ENGINE", "xnnpack", 1);
	for (const size_t len : {size_t{1}, size_t{100}, bytes.size() / 2, bytes.size() - 7}) {
		std::string err;
		EXPECT_FALSE(Classifier::from_buffer(bytes.data(), len, err)) << len;
		EXPECT_FALSE(err.empty()) << len;
	}
	// Random byte corruptions: refused with a message, or a model that runs.
	std::mt19937 rng(99);
	int refused = 0;
	for (int i = 0; i < 40; ++i) {
		auto bad = bytes;
		for (int k = 0; k < 8; ++k)
			bad[rng() % bad.size()] = static_cast<unsigned char>(rng());
		std::string err;
		auto c = Classifier::from_buffer(bad.data(), bad.size(), err);
		if (!c) {
			EXPECT_FALSE(err.empty());
			++refused;
			continue;
		}
		std::vector<float> out;
		c->forward(std::vector<float>(3 * 224 * 224, 0.5F), Preprocess{}, out, err);
	}
	unsetenv("VACCEL_ONNX_ENGINE");
	std::printf("%d of 40 corrupted models refused\n", refused);
}
