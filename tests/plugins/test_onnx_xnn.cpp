// SPDX-License-Identifier: Apache-2.0
// The onnx plugin's f32 XNNPACK engine against OpenCV DNN (the oracle) on the 5 shared images and
// corrupt ONNX files (no vAccel); the int8 model and the fallback: test_onnx_xnn_quant.cpp.
#include "onnx_test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>

using vaccel::onnx::Classifier;
using vaccel::onnx::Preprocess;
using vaccel::test::model_path;
using vaccel::test::read_bytes;
using namespace vaccel::test::onnxt; // NOLINT: load, classify, top1 (onnx_test_util.hpp)

// Both engines compute in f32; they differ only in summation order.
TEST(OnnxXnn, F32ModelMatchesOpenCVOnAllImages)
{
	const auto bytes = read_bytes(model_path("mobilenetv2-12-f32-opset10.onnx"));
	std::string err;
	auto xnn = load(bytes, "xnnpack", err);
	ASSERT_TRUE(xnn) << err;
	auto ocv = load(bytes, "opencv", err);
	ASSERT_TRUE(ocv) << err;
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

// VACCEL_ONNX_THREADS reaches the XNNPACK engine: its thread pool splits the work by output tiles,
// each computed as with one thread, so the scores are the same.
TEST(OnnxXnn, TwoThreadsGiveTheSameScores)
{
	const auto bytes = read_bytes(model_path("mobilenetv2-12-int8.onnx"));
	std::string err;
	auto one = load(bytes, "xnnpack", err);
	ASSERT_TRUE(one) << err;
	setenv("VACCEL_ONNX_THREADS", "2", 1);
	auto two = load(bytes, "xnnpack", err);
	unsetenv("VACCEL_ONNX_THREADS");
	ASSERT_TRUE(two) << err;
	EXPECT_STREQ(two->engine(), "xnnpack");
	for (const char *image : {"cat.bmp", "parrot.jpg"})
		EXPECT_EQ(classify(*one, image), classify(*two, image)) << image;
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
	unsetenv("VACCEL_ONNX_ENGINE");
	// Random byte corruptions: refused with a message, or a model that runs.
	const int refused = corrupted_loads(bytes, 40, 99, [](int) { return SIZE_MAX; });
	std::printf("%d of 40 corrupted models refused\n", refused);
}
