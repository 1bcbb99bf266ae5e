// SPDX-License-Identifier: Apache-2.0
// Two tiny TFLite models written with tiny_tflite.hpp: a float32 one through most operators of the
// XNNPACK engine, and an int8 one quantised as the TFLite converter does (per-channel
// convolution weights).  Used by test_tflite_tiny.cpp and by the fuzz seed writer.
#pragma once

#include "tiny_tflite.hpp"

#include <random>

namespace vaccel::test::tfl {

enum : int32_t {
	kAdd = 0,
	kAvgPool = 1,
	kConv = 3,
	kDw = 4,
	kFc = 9,
	kLogistic = 14,
	kMaxPool = 17,
	kMul = 18,
	kSoftmax = 25,
	kPad = 34,
	kMean = 40,
	kHardSwish = 117,
};

inline std::vector<float> randoms(size_t n, float lo, float hi, unsigned seed)
{
	std::mt19937 rng(seed);
	std::uniform_real_distribution<float> d(lo, hi);
	std::vector<float> v(n);
	for (auto &x : v)
		x = d(rng);
	return v;
}

inline Table conv_opts(int8_t padding, int32_t stride, int8_t act)
{
	return Table()
		.scalar<int8_t>(0, padding)
		.scalar<int32_t>(1, stride)
		.scalar<int32_t>(2, stride)
		.scalar<int8_t>(3, act);
}
inline Table dw_opts(int8_t padding, int32_t stride, int32_t mult, int8_t act)
{
	return Table()
		.scalar<int8_t>(0, padding)
		.scalar<int32_t>(1, stride)
		.scalar<int32_t>(2, stride)
		.scalar<int32_t>(3, mult)
		.scalar<int8_t>(4, act);
}
inline Table pool_opts(int8_t padding, int32_t stride, int32_t k)
{
	return Table()
		.scalar<int8_t>(0, padding)
		.scalar<int32_t>(1, stride)
		.scalar<int32_t>(2, stride)
		.scalar<int32_t>(3, k)
		.scalar<int32_t>(4, k);
}
inline Table act_opts(int8_t act)
{
	return Table().scalar<int8_t>(0, act);
}

inline Tensor f32(std::vector<int32_t> shape, std::vector<float> data = {})
{
	return {std::move(shape), 0, bytes_of(data), {}, {}, 0};
}

// float32: CONV_2D+RELU6, PAD, MAX_POOL_2D, HARD_SWISH, AVERAGE_POOL_2D (SAME), DEPTHWISE (x2),
// LOGISTIC, MUL, ADD+RELU, MEAN, FULLY_CONNECTED, SOFTMAX.
inline std::vector<uint8_t> float_model()
{
	std::vector<Tensor> t{
		f32({1, 8, 8, 3}),                                                              // 0 input
		f32({4, 3, 3, 3}, randoms(108, -0.5F, 0.5F, 1)),                                // 1 conv filter
		f32({4}, randoms(4, -0.1F, 0.1F, 2)),                                           // 2 bias
		f32({1, 8, 8, 4}),                                                              // 3
		{{4, 2}, 2, bytes_of(std::vector<int32_t>{0, 0, 1, 1, 1, 1, 0, 0}), {}, {}, 0}, // 4
		f32({1, 10, 10, 4}),                                                            // 5
		f32({1, 5, 5, 4}),                                                              // 6
		f32({1, 5, 5, 4}),                                                              // 7
		f32({1, 5, 5, 4}),                                                              // 8 avg pool
		f32({1, 3, 3, 8}, randoms(72, -0.5F, 0.5F, 3)),                                 // 9 dw filter
		f32({8}, randoms(8, -0.1F, 0.1F, 4)),                                           // 10
		f32({1, 3, 3, 8}),                                                              // 11
		f32({1, 3, 3, 8}),                                                              // 12 logistic
		f32({1, 3, 3, 8}),                                                              // 13 mul
		f32({1, 3, 3, 8}),                                                              // 14 add
		{{2}, 2, bytes_of(std::vector<int32_t>{1, 2}), {}, {}, 0},                      // 15 axes
		f32({1, 8}),                                                                    // 16 mean
		f32({5, 8}, randoms(40, -1.0F, 1.0F, 5)),                                       // 17 fc filter
		f32({5}, randoms(5, -0.1F, 0.1F, 6)),                                           // 18
		f32({1, 5}),                                                                    // 19 logits
		f32({1, 5}),                                                                    // 20 probabilities
	};
	std::vector<Op> ops{
		{kConv, {0, 1, 2}, {3}, 1, conv_opts(0, 1, 3)},
		{kPad, {3, 4}, {5}, 22, Table()},
		{kMaxPool, {5}, {6}, 5, pool_opts(1, 2, 2)},
		{kHardSwish, {6}, {7}, 0, {}},
		{kAvgPool, {7}, {8}, 5, pool_opts(0, 1, 3)},
		{kDw, {8, 9, 10}, {11}, 2, dw_opts(0, 2, 2, 0)},
		{kLogistic, {11}, {12}, 0, {}},
		{kMul, {11, 12}, {13}, 21, act_opts(0)},
		{kAdd, {13, 11}, {14}, 11, act_opts(1)},
		{kMean, {14, 15}, {16}, 27, Table().scalar<uint8_t>(0, 0)},
		{kFc, {16, 17, 18}, {19}, 8, act_opts(0)},
		{kSoftmax, {19}, {20}, 9, Table().scalar<float>(0, 1.0F)},
	};
	return model(t, ops, {0}, {20});
}

inline Tensor q8(std::vector<int32_t> shape, float scale, int64_t zp, std::vector<int8_t> data = {})
{
	return {std::move(shape), 9, bytes_of(data), {scale}, {zp}, 0};
}

// int8: CONV_2D (per-channel weights) + RELU6, DEPTHWISE (per-channel), MEAN, FULLY_CONNECTED
// (per-tensor weights), SOFTMAX, as the TFLite converter quantises them.
inline std::vector<uint8_t> int8_model()
{
	std::mt19937 rng(7);
	auto weights = [&](size_t n) {
		std::vector<int8_t> w(n);
		for (auto &x : w)
			x = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
		return w;
	};
	const float in_s = 1.0F / 64;
	const std::vector<float> conv_s{0.004F, 0.006F, 0.008F, 0.01F};
	const std::vector<float> dw_s{0.01F, 0.02F, 0.015F, 0.012F};
	const float conv_out_s = 6.0F / 255, dw_out_s = 0.05F, mean_s = 0.04F, fc_s = 0.1F;
	auto bias = [&](const std::vector<float> &fs, float s_in) {
		Tensor b{{static_cast<int32_t>(fs.size())}, 2, {}, {}, {}, 0};
		std::vector<int32_t> v;
		for (size_t i = 0; i < fs.size(); ++i) {
			b.scales.push_back(s_in * fs[i]);
			b.zero_points.push_back(0);
			v.push_back(static_cast<int32_t>(rng() % 2001) - 1000);
		}
		b.data = bytes_of(v);
		return b;
	};
	Tensor cf{{4, 3, 3, 3}, 9, bytes_of(weights(108)), conv_s, {0, 0, 0, 0}, 0};
	Tensor df{{1, 3, 3, 4}, 9, bytes_of(weights(36)), dw_s, {0, 0, 0, 0}, 3};
	std::vector<Tensor> t{
		q8({1, 8, 8, 3}, in_s, 0),                                 // 0
		cf,                                                        // 1
		bias(conv_s, in_s),                                        // 2
		q8({1, 8, 8, 4}, conv_out_s, -128),                        // 3
		df,                                                        // 4
		bias(dw_s, conv_out_s),                                    // 5
		q8({1, 4, 4, 4}, dw_out_s, 3),                             // 6
		{{2}, 2, bytes_of(std::vector<int32_t>{1, 2}), {}, {}, 0}, // 7
		q8({1, 4}, mean_s, -5),                                    // 8
		q8({5, 4}, 0.02F, 0, weights(20)),                         // 9
		bias({0.02F, 0.02F, 0.02F, 0.02F, 0.02F}, mean_s),         // 10 (per-tensor scale, 5 entries)
		q8({1, 5}, fc_s, 2),                                       // 11
		q8({1, 5}, 1.0F / 256, -128),                              // 12
	};
	t[10].scales.resize(1); // FULLY_CONNECTED: one bias scale
	t[10].zero_points.resize(1);
	std::vector<Op> ops{
		{kConv, {0, 1, 2}, {3}, 1, conv_opts(0, 1, 3)},
		{kDw, {3, 4, 5}, {6}, 2, dw_opts(0, 2, 1, 0)},
		{kMean, {6, 7}, {8}, 27, Table().scalar<uint8_t>(0, 0)},
		{kFc, {8, 9, 10}, {11}, 8, act_opts(0)},
		{kSoftmax, {11}, {12}, 9, Table().scalar<float>(0, 1.0F)},
	};
	return model(t, ops, {0}, {12});
}

} // namespace vaccel::test::tfl
