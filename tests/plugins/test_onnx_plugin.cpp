// SPDX-License-Identifier: Apache-2.0
// The onnx plugin through the public C API (in-process) and through the `classify` example:
// accuracy with the int8 and f32 ONNX MobileNetV2, resources from files and memory, labels from a
// DATA resource or VACCEL_ONNX_LABELS, bad input, and several sessions with different models.
#include "plugin_test_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

using namespace vaccel::test;

namespace {

const char *const kInt8 = "mobilenetv2-12-int8.onnx";
const char *const kF32 = "mobilenetv2-12-f32-opset10.onnx";

class OnnxPlugin : public ::testing::Test {
protected:
	void SetUp() override
	{
		unsetenv("VACCEL_ONNX_LABELS");
		load_plugin_once(VACCEL_TEST_PLUGIN_PATH);
	}
};

// A session with `model` and the 1000-class labels registered.
struct ClassifierSession {
	Session sess;
	Resource model;
	Resource labels;
	explicit ClassifierSession(const std::string &model_file)
	    : model(model_path(model_file), VACCEL_RESOURCE_MODEL),
	      labels(model_path("imagenet_labels_1000.txt"), VACCEL_RESOURCE_DATA)
	{
		EXPECT_EQ(sess.init_rc(), VACCEL_OK);
		EXPECT_EQ(model.register_with(sess), VACCEL_OK);
		EXPECT_EQ(labels.register_with(sess), VACCEL_OK);
	}
};

void expect_all_images(const char *model_file)
{
	ClassifierSession cs(model_file);
	for (const ImageCase &c : kSampleImages) {
		const auto r = classify(cs.sess, read_bytes(model_path(c.image)));
		ASSERT_EQ(r.rc, VACCEL_OK) << model_file << " " << c.image;
		EXPECT_NE(r.text.find(c.label), std::string::npos) << model_file << " " << c.image << " -> " << r.text;
		EXPECT_NE(r.imgname.find(c.label), std::string::npos) << r.imgname;
	}
}

void expect_example_output(const char *model_file)
{
	const std::string bin = classify_binary();
	for (const ImageCase &c : kSampleImages) {
		const std::string cmd = "env VACCEL_PLUGINS=" + quote(VACCEL_TEST_PLUGIN_PATH) +
					" VACCEL_ONNX_LABELS=" + quote(model_path("imagenet_labels_1000.txt")) + " " +
					quote(bin) + " " + quote(model_path(c.image)) + " 1 " +
					quote(model_path(model_file));
		const CommandResult r = run_command(cmd, 120);
		EXPECT_EQ(r.status, 0) << cmd << "\n" << r.output;
		EXPECT_NE(r.output.find(std::string("classification tags: ")), std::string::npos) << r.output;
		EXPECT_NE(r.output.find(c.label), std::string::npos) << model_file << " " << c.image << ":\n"
								     << r.output;
	}
}

} // namespace

TEST_F(OnnxPlugin, Int8AllImages)
{
	expect_all_images(kInt8);
}
TEST_F(OnnxPlugin, F32AllImages)
{
	expect_all_images(kF32);
}
TEST_F(OnnxPlugin, ClassifyExampleInt8)
{
	expect_example_output(kInt8);
}
TEST_F(OnnxPlugin, ClassifyExampleF32)
{
	expect_example_output(kF32);
}

TEST_F(OnnxPlugin, OutputNamesIndexAndScore)
{
	ClassifierSession cs(kInt8);
	const auto r = classify(cs.sess, read_bytes(model_path("cat.bmp")));
	ASSERT_EQ(r.rc, VACCEL_OK);
	// ../shared/models/README.md: OpenCV int8 → Egyptian cat 0.836 (class 285 of 1000).
	EXPECT_NE(r.text.find("Egyptian cat (class 285, p=0.8"), std::string::npos) << r.text;
	// A tiny output buffer is truncated, never overrun.
	std::array<unsigned char, 8> small{};
	std::array<unsigned char, 4> small_name{};
	const auto img = read_bytes(model_path("cat.bmp"));
	ASSERT_EQ(vaccel_image_classification(cs.sess.get(), img.data(), small.data(), small_name.data(), img.size(),
					      small.size(), small_name.size()),
		  VACCEL_OK);
	EXPECT_STREQ(reinterpret_cast<char *>(small.data()), "Egyptia");
	EXPECT_STREQ(reinterpret_cast<char *>(small_name.data()), "Egy");
}

TEST_F(OnnxPlugin, ModelAndLabelsFromMemoryAndLabelsFromEnv)
{
	Session sess;
	ASSERT_EQ(sess.init_rc(), VACCEL_OK);
	Resource model(read_bytes(model_path(kInt8)), VACCEL_RESOURCE_MODEL, "model.onnx");
	ASSERT_EQ(model.register_with(sess), VACCEL_OK);
	setenv("VACCEL_ONNX_LABELS", model_path("imagenet_labels.txt").c_str(), 1); // 1001 lines
	const auto r = classify(sess, read_bytes(model_path("parrot.jpg")));
	unsetenv("VACCEL_ONNX_LABELS");
	ASSERT_EQ(r.rc, VACCEL_OK);
	EXPECT_NE(r.text.find("macaw"), std::string::npos) << "background line must be skipped: " << r.text;
	Resource labels(read_bytes(model_path("imagenet_labels_1000.txt")), VACCEL_RESOURCE_DATA, "labels.txt");
	ASSERT_EQ(labels.register_with(sess), VACCEL_OK);
	const auto r2 = classify(sess, read_bytes(model_path("bird.bmp")));
	ASSERT_EQ(r2.rc, VACCEL_OK);
	EXPECT_NE(r2.text.find("chickadee"), std::string::npos) << r2.text;
}

TEST_F(OnnxPlugin, BadImagesAreEinval)
{
	ClassifierSession cs(kInt8);
	const std::string text = "this is not an image";
	const std::vector<unsigned char> not_image(text.begin(), text.end());
	EXPECT_EQ(classify(cs.sess, not_image).rc, VACCEL_EINVAL);
	EXPECT_EQ(classify(cs.sess, {}).rc, VACCEL_EINVAL);
	auto truncated = read_bytes(model_path("hot_dog.jpg"));
	truncated.resize(100);
	EXPECT_EQ(classify(cs.sess, truncated).rc, VACCEL_EINVAL);
	// No output buffer.
	const auto img = read_bytes(model_path("cat.bmp"));
	EXPECT_EQ(vaccel_image_classification(cs.sess.get(), img.data(), nullptr, nullptr, img.size(), 0, 0),
		  VACCEL_EINVAL);
	// Still works afterwards.
	EXPECT_EQ(classify(cs.sess, img).rc, VACCEL_OK);
}

TEST_F(OnnxPlugin, MissingModelOrLabelsIsEnoent)
{
	Session no_model;
	ASSERT_EQ(no_model.init_rc(), VACCEL_OK);
	Resource labels(model_path("imagenet_labels_1000.txt"), VACCEL_RESOURCE_DATA);
	ASSERT_EQ(labels.register_with(no_model), VACCEL_OK);
	EXPECT_EQ(classify(no_model, read_bytes(model_path("cat.bmp"))).rc, VACCEL_ENOENT);

	Session no_labels;
	Resource model(model_path(kInt8), VACCEL_RESOURCE_MODEL);
	ASSERT_EQ(model.register_with(no_labels), VACCEL_OK);
	EXPECT_EQ(classify(no_labels, read_bytes(model_path("cat.bmp"))).rc, VACCEL_ENOENT);
	setenv("VACCEL_ONNX_LABELS", "/nonexistent/labels.txt", 1);
	EXPECT_EQ(classify(no_labels, read_bytes(model_path("cat.bmp"))).rc, VACCEL_ENOENT);
	unsetenv("VACCEL_ONNX_LABELS");
}

TEST_F(OnnxPlugin, WrongFormatModelIsEbackend)
{
	for (const char *not_onnx : {"cat.bmp", "mobilenet_v1_0.25_128_quant.tflite"}) {
		Session sess;
		Resource model(model_path(not_onnx), VACCEL_RESOURCE_MODEL);
		ASSERT_EQ(model.register_with(sess), VACCEL_OK);
		Resource labels(model_path("imagenet_labels_1000.txt"), VACCEL_RESOURCE_DATA);
		ASSERT_EQ(labels.register_with(sess), VACCEL_OK);
		EXPECT_EQ(classify(sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_EBACKEND) << not_onnx;
	}
}

TEST_F(OnnxPlugin, BadPreprocessingSettingIsEinval)
{
	ClassifierSession cs(kInt8);
	setenv("VACCEL_ONNX_MEAN", "0.5,banana", 1);
	EXPECT_EQ(classify(cs.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_EINVAL);
	unsetenv("VACCEL_ONNX_MEAN");
	// An input size the model (on XNNPACK, where the int8 model now runs) does not take is refused
	// before the engine runs, not with a crash, and the session stays usable.
	setenv("VACCEL_ONNX_INPUT_SIZE", "160", 1);
	EXPECT_EQ(classify(cs.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_EINVAL);
	unsetenv("VACCEL_ONNX_INPUT_SIZE");
	EXPECT_EQ(classify(cs.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_OK);
	// On OpenCV DNN, a layout the network cannot take fails in the engine.  (XNNPACK transposes
	// NHWC input itself, so that is no error there.)
	setenv("VACCEL_ONNX_ENGINE", "opencv", 1);
	ClassifierSession ocv(kInt8);
	EXPECT_EQ(classify(ocv.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_OK); // loads on OpenCV
	unsetenv("VACCEL_ONNX_ENGINE");
	setenv("VACCEL_ONNX_LAYOUT", "NHWC", 1);
	EXPECT_EQ(classify(ocv.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_EBACKEND);
	unsetenv("VACCEL_ONNX_LAYOUT");
	EXPECT_EQ(classify(ocv.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_OK);
}

TEST_F(OnnxPlugin, ConcurrentSessionsWithDifferentModels)
{
	// Four sessions at once: two on the int8 model (one shared resource), two on the f32 model
	// (two separate resources of the same file).  Each thread classifies every image twice.
	const auto labels_path = model_path("imagenet_labels_1000.txt");
	Resource int8(model_path(kInt8), VACCEL_RESOURCE_MODEL);
	Resource f32a(model_path(kF32), VACCEL_RESOURCE_MODEL);
	Resource f32b(model_path(kF32), VACCEL_RESOURCE_MODEL);
	Resource *models[4] = {&int8, &int8, &f32a, &f32b};
	std::vector<std::vector<unsigned char>> images;
	for (const ImageCase &c : kSampleImages)
		images.push_back(read_bytes(model_path(c.image)));

	std::atomic<int> ok{0};
	std::atomic<int> wrong{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; ++t) {
		threads.emplace_back([&, t] {
			Session sess;
			if (sess.init_rc() != VACCEL_OK ||
			    vaccel_resource_register(models[t]->get(), sess.get()) != VACCEL_OK) {
				wrong += 100;
				return;
			}
			Resource labels(labels_path, VACCEL_RESOURCE_DATA);
			if (labels.register_with(sess) != VACCEL_OK) {
				wrong += 100;
				return;
			}
			for (int round = 0; round < 2; ++round)
				for (size_t i = 0; i < images.size(); ++i) {
					const auto r = classify(sess, images[i]);
					if (r.rc == VACCEL_OK &&
					    r.text.find(kSampleImages[i].label) != std::string::npos)
						++ok;
					else
						++wrong;
				}
			vaccel_resource_unregister(models[t]->get(), sess.get());
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(wrong.load(), 0);
	EXPECT_EQ(ok.load(), 4 * 2 * 4);
}

TEST_F(OnnxPlugin, ModelReloadsAfterUnregister)
{
	// Unregistering releases the cached network; registering again loads it anew.
	for (int i = 0; i < 2; ++i) {
		ClassifierSession cs(kF32);
		const auto r = classify(cs.sess, read_bytes(model_path("hot_dog.jpg")));
		ASSERT_EQ(r.rc, VACCEL_OK);
		EXPECT_NE(r.text.find("hotdog"), std::string::npos) << r.text;
	}
}
