// SPDX-License-Identifier: Apache-2.0
// Engine-level tests of the torch plugin (plugins/torch/torch_engine.hpp): libtorch behaviour
// without the vAccel runtime in between.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "image.hpp"
#include "test_models.hpp"
#include "torch_engine.hpp"
#include "torch_engine_test_util.hpp"
#include "torch_preprocess.hpp"
#include "torch_test_util.hpp"

namespace {

using namespace vaccel;
using test::torcht::image_input;
using test::torcht::kind_of;
using torch_engine::DType;
using torch_engine::ErrorKind;
using torch_engine::Model;
using torch_engine::TensorView;

class TorchEngine : public ::testing::Test {
protected:
	// Loaded once for the suite.  A failure here is only recorded (gtest would skip the suite's
	// tests after a SetUpTestSuite failure); SetUp then fails every test with the reason.
	static void SetUpTestSuite()
	{
		torch_engine::set_threads(1);
		try {
			model_ = Model::load_file(test::models_dir() + "/" + test::kTorchModel);
		} catch (const std::exception &e) {
			load_error_ = std::string(e.what()) +
				      " (set VACCEL_MODELS_DIR or -DVACCEL_MODELS_DIR=..., or run "
				      "scripts/fetch-models.sh)";
		}
	}
	static void TearDownTestSuite() { model_.reset(); }
	void SetUp() override { ASSERT_NE(model_, nullptr) << "model did not load: " << load_error_; }
	static std::shared_ptr<Model> model_;
	static std::string load_error_;
};
std::string TorchEngine::load_error_;
std::shared_ptr<Model> TorchEngine::model_;

TEST_F(TorchEngine, ClassifiesTheFiveTestImages)
{
	image::Labels labels;
	std::string error;
	ASSERT_TRUE(labels.load(test::model_path(test::kLabels1000), error)) << error;
	for (const auto &e : test::kTorchExpected) {
		const auto in = image_input(e.image);
		const auto logits = model_->run_float(in.data, in.dims);
		ASSERT_EQ(logits.size(), 1000U);
		const auto best = image::top_k(image::softmax(logits), 1).at(0);
		EXPECT_EQ(best.index, e.index) << e.image;
		EXPECT_NE(labels.name(best.index).find(e.label), std::string::npos) << e.image;
	}
}

TEST_F(TorchEngine, MemoryLoadGivesTheSameScoresAsFileLoad)
{
	const auto bytes = test::read_bytes(test::model_path(test::kTorchModel));
	const auto mem = Model::load_memory(bytes.data(), bytes.size());
	const auto in = image_input("cat.bmp");
	const auto a = model_->run_float(in.data, in.dims);
	const auto b = mem->run_float(in.data, in.dims);
	ASSERT_EQ(a.size(), b.size());
	for (size_t i = 0; i < a.size(); ++i)
		ASSERT_FLOAT_EQ(a[i], b[i]) << i;
}

TEST(TorchEngineErrors, MissingFileIsNotFound)
{
	EXPECT_EQ(kind_of([] { Model::load_file("/nonexistent/dir/model.pt"); }), ErrorKind::NotFound);
}

TEST(TorchEngineErrors, WrongFormatModelIsBackendError)
{
	// An ONNX file and a text file are both valid files but not TorchScript archives.
	EXPECT_EQ(kind_of([] { Model::load_file(test::model_path("mobilenetv2-12-int8.onnx")); }), ErrorKind::Backend);
	EXPECT_EQ(kind_of([] { Model::load_file(test::model_path(test::kLabels1000)); }), ErrorKind::Backend);
	const std::string junk = "definitely not a zip archive";
	EXPECT_EQ(kind_of([&] { Model::load_memory(junk.data(), junk.size()); }), ErrorKind::Backend);
	EXPECT_EQ(kind_of([] { Model::load_memory(nullptr, 0); }), ErrorKind::InvalidInput);
}

TEST_F(TorchEngine, WrongDimsDtypeOrSizeAreInvalidInput)
{
	std::vector<float> data(3 * 100, 0.5F);
	TensorView v{data.data(), data.size() * sizeof(float), {1, 3, 100}, DType::Float};
	EXPECT_EQ(kind_of([&] { model_->run(std::span(&v, 1), 1); }), ErrorKind::InvalidInput);

	std::vector<int32_t> ints(3 * 224 * 224, 1);
	TensorView iv{ints.data(), ints.size() * sizeof(int32_t), {1, 3, 224, 224}, DType::Int};
	EXPECT_EQ(kind_of([&] { model_->run(std::span(&iv, 1), 1); }), ErrorKind::InvalidInput);

	TensorView short_buf{data.data(), 16, {1, 3, 224, 224}, DType::Float};
	EXPECT_EQ(kind_of([&] { model_->run(std::span(&short_buf, 1), 1); }), ErrorKind::InvalidInput);

	TensorView bad_type{data.data(), 4, {1}, static_cast<DType>(42)};
	EXPECT_EQ(kind_of([&] { model_->run(std::span(&bad_type, 1), 1); }), ErrorKind::InvalidInput);

	TensorView negative{data.data(), 4, {-1}, DType::Float};
	EXPECT_EQ(kind_of([&] { model_->run(std::span(&negative, 1), 1); }), ErrorKind::InvalidInput);

	// No inputs at all: forward() has the wrong arity.
	EXPECT_EQ(kind_of([&] { model_->run({}, 1); }), ErrorKind::InvalidInput);
}

TEST(TorchEngineTiny, TupleOutputsAreReturnedInOrder)
{
	const auto tiny = Model::load_file(test::tiny_model_path());
	const std::vector<float> x{1, 2, 3, 4, -1, 0, 1, -2};
	const TensorView v{x.data(), x.size() * sizeof(float), {2, 4}, DType::Float};
	auto out = tiny->run(std::span(&v, 1), 2);
	ASSERT_EQ(out.size(), 2U);
	EXPECT_EQ(out[0].dims, (std::vector<int64_t>{2, 3}));
	EXPECT_EQ(out[0].dtype, DType::Float);
	EXPECT_EQ(out[1].dims, (std::vector<int64_t>{2}));
	const auto lin = test::tiny_expected_linear(x, 2);
	const auto sum = test::tiny_expected_relu_sum(x, 2);
	const auto *y0 = static_cast<const float *>(out[0].data.get());
	const auto *y1 = static_cast<const float *>(out[1].data.get());
	for (size_t i = 0; i < lin.size(); ++i)
		EXPECT_FLOAT_EQ(y0[i], lin[i]) << i;
	for (size_t i = 0; i < sum.size(); ++i)
		EXPECT_FLOAT_EQ(y1[i], sum[i]) << i;
	EXPECT_EQ(tiny->run(std::span(&v, 1), 1).size(), 1U);
}

TEST(TorchEngineSgemm, MatchesNaiveProductWithAndWithoutC)
{
	const int64_t m = 5, n = 7, k = 3;
	std::vector<float> a(m * k), b(k * n), c(m * n);
	for (size_t i = 0; i < a.size(); ++i)
		a[i] = static_cast<float>(i % 7) - 3.0F;
	for (size_t i = 0; i < b.size(); ++i)
		b[i] = 0.25F * static_cast<float>(i % 5);
	for (size_t i = 0; i < c.size(); ++i)
		c[i] = static_cast<float>(i);
	for (bool with_c : {true, false}) {
		std::vector<float> ref = with_c ? c : std::vector<float>(m * n, 0.0F);
		test::naive_sgemm(m, n, k, 1.0F, a.data(), k, b.data(), n, 1.0F, ref.data(), n);
		auto out = torch_engine::sgemm(a.data(), b.data(), with_c ? c.data() : nullptr, m, n, k);
		ASSERT_EQ(out.dims, (std::vector<int64_t>{m, n}));
		const auto *p = static_cast<const float *>(out.data.get());
		for (size_t i = 0; i < ref.size(); ++i)
			EXPECT_NEAR(p[i], ref[i], 1e-4) << i;
	}
	EXPECT_EQ(kind_of([&] { torch_engine::sgemm(a.data(), b.data(), nullptr, 0, n, k); }), ErrorKind::InvalidInput);
	EXPECT_EQ(kind_of([&] { torch_engine::sgemm(nullptr, b.data(), nullptr, m, n, k); }), ErrorKind::InvalidInput);
}

// Two different models on two threads at once, each result checked every time.
TEST_F(TorchEngine, DifferentModelsRunConcurrently)
{
	const auto tiny = Model::load_file(test::tiny_model_path());
	const auto in = image_input("parrot.jpg");
	const auto reference = model_->run_float(in.data, in.dims);
	const std::vector<float> x{0.5F, -2, 3, 1};
	const auto lin = test::tiny_expected_linear(x, 1);
	std::atomic<int> failures{0};
	std::thread big([&] {
		for (int i = 0; i < 8; ++i)
			if (model_->run_float(in.data, in.dims) != reference)
				++failures;
	});
	std::thread small([&] {
		const TensorView v{x.data(), x.size() * sizeof(float), {1, 4}, DType::Float};
		for (int i = 0; i < 200; ++i) {
			auto out = tiny->run(std::span(&v, 1), 1);
			const auto *y = static_cast<const float *>(out.at(0).data.get());
			for (size_t j = 0; j < lin.size(); ++j)
				if (std::fabs(y[j] - lin[j]) > 1e-5F)
					++failures;
		}
	});
	big.join();
	small.join();
	EXPECT_EQ(failures.load(), 0);
}

TEST(TorchEngineThreads, ThreadCountIsClampedAndKept)
{
	torch_engine::set_threads(0);
	EXPECT_EQ(torch_engine::threads(), 1);
	torch_engine::set_threads(2);
	EXPECT_EQ(torch_engine::threads(), 2);
	torch_engine::set_threads(1);
	EXPECT_EQ(torch_engine::threads(), 1);
}

TEST(TorchPreprocess, NotAnImageIsRejected)
{
	const std::string text = "hello, I am not an image";
	torch_plugin::InputTensor in;
	std::string error;
	EXPECT_FALSE(torch_plugin::make_input(text.data(), text.size(), {}, in, error));
	EXPECT_FALSE(error.empty());
	EXPECT_FALSE(torch_plugin::make_input(nullptr, 0, {}, in, error));
}

} // namespace

namespace {

// Sets environment variables for one scope, restoring "unset" afterwards.
struct ScopedEnv {
	std::vector<std::string> names;
	ScopedEnv(std::initializer_list<std::pair<const char *, const char *>> vars)
	{
		for (auto [k, v] : vars) {
			setenv(k, v, 1);
			names.emplace_back(k);
		}
	}
	~ScopedEnv()
	{
		for (const auto &k : names)
			unsetenv(k.c_str());
	}
};

TEST(TorchPreprocess, EnvironmentOverridesDefaults)
{
	ScopedEnv env{{"VACCEL_TORCH_INPUT_SIZE", "160x128"},
		      {"VACCEL_TORCH_CROP", "1"},
		      {"VACCEL_TORCH_MEAN", "0.5,0.5,0.5"},
		      {"VACCEL_TORCH_STD", "0.25 0.25 0.25"},
		      {"VACCEL_TORCH_SCALE", "0.00392156862"}};
	torch_plugin::Preprocess pre;
	std::string error;
	ASSERT_TRUE(torch_plugin::preprocess_from_env(pre, error)) << error;
	EXPECT_EQ(pre.width, 160);
	EXPECT_EQ(pre.height, 128);
	EXPECT_DOUBLE_EQ(pre.crop, 1.0);
	EXPECT_FLOAT_EQ(pre.mean[1], 0.5F);
	EXPECT_FLOAT_EQ(pre.std[2], 0.25F);
	const auto bytes = test::read_bytes(test::model_path("cat.bmp"));
	torch_plugin::InputTensor in;
	ASSERT_TRUE(torch_plugin::make_input(bytes.data(), bytes.size(), pre, in, error)) << error;
	EXPECT_EQ(in.dims, (std::vector<int64_t>{1, 3, 128, 160}));
	EXPECT_EQ(in.data.size(), 3U * 128 * 160);
}

TEST(TorchPreprocess, BadEnvironmentValuesAreNamed)
{
	for (auto [name, value] : {std::pair{"VACCEL_TORCH_INPUT_SIZE", "0"},
				   {"VACCEL_TORCH_INPUT_SIZE", "big"},
				   {"VACCEL_TORCH_CROP", "1.5"},
				   {"VACCEL_TORCH_MEAN", "0.5,0.5"},
				   {"VACCEL_TORCH_STD", "0,1,1"},
				   {"VACCEL_TORCH_SCALE", "x"}}) {
		ScopedEnv env{{name, value}};
		torch_plugin::Preprocess pre;
		std::string error;
		EXPECT_FALSE(torch_plugin::preprocess_from_env(pre, error)) << name << "=" << value;
		EXPECT_NE(error.find(name), std::string::npos) << error;
		EXPECT_EQ(pre.width, 224) << "a rejected value must leave the defaults";
	}
}

} // namespace
