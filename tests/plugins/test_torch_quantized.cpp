// SPDX-License-Identifier: Apache-2.0
// The quantized (int8, oneDNN) MobileNet V2 TorchScript model in the torch plugin: top-1 on the
// five shared images equals the float model's, also when something else in the process switched
// libtorch to QNNPACK (which gives "bucket" for every image), and through IMAGE_CLASSIFY.
//
// The model is made by scripts/make-torch-quantized-model.py (CTest runs it once as the setup of
// these tests); when it is absent, every test here is skipped with a message saying how to make it.
#include <gtest/gtest.h>

#include <ATen/Context.h>

#include <vaccel.h>

#include <algorithm>
#include <filesystem>

#include "image.hpp"
#include "test_models.hpp"
#include "torch_engine.hpp"
#include "torch_preprocess.hpp"
#include "torch_test_util.hpp"

namespace {

using namespace vaccel;

// The models directory's copy, else the one CTest's setup wrote into the build tree, else "".
std::string quant_model_path()
{
	const auto in_models = std::filesystem::path(test::models_dir()) / test::kTorchQuantModel;
	if (std::filesystem::exists(in_models))
		return in_models.string();
	if (std::filesystem::exists(VACCEL_TEST_TORCH_QUANT_MODEL))
		return VACCEL_TEST_TORCH_QUANT_MODEL;
	return "";
}

#define SKIP_WITHOUT_QUANT_MODEL(path)                                                                                 \
	if ((path).empty())                                                                                            \
	GTEST_SKIP() << test::kTorchQuantModel << " is absent (looked in " << test::models_dir() << " and "            \
		     << VACCEL_TEST_TORCH_QUANT_MODEL                                                                  \
		     << "): make it with scripts/make-torch-quantized-model.py (needs python3-torch "                  \
			"and python3-onnx)"

size_t top1(const torch_engine::Model &model, const char *image_name)
{
	const auto bytes = test::read_bytes(test::model_path(image_name));
	torch_plugin::InputTensor in;
	std::string error;
	EXPECT_TRUE(torch_plugin::make_input(bytes.data(), bytes.size(), {}, in, error)) << error;
	const auto logits = model.run_float(in.data, in.dims);
	EXPECT_EQ(logits.size(), 1000U);
	return image::top_k(image::softmax(logits), 1).at(0).index;
}

TEST(TorchQuantized, FiveImagesGiveTheFloatModelsTop1)
{
	const std::string path = quant_model_path();
	SKIP_WITHOUT_QUANT_MODEL(path);
	torch_engine::set_threads(1);
	const auto model = torch_engine::Model::load_file(path);
	for (const auto &e : test::kTorchExpected)
		EXPECT_EQ(top1(*model, e.image), e.index) << e.image << " (expected " << e.label << ")";
}

// Regression: a model loaded while QNNPACK is the engine answered "bucket" for every image.
TEST(TorchQuantized, QnnpackChosenElsewhereIsReplacedAtLoad)
{
	const std::string path = quant_model_path();
	SKIP_WITHOUT_QUANT_MODEL(path);
	const auto &supported = at::Context::supportedQEngines();
	if (std::find(supported.begin(), supported.end(), at::QEngine::QNNPACK) == supported.end())
		GTEST_SKIP() << "this libtorch has no QNNPACK engine";
	at::globalContext().setQEngine(at::QEngine::QNNPACK);
	torch_engine::set_threads(1);
	const auto model = torch_engine::Model::load_file(path);
	EXPECT_NE(at::globalContext().qEngine(), at::QEngine::QNNPACK);
	for (const auto &e : test::kTorchExpected)
		EXPECT_EQ(top1(*model, e.image), e.index) << e.image << " (expected " << e.label << ")";
}

TEST(TorchQuantized, ClassifyThroughThePlugin)
{
	const std::string path = quant_model_path();
	SKIP_WITHOUT_QUANT_MODEL(path);
	const int loaded = vaccel_plugin_load(VACCEL_TEST_PLUGIN_PATH);
	ASSERT_TRUE(loaded == VACCEL_OK || loaded == VACCEL_EEXIST) << loaded;
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_TORCH), VACCEL_OK);
	vaccel_resource model{};
	vaccel_resource labels{};
	ASSERT_EQ(vaccel_resource_init(&model, path.c_str(), VACCEL_RESOURCE_MODEL), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_init(&labels, test::model_path(test::kLabels1000).c_str(), VACCEL_RESOURCE_DATA),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&labels, &sess), VACCEL_OK);
	for (const auto &e : test::kTorchExpected) {
		const auto img = test::read_bytes(test::model_path(e.image));
		unsigned char text[256] = {};
		unsigned char name[128] = {};
		ASSERT_EQ(vaccel_image_classification(&sess, img.data(), text, name, img.size(), sizeof(text),
						      sizeof(name)),
			  VACCEL_OK)
			<< e.image;
		const std::string got(reinterpret_cast<char *>(text));
		EXPECT_NE(got.find("(class " + std::to_string(e.index) + ","), std::string::npos)
			<< e.image << " -> " << got;
	}
	EXPECT_EQ(vaccel_resource_unregister(&labels, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_unregister(&model, &sess), VACCEL_OK);
	vaccel_resource_release(&labels);
	vaccel_resource_release(&model);
	EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
}

} // namespace
