// SPDX-License-Identifier: Apache-2.0
// The tflite plugin's XNNPACK engine against Arm NN (the oracle), its fallback to Arm NN, and its
// refusal of corrupt flatbuffers (no vAccel).
#include "edgetpu_model.hpp"
#include "test_models.hpp"
#include "tflite_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

using vaccel::test::model_path;
using vaccel::test::read_bytes;
using vaccel::tflite::Engine;
using vaccel::tflite::LoadOptions;
using vaccel::tflite::Model;
using vaccel::tflite::Status;

namespace {

// The 5 shared images; the expected labels are those of ../shared/models/README.md for v2.
const std::pair<const char *, const char *> kImages[] = {{"cat.bmp", "Egyptian cat"},
							 {"grace_hopper.bmp", "military uniform"},
							 {"parrot.jpg", "macaw"},
							 {"hot_dog.jpg", "hotdog"},
							 {"bird.bmp", "chickadee"}};

// Largest difference of any class probability between the engines (both outputs are TFLite's
// uint8 softmax, steps of 1/256), measured on the 5 images at 0.0195 (v2) / 0.0234 (v1): a few
// steps, from XNNPACK's and the reference's different requantisation rounding.
constexpr float kScoreTolerance = 0.03F;

std::unique_ptr<Model> load(const std::string &file, Engine engine, size_t threads = 1)
{
	LoadOptions o;
	o.engine = engine;
	o.threads = threads;
	Status st = Status::Ok;
	std::string err;
	auto m = Model::load(read_bytes(model_path(file)), o, st, err);
	EXPECT_EQ(st, Status::Ok) << err;
	return m;
}

std::vector<float> classify(Model &m, const char *image)
{
	const auto img = read_bytes(model_path(image));
	std::vector<float> scores;
	std::string err;
	EXPECT_EQ(m.classify(img.data(), img.size(), scores, err), Status::Ok) << err;
	return scores;
}

size_t top1(const std::vector<float> &s)
{
	return static_cast<size_t>(std::max_element(s.begin(), s.end()) - s.begin());
}

void same_as_armnn(const std::string &file, bool check_labels)
{
	auto xnn = load(file, Engine::Xnnpack);
	auto ref = load(file, Engine::ArmNN);
	ASSERT_TRUE(xnn && ref);
	EXPECT_EQ(xnn->engine(), Engine::Xnnpack);
	EXPECT_EQ(ref->engine(), Engine::ArmNN);
	EXPECT_EQ(xnn->backends(), std::vector<std::string>{"XNNPACK"});
	EXPECT_EQ(xnn->inputs()[0].dims, ref->inputs()[0].dims);
	EXPECT_EQ(xnn->outputs()[0].bytes, ref->outputs()[0].bytes);
	vaccel::image::Labels labels;
	std::string err;
	ASSERT_TRUE(labels.load(model_path("imagenet_labels.txt"), err)) << err;
	for (const auto &[image, want] : kImages) {
		const auto a = classify(*xnn, image);
		const auto b = classify(*ref, image);
		ASSERT_EQ(a.size(), b.size());
		ASSERT_FALSE(a.empty());
		EXPECT_EQ(top1(a), top1(b)) << file << " " << image << ": XNNPACK " << labels.name(top1(a))
					    << ", Arm NN " << labels.name(top1(b));
		float worst = 0.0F;
		for (size_t i = 0; i < a.size(); ++i)
			worst = std::max(worst, std::fabs(a[i] - b[i]));
		EXPECT_LE(worst, kScoreTolerance) << file << " " << image;
		std::printf("%s %s: top-1 %s %.3f (Arm NN %.3f), max |diff| %.4f\n", file.c_str(), image,
			    labels.name(top1(a)).c_str(), a[top1(a)], b[top1(b)], worst);
		if (check_labels) {
			EXPECT_NE(labels.name(top1(a)).find(want), std::string::npos)
				<< image << ": got " << labels.name(top1(a));
		}
	}
}

} // namespace

TEST(TfliteXnn, V2QuantMatchesArmNNOnAllImages)
{
	same_as_armnn("mobilenet_v2_1.0_224_quant.tflite", true);
}

TEST(TfliteXnn, V1QuantMatchesArmNNOnAllImages)
{
	same_as_armnn("mobilenet_v1_0.25_128_quant.tflite", false);
}

TEST(TfliteXnn, AutoPicksXnnpackAndThreadsGiveTheSameAnswer)
{
	auto one = load("mobilenet_v1_0.25_128_quant.tflite", Engine::Auto);
	auto two = load("mobilenet_v1_0.25_128_quant.tflite", Engine::Auto, 2);
	ASSERT_TRUE(one && two);
	EXPECT_EQ(one->engine(), Engine::Xnnpack);
	EXPECT_TRUE(one->fallback_reason().empty());
	EXPECT_EQ(classify(*one, "cat.bmp"), classify(*two, "cat.bmp"));
}

TEST(TfliteXnn, EngineAndThreadsFromEnv)
{
	setenv("VACCEL_TFLITE_ENGINE", "armnn", 1);
	setenv("VACCEL_TFLITE_THREADS", "3", 1);
	auto o = vaccel::tflite::load_options_from_env();
	EXPECT_EQ(o.engine, Engine::ArmNN);
	EXPECT_EQ(o.threads, 3U);
	setenv("VACCEL_TFLITE_ENGINE", "xnnpack", 1);
	setenv("VACCEL_TFLITE_THREADS", "lots", 1);
	o = vaccel::tflite::load_options_from_env();
	EXPECT_EQ(o.engine, Engine::Xnnpack);
	EXPECT_EQ(o.threads, 1U);
	unsetenv("VACCEL_TFLITE_ENGINE");
	unsetenv("VACCEL_TFLITE_THREADS");
	EXPECT_EQ(vaccel::tflite::load_options_from_env().engine, Engine::Auto);
}

// A model with an operator the XNNPACK engine lacks (TANH in place of the final SOFTMAX, which
// Arm NN implements) runs on Arm NN under auto, with the operator named; xnnpack refuses it.
TEST(TfliteXnn, UnsupportedOperatorFallsBackToArmNN)
{
	auto bytes = read_bytes(model_path("mobilenet_v1_0.25_128_quant.tflite"));
	std::vector<vaccel::tflite::OperatorCode> codes;
	std::string err;
	ASSERT_TRUE(vaccel::tflite::read_operator_codes(bytes.data(), bytes.size(), codes, err)) << err;
	const auto softmax = std::find_if(codes.begin(), codes.end(), [](const auto &c) { return c.builtin == 25; });
	ASSERT_NE(softmax, codes.end());
	const auto tanh_model =
		vaccel::test::with_operator_code(bytes, static_cast<size_t>(softmax - codes.begin()), 28 /* TANH */);
	ASSERT_FALSE(tanh_model.empty());

	Status st = Status::Ok;
	LoadOptions o;
	auto m = Model::load(tanh_model, o, st, err);
	ASSERT_TRUE(m) << err;
	EXPECT_EQ(m->engine(), Engine::ArmNN);
	EXPECT_NE(m->fallback_reason().find("TANH"), std::string::npos) << m->fallback_reason();
	const auto img = read_bytes(model_path("cat.bmp"));
	std::vector<float> scores;
	EXPECT_EQ(m->classify(img.data(), img.size(), scores, err), Status::Ok) << err;
	EXPECT_EQ(scores.size(), 1001U);

	o.engine = Engine::Xnnpack;
	EXPECT_FALSE(Model::load(tanh_model, o, st, err));
	EXPECT_EQ(st, Status::Unsupported);
	EXPECT_NE(err.find("TANH"), std::string::npos) << err;
}

TEST(TfliteXnn, TruncatedModelsGetAClearError)
{
	const auto bytes = read_bytes(model_path("mobilenet_v1_0.25_128_quant.tflite"));
	LoadOptions o;
	o.engine = Engine::Xnnpack;
	// (Its last bytes are padding after the final table: cutting those leaves a valid model.)
	for (const size_t len :
	     {size_t{0}, size_t{7}, size_t{8}, size_t{64}, bytes.size() / 3, bytes.size() / 2, bytes.size() * 9 / 10}) {
		std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
		Status st = Status::Ok;
		std::string err;
		EXPECT_FALSE(Model::load(cut, o, st, err)) << len;
		EXPECT_EQ(st, Status::Backend) << len;
		EXPECT_FALSE(err.empty()) << len;
	}
}

// Random byte corruptions of the model's structure (its first and last 4 KiB, where the tables,
// vtables, shapes and offsets are): each load either fails with a message or gives a model that
// runs (a changed weight or name). Under ASan this also proves nothing is read out of bounds.
TEST(TfliteXnn, CorruptedModelsNeverCrash)
{
	const auto bytes = read_bytes(model_path("mobilenet_v1_0.25_128_quant.tflite"));
	ASSERT_GT(bytes.size(), 8192U);
	LoadOptions o;
	o.engine = Engine::Xnnpack;
	std::mt19937 rng(1234);
	std::vector<uint8_t> input(128 * 128 * 3, 100);
	int refused = 0;
	for (int i = 0; i < 300; ++i) {
		auto bad = bytes;
		for (int k = 0; k < 4; ++k) {
			size_t pos = rng() % 4096;
			if (rng() % 2 != 0)
				pos = bad.size() - 1 - pos;
			bad[pos] = static_cast<uint8_t>(rng());
		}
		Status st = Status::Ok;
		std::string err;
		auto m = Model::load(bad, o, st, err);
		if (!m) {
			EXPECT_FALSE(err.empty());
			++refused;
			continue;
		}
		std::vector<std::vector<uint8_t>> out;
		if (m->inputs().size() == 1 && m->inputs()[0].bytes == input.size()) {
			EXPECT_EQ(m->run({input.data()}, out, err), Status::Ok) << err;
		}
	}
	EXPECT_GT(refused, 0);
	std::printf("%d of 300 corrupted models refused\n", refused);
}
