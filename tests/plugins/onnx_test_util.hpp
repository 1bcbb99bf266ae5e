// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the onnx engine-layer tests on the shared models (test_onnx_xnn.cpp,
// test_onnx_xnn_quant.cpp): load a model's bytes under a chosen engine, classify one of the
// models directory's images, and read the top-1 class.  No vAccel.
// Thread safety: load() sets and unsets $VACCEL_ONNX_ENGINE, so tests call it from one thread.
#pragma once

#include "onnx_classifier.hpp"
#include "test_models.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace vaccel::test::onnxt {

// The five images of the models directory the engines are compared on.
inline constexpr const char *kImages[] = {"cat.bmp", "grace_hopper.bmp", "parrot.jpg", "hot_dog.jpg", "bird.bmp"};

// Loads `bytes` with VACCEL_ONNX_ENGINE=engine (auto|xnnpack|opencv); nullptr and `err` when refused.
inline std::unique_ptr<vaccel::onnx::Classifier> load(const std::vector<unsigned char> &bytes, const char *engine,
						      std::string &err)
{
	setenv("VACCEL_ONNX_ENGINE", engine, 1);
	auto c = vaccel::onnx::Classifier::from_buffer(bytes.data(), bytes.size(), err);
	unsetenv("VACCEL_ONNX_ENGINE");
	return c;
}

// The class probabilities of models-directory image `image` with the default preprocessing; a
// test failure (and whatever came back) when the classifier refuses it.
inline std::vector<float> classify(vaccel::onnx::Classifier &c, const char *image)
{
	const auto img = read_bytes(model_path(image));
	std::vector<float> probs;
	std::string err;
	EXPECT_EQ(c.classify(img.data(), img.size(), vaccel::onnx::Preprocess{}, probs, err), vaccel::onnx::Status::Ok)
		<< err;
	return probs;
}

// Index of the highest probability (the first on ties); 0 for an empty vector.
inline size_t top1(const std::vector<float> &p)
{
	return static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

// `tries` copies of `bytes`, each with 8 random bytes (mt19937 seeded with `seed`) overwritten
// within its first span(i) bytes, loaded on the XNNPACK engine: each must be refused with a
// message, or load and survive one inference on a 3x224x224 input.  Returns how many were refused.
inline int corrupted_loads(const std::vector<unsigned char> &bytes, int tries, unsigned seed,
			   const std::function<size_t(int)> &span)
{
	std::mt19937 rng(seed);
	int refused = 0;
	for (int i = 0; i < tries; ++i) {
		auto bad = bytes;
		const size_t n = std::min(span(i), bad.size());
		for (int k = 0; k < 8; ++k)
			bad[rng() % n] = static_cast<unsigned char>(rng());
		std::string err;
		auto c = load(bad, "xnnpack", err);
		if (!c) {
			EXPECT_FALSE(err.empty());
			++refused;
			continue;
		}
		std::vector<float> out;
		c->forward(std::vector<float>(3 * 224 * 224, 0.5F), vaccel::onnx::Preprocess{}, out, err);
	}
	return refused;
}

} // namespace vaccel::test::onnxt
