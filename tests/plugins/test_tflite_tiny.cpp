// SPDX-License-Identifier: Apache-2.0
// The XNNPACK engine on tiny float32 and int8 (per-channel) TFLite models written by the test
// (tiny_tflite.hpp), against Arm NN on the same bytes: the shared models are all uint8, so these
// cover the other datatypes and the operators MobileNet does not use.
#include "test_models.hpp"
#include "tflite_model.hpp"
#include "tiny_tflite_models.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace tfl = vaccel::test::tfl;
using vaccel::tflite::Engine;
using vaccel::tflite::LoadOptions;
using vaccel::tflite::Model;
using vaccel::tflite::Status;

using tfl::float_model;
using tfl::int8_model;
using tfl::randoms;

namespace {

std::unique_ptr<Model> load(const std::vector<uint8_t> &bytes, Engine e)
{
	LoadOptions o;
	o.engine = e;
	Status st = Status::Ok;
	std::string err;
	auto m = Model::load(bytes, o, st, err);
	EXPECT_TRUE(m) << vaccel::tflite::engine_name(e) << ": " << err;
	return m;
}

std::vector<std::vector<uint8_t>> run(Model &m, const std::vector<uint8_t> &input)
{
	std::vector<std::vector<uint8_t>> out;
	std::string err;
	EXPECT_EQ(m.run({input.data()}, out, err), Status::Ok) << err;
	return out;
}

} // namespace

TEST(TfliteTiny, Float32ModelMatchesArmNN)
{
	const auto bytes = float_model();
	auto xnn = load(bytes, Engine::Xnnpack);
	auto ref = load(bytes, Engine::ArmNN);
	ASSERT_TRUE(xnn && ref);
	for (unsigned seed = 10; seed < 13; ++seed) {
		const auto input = tfl::bytes_of(randoms(8 * 8 * 3, -1.0F, 1.0F, seed));
		const auto a = xnn->dequantize(run(*xnn, input).at(0), xnn->outputs()[0]);
		const auto b = ref->dequantize(run(*ref, input).at(0), ref->outputs()[0]);
		ASSERT_EQ(a.size(), 5U);
		ASSERT_EQ(b.size(), 5U);
		for (size_t i = 0; i < a.size(); ++i)
			EXPECT_NEAR(a[i], b[i], 1e-4) << "seed " << seed << " class " << i;
		std::printf("f32 seed %u: XNNPACK %.4f %.4f %.4f %.4f %.4f\n", seed, a[0], a[1], a[2], a[3], a[4]);
	}
}

TEST(TfliteTiny, Int8PerChannelModelMatchesArmNN)
{
	const auto bytes = int8_model();
	auto xnn = load(bytes, Engine::Xnnpack);
	auto ref = load(bytes, Engine::ArmNN);
	ASSERT_TRUE(xnn && ref);
	EXPECT_EQ(xnn->inputs()[0].dtype, vaccel::tflite::DType::Int8);
	for (unsigned seed = 20; seed < 23; ++seed) {
		std::vector<uint8_t> input(8 * 8 * 3);
		std::mt19937 rng(seed);
		for (auto &x : input)
			x = static_cast<uint8_t>(rng());
		const auto a = run(*xnn, input).at(0);
		const auto b = run(*ref, input).at(0);
		ASSERT_EQ(a.size(), 5U);
		ASSERT_EQ(a.size(), b.size());
		std::printf("int8 seed %u: XNNPACK %d %d %d %d %d, Arm NN %d %d %d %d %d\n", seed, int8_t(a[0]),
			    int8_t(a[1]), int8_t(a[2]), int8_t(a[3]), int8_t(a[4]), int8_t(b[0]), int8_t(b[1]),
			    int8_t(b[2]), int8_t(b[3]), int8_t(b[4]));
		// Quantised through 5 layers with different requantisation rounding: a few steps.
		for (size_t i = 0; i < a.size(); ++i)
			EXPECT_LE(std::abs(int{static_cast<int8_t>(a[i])} - int{static_cast<int8_t>(b[i])}), 3)
				<< "seed " << seed << " class " << i;
	}
}
