// SPDX-License-Identifier: Apache-2.0
// The torch engine's XNNPACK rewrite (plugins/torch/torch_optimize.hpp): the same answers as the
// model as loaded, the fallback for a model the rewrite cannot run, and bad input still blamed
// on the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "image.hpp"
#include "test_models.hpp"
#include "torch_engine.hpp"
#include "torch_engine_test_util.hpp"
#include "torch_test_util.hpp"

namespace {

using namespace vaccel;
using test::torcht::image_input;
using test::torcht::kind_of;
using torch_engine::DType;
using torch_engine::ErrorKind;
using torch_engine::Model;
using torch_engine::TensorView;

// Every notice the engine sends while a test runs.
std::mutex g_mu;
std::vector<std::string> g_notices;

class TorchXnnpack : public ::testing::Test {
protected:
	void SetUp() override
	{
		torch_engine::set_threads(1);
		std::lock_guard lock(g_mu);
		g_notices.clear();
		torch_engine::set_notice_sink([](const char *text) {
			std::lock_guard inner(g_mu);
			g_notices.emplace_back(text);
		});
	}
	void TearDown() override { torch_engine::set_notice_sink(nullptr); }

	static std::vector<std::string> notices()
	{
		std::lock_guard lock(g_mu);
		return g_notices;
	}
	static std::shared_ptr<Model> load_as_loaded(const std::string &path)
	{
		setenv("VACCEL_TORCH_XNNPACK", "0", 1);
		auto model = Model::load_file(path);
		unsetenv("VACCEL_TORCH_XNNPACK");
		return model;
	}
	static std::string mobilenet() { return test::models_dir() + "/" + test::kTorchModel; }
};

// x: [1, 2, 3, 3] -> clamp(conv1x1(x, K, c), 0, 6) flattened in NCHW order (make_tiny_torch_model.cpp).
std::vector<float> conv_view_expected(const std::vector<float> &x)
{
	const float c[4] = {0.25F, -0.5F, 1.0F, 2.0F};
	std::vector<float> y;
	for (int o = 0; o < 4; ++o)
		for (int p = 0; p < 9; ++p) {
			float acc = c[o];
			for (int i = 0; i < 2; ++i)
				acc += (static_cast<float>(o) - 1.5F * static_cast<float>(i)) *
				       x[static_cast<size_t>(i * 9 + p)];
			y.push_back(std::clamp(acc, 0.0F, 6.0F));
		}
	return y;
}

TEST_F(TorchXnnpack, MobileNetIsRewrittenAndScoresMatchTheModelAsLoaded)
{
	const auto fast = Model::load_file(mobilenet());
	EXPECT_EQ(fast->engine_note().rfind("XNNPACK: 52 convolutions", 0), 0U) << fast->engine_note();
	const auto plain = load_as_loaded(mobilenet());
	EXPECT_EQ(plain->engine_note(), "as loaded (VACCEL_TORCH_XNNPACK=0)");
	for (const auto &e : test::kTorchExpected) {
		const auto in = image_input(e.image);
		const auto a = fast->run_float(in.data, in.dims);
		const auto b = plain->run_float(in.data, in.dims);
		ASSERT_EQ(a.size(), b.size());
		float worst = 0;
		for (size_t i = 0; i < a.size(); ++i)
			worst = std::max(worst, std::fabs(a[i] - b[i]));
		EXPECT_LT(worst, 1e-3F) << e.image << ": largest logit difference";
		EXPECT_EQ(image::top_k(a, 1).at(0).index, e.index) << e.image;
	}
	EXPECT_TRUE(notices().empty());
}

TEST_F(TorchXnnpack, AModelTheRewriteCannotRunFallsBackOnceAndAnswersRight)
{
	const auto model = Model::load_file(test::tiny_conv_view_path());
	EXPECT_EQ(model->engine_note().rfind("XNNPACK: 1 convolutions", 0), 0U) << model->engine_note();
	std::vector<float> x(18);
	for (size_t i = 0; i < x.size(); ++i)
		x[i] = 0.5F * static_cast<float>(i % 7) - 1.0F;
	const auto expected = conv_view_expected(x);
	const TensorView v{x.data(), x.size() * sizeof(float), {1, 2, 3, 3}, DType::Float};
	for (int round = 0; round < 2; ++round) {
		auto out = model->run(std::span(&v, 1), 1);
		ASSERT_EQ(out.size(), 1U);
		ASSERT_EQ(out[0].dims, (std::vector<int64_t>{1, 36}));
		const auto *y = static_cast<const float *>(out[0].data.get());
		for (size_t i = 0; i < expected.size(); ++i)
			EXPECT_NEAR(y[i], expected[i], 1e-5F) << "round " << round << ", element " << i;
	}
	const auto said = notices();
	ASSERT_EQ(said.size(), 1U) << "one notice when the rewrite is set aside, none after";
	EXPECT_NE(said[0].find("now runs as loaded"), std::string::npos) << said[0];
}

TEST_F(TorchXnnpack, BadInputIsTheInputsFaultAndKeepsTheRewrite)
{
	const auto model = Model::load_file(mobilenet());
	std::vector<float> data(3 * 100 * 100, 0.5F);
	const TensorView wrong_channels{data.data(), data.size() * sizeof(float), {1, 1, 300, 100}, DType::Float};
	EXPECT_EQ(kind_of([&] { model->run(std::span(&wrong_channels, 1), 1); }), ErrorKind::InvalidInput)
		<< "a 1-channel image";
	const auto in = image_input("cat.bmp");
	EXPECT_EQ(model->run_float(in.data, in.dims).size(), 1000U);
	EXPECT_TRUE(notices().empty()) << "the rewrite was set aside for the caller's mistake: " << notices().at(0);
}

// libtorch's XNNPACK ops would read past a tensor with too few channels or features, and abort
// the process on an image smaller than the kernel; the engine's checks turn each into an error.
TEST_F(TorchXnnpack, ShapesTheXnnpackOpsWouldMisreadAreRefused)
{
	const auto fast = Model::load_file(test::tiny_shape_checks_path());
	EXPECT_EQ(fast->engine_note(), "XNNPACK: 1 convolutions and 1 linears prepacked");
	const auto plain = load_as_loaded(test::tiny_shape_checks_path());
	std::vector<float> data(64);
	for (size_t i = 0; i < data.size(); ++i)
		data[i] = static_cast<float>(i % 9) - 4.0F;
	auto run = [&](const Model &m, std::vector<int64_t> x_dims, std::vector<int64_t> v_dims) {
		const size_t x_bytes = static_cast<size_t>(torch_engine::element_count(x_dims)) * sizeof(float);
		const size_t v_bytes = static_cast<size_t>(torch_engine::element_count(v_dims)) * sizeof(float);
		const TensorView in[2] = {{data.data(), x_bytes, std::move(x_dims), DType::Float},
					  {data.data(), v_bytes, std::move(v_dims), DType::Float}};
		return m.run(std::span(in, 2), 2);
	};
	const auto a = run(*fast, {1, 1, 4, 5}, {3, 2});
	const auto b = run(*plain, {1, 1, 4, 5}, {3, 2});
	ASSERT_EQ(a.size(), 2U);
	for (size_t o = 0; o < 2; ++o) {
		ASSERT_EQ(a[o].dims, b[o].dims);
		const auto *p = static_cast<const float *>(a[o].data.get());
		const auto *q = static_cast<const float *>(b[o].data.get());
		for (size_t i = 0; i < a[o].size / sizeof(float); ++i)
			EXPECT_NEAR(p[i], q[i], 1e-4F) << "output " << o << ", element " << i;
	}
	const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> bad{
		{{1, 1, 2, 5}, {3, 2}}, // height 2 under the 3x3 kernel: XNNPACK's assertion
		{{1, 1, 5, 1}, {3, 2}}, // width 1
		{{1, 2, 4, 4}, {3, 2}}, // 2 channels into a 1-channel convolution
		{{1, 1, 4, 5}, {3, 1}}, // 1 feature into a 2-feature linear: read past its end
		{{1, 1, 4, 5}, {2, 3}}, // 3 features
	};
	for (const auto &[x_dims, v_dims] : bad) {
		EXPECT_EQ(kind_of([&] { run(*fast, x_dims, v_dims); }), ErrorKind::InvalidInput)
			<< "x dim 1 = " << x_dims[1] << ", v dim 1 = " << v_dims[1];
	}
	EXPECT_TRUE(notices().empty());
}

TEST_F(TorchXnnpack, AModelWithoutConvolutionsRunsAsLoaded)
{
	const auto tiny = Model::load_file(test::tiny_model_path());
	EXPECT_EQ(tiny->engine_note(), "as loaded (no float convolution or linear with constant weights)");
}

TEST_F(TorchXnnpack, OneRewrittenModelRunsOnTwoThreadsAtOnce)
{
	const auto model = Model::load_file(mobilenet());
	const auto in = image_input("hot_dog.jpg");
	const auto reference = model->run_float(in.data, in.dims);
	std::atomic<int> mismatches{0};
	auto work = [&] {
		for (int i = 0; i < 6; ++i)
			if (model->run_float(in.data, in.dims) != reference)
				++mismatches;
	};
	std::thread a(work), b(work);
	a.join();
	b.join();
	EXPECT_EQ(mismatches.load(), 0);
}

} // namespace
