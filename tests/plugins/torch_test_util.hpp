// SPDX-License-Identifier: Apache-2.0
// Shared bits of the torch plugin tests: the expected top-1 classes and the tiny model.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "naive_sgemm.hpp"

namespace vaccel::test {

struct ExpectedClass {
	const char *image;
	const char *label; // substring of the imagenet_labels_1000.txt line
	size_t index;      // line number in imagenet_labels_1000.txt
};

// ../shared/models/README.md, f32 TorchScript column: all five shared images (grace_hopper is
// "bow tie" for the float models, "military uniform" only for the int8 ones).
inline constexpr std::array<ExpectedClass, 5> kTorchExpected{{
	{"cat.bmp", "Egyptian cat", 285},
	{"grace_hopper.bmp", "bow tie", 457},
	{"parrot.jpg", "macaw", 88},
	{"hot_dog.jpg", "hotdog", 934},
	{"bird.bmp", "chickadee", 19},
}};

inline constexpr const char *kTorchModel = "mobilenetv2-12-f32.torchscript.pt";
// Made by scripts/make-torch-quantized-model.py (never committed): looked up in the models
// directory, then at VACCEL_TEST_TORCH_QUANT_MODEL (the build tree, where CTest's setup step
// writes it).
inline constexpr const char *kTorchQuantModel = "mobilenetv2-12-qint8-onednn.torchscript.pt";
inline constexpr const char *kLabels1000 = "imagenet_labels_1000.txt";
// The same classes after a leading "background" line (TFLite style).
inline constexpr const char *kLabels1001 = "imagenet_labels.txt";

// The tiny model written by make_tiny_torch_model at build time:
//   forward(x [N,4]) -> (x @ W + b [N,3], relu(x).sum(1) [N]),  W[i][j] = i + 2j, b = {0.5,-1,2}
inline std::string tiny_model_path()
{
	return VACCEL_TEST_TINY_TORCH_MODEL;
}

// The second one: forward(x [N,2,H,W]) -> clamp(conv1x1(x), 0, 6).view(N, -1), a model whose XNNPACK
// rewrite fails (its view needs the NCHW-contiguous result of the model as loaded).
#ifdef VACCEL_TEST_TINY_TORCH_CONV_VIEW
inline std::string tiny_conv_view_path()
{
	return VACCEL_TEST_TINY_TORCH_CONV_VIEW;
}
// The third: forward(x [N,1,H,W], v [M,2]) -> (conv3x3(x) without padding, linear(v) [M,5]).
inline std::string tiny_shape_checks_path()
{
	return VACCEL_TEST_TINY_TORCH_SHAPE_CHECKS;
}
#endif

inline std::vector<float> tiny_expected_linear(const std::vector<float> &x, int64_t rows)
{
	const float b[3] = {0.5F, -1.0F, 2.0F};
	std::vector<float> y(static_cast<size_t>(rows) * 3);
	for (int64_t n = 0; n < rows; ++n)
		for (int j = 0; j < 3; ++j) {
			float acc = b[j];
			for (int i = 0; i < 4; ++i)
				acc += x[static_cast<size_t>(n * 4 + i)] * static_cast<float>(i + 2 * j);
			y[static_cast<size_t>(n * 3 + j)] = acc;
		}
	return y;
}

inline std::vector<float> tiny_expected_relu_sum(const std::vector<float> &x, int64_t rows)
{
	std::vector<float> s(static_cast<size_t>(rows), 0.0F);
	for (int64_t n = 0; n < rows; ++n)
		for (int i = 0; i < 4; ++i)
			s[static_cast<size_t>(n)] += std::max(0.0F, x[static_cast<size_t>(n * 4 + i)]);
	return s;
}

} // namespace vaccel::test
