// SPDX-License-Identifier: Apache-2.0
// The tflite plugin through the public C API (in-process) and through the `classify` example.
// Arm NN on x86 has only CpuRef (~4 s per MobileNetV2-224 inference), so the slow model is used
// only where the issue asks for it; other tests use mobilenet_v1_0.25_128_quant (~0.2 s).
#include "edgetpu_model.hpp"
#include "plugin_test_util.hpp"
#include "tflite_model.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace vaccel::test;

namespace {

const char *const kV2 = "mobilenet_v2_1.0_224_quant.tflite";
const char *const kTiny = "mobilenet_v1_0.25_128_quant.tflite";

class TflitePlugin : public ::testing::Test {
protected:
	void SetUp() override
	{
		unsetenv("VACCEL_TFLITE_LABELS");
		load_plugin_once(VACCEL_TEST_PLUGIN_PATH);
	}
};

struct ModelSession {
	Session sess;
	Resource model;
	Resource labels;
	explicit ModelSession(const std::string &model_file)
	    : model(model_path(model_file), VACCEL_RESOURCE_MODEL),
	      labels(model_path("imagenet_labels.txt"), VACCEL_RESOURCE_DATA)
	{
		EXPECT_EQ(sess.init_rc(), VACCEL_OK);
		EXPECT_EQ(model.register_with(sess), VACCEL_OK);
		EXPECT_EQ(labels.register_with(sess), VACCEL_OK);
	}
};

// Owns the plugin-allocated output tensors.
struct Outputs {
	std::vector<struct vaccel_tflite_tensor *> t;
	explicit Outputs(size_t n) : t(n, nullptr) {}
	~Outputs()
	{
		for (auto *p : t)
			if (p != nullptr)
				vaccel_tflite_tensor_delete(p);
	}
};

// The uint8 [1,S,S,3] input the image path makes: the whole image resized, raw pixels.
std::vector<uint8_t> image_tensor(const char *image, int side)
{
	const auto bytes = read_bytes(model_path(image));
	vaccel::image::Image img;
	std::string err;
	EXPECT_TRUE(vaccel::image::decode_rgb(bytes.data(), bytes.size(), img, err)) << err;
	return vaccel::image::resize_bilinear(img, side, side).pixels;
}

struct InputTensor {
	std::vector<uint8_t> data;
	std::vector<int32_t> dims;
	struct vaccel_tflite_tensor t {};
	InputTensor(std::vector<uint8_t> bytes, std::vector<int32_t> d, vaccel_tflite_data_type type)
	    : data(std::move(bytes)), dims(std::move(d))
	{
		t.data = data.data();
		t.size = data.size();
		t.owned = false;
		t.nr_dims = static_cast<int>(dims.size());
		t.dims = dims.data();
		t.data_type = type;
	}
};

int run(ModelSession &ms, InputTensor &in, Outputs &out, uint8_t &status, int nr_in = 1)
{
	struct vaccel_tflite_tensor *ins[2] = {&in.t, &in.t};
	return vaccel_tflite_model_run(ms.sess.get(), ms.model.get(), ins, nr_in, out.t.data(),
				       static_cast<int>(out.t.size()), &status);
}

} // namespace

TEST_F(TflitePlugin, V2QuantAllImagesThroughApi)
{
	ModelSession ms(kV2);
	for (const ImageCase &c : kSampleImages) {
		const auto r = classify(ms.sess, read_bytes(model_path(c.image)));
		ASSERT_EQ(r.rc, VACCEL_OK) << c.image;
		EXPECT_NE(r.text.find(c.label), std::string::npos) << c.image << " -> " << r.text;
	}
}

TEST_F(TflitePlugin, V2QuantAllImagesThroughClassifyExample)
{
	const std::string bin = classify_binary();
	for (const ImageCase &c : kSampleImages) {
		const std::string cmd = "env VACCEL_PLUGINS=" + quote(VACCEL_TEST_PLUGIN_PATH) +
					" VACCEL_TFLITE_LABELS=" + quote(model_path("imagenet_labels.txt")) + " " +
					quote(bin) + " " + quote(model_path(c.image)) + " 1 " + quote(model_path(kV2));
		const CommandResult r = run_command(cmd, 180);
		EXPECT_EQ(r.status, 0) << cmd << "\n" << r.output;
		EXPECT_NE(r.output.find("classification tags: "), std::string::npos) << r.output;
		EXPECT_NE(r.output.find(c.label), std::string::npos) << c.image << ":\n" << r.output;
	}
}

TEST_F(TflitePlugin, ModelRunMatchesImagePath)
{
	ModelSession ms(kV2);
	ASSERT_EQ(vaccel_tflite_model_load(ms.sess.get(), ms.model.get()), VACCEL_OK);
	InputTensor in(image_tensor("cat.bmp", 224), {1, 224, 224, 3}, VACCEL_TFLITE_UINT8);
	Outputs out(1);
	uint8_t status = 99;
	ASSERT_EQ(run(ms, in, out, status), VACCEL_OK);
	EXPECT_EQ(status, 0);
	ASSERT_NE(out.t[0], nullptr);
	EXPECT_EQ(out.t[0]->data_type, VACCEL_TFLITE_UINT8);
	ASSERT_EQ(out.t[0]->nr_dims, 2);
	EXPECT_EQ(out.t[0]->dims[0], 1);
	EXPECT_EQ(out.t[0]->dims[1], 1001);
	ASSERT_EQ(out.t[0]->size, 1001U);
	const auto *q = static_cast<const uint8_t *>(out.t[0]->data);
	// Dequantise with the model's output scale (1/256, zero point 0; checked by the engine test).
	std::vector<float> scores(q, q + 1001);
	for (float &s : scores)
		s /= 256.0F;
	const auto best = vaccel::image::top_k(scores, 1)[0];

	// The image path on the same session must name the same class with the same score.
	const auto r = classify(ms.sess, read_bytes(model_path("cat.bmp")));
	ASSERT_EQ(r.rc, VACCEL_OK);
	char expect[64];
	std::snprintf(expect, sizeof(expect), "(class %zu, p=%.3f)", best.index, static_cast<double>(best.score));
	EXPECT_NE(r.text.find(expect), std::string::npos) << r.text << " vs " << expect;
	EXPECT_EQ(best.index, 286U); // Egyptian cat in the 1001-label file
	EXPECT_EQ(vaccel_tflite_model_unload(ms.sess.get(), ms.model.get()), VACCEL_OK);
}

TEST_F(TflitePlugin, ModelRunEqualsEngineScoresExactly)
{
	// Full score vector through the C API == the engine called directly on the same input.
	ModelSession ms(kTiny);
	InputTensor in(image_tensor("bird.bmp", 128), {1, 128, 128, 3}, VACCEL_TFLITE_UINT8);
	Outputs out(1);
	uint8_t status = 0;
	ASSERT_EQ(run(ms, in, out, status), VACCEL_OK);
	vaccel::tflite::Status st{};
	std::string err;
	auto direct = vaccel::tflite::Model::load(read_bytes(model_path(kTiny)), st, err);
	ASSERT_TRUE(direct) << err;
	std::vector<std::vector<uint8_t>> raw;
	ASSERT_EQ(direct->run({in.data.data()}, raw, err), vaccel::tflite::Status::Ok) << err;
	ASSERT_EQ(out.t[0]->size, raw[0].size());
	EXPECT_EQ(std::memcmp(out.t[0]->data, raw[0].data(), raw[0].size()), 0);
}

TEST_F(TflitePlugin, TinyModelReportsItsSoftmaxScore)
{
	// ../shared/models/README.md: v1_0.25_128 → macaw 0.80 on parrot.jpg.
	ModelSession ms(kTiny);
	const auto r = classify(ms.sess, read_bytes(model_path("parrot.jpg")));
	ASSERT_EQ(r.rc, VACCEL_OK);
	const size_t at = r.text.find("p=");
	ASSERT_NE(at, std::string::npos) << r.text;
	EXPECT_NE(r.text.find("macaw"), std::string::npos) << r.text;
	EXPECT_NEAR(std::stod(r.text.substr(at + 2)), 0.80, 0.1) << r.text;
}

TEST_F(TflitePlugin, WrongTensorsAreEinval)
{
	ModelSession ms(kTiny);
	ASSERT_EQ(vaccel_tflite_model_load(ms.sess.get(), ms.model.get()), VACCEL_OK);
	uint8_t status = 0;
	{ // wrong dims (a 224 input for the 128 model)
		InputTensor in(image_tensor("cat.bmp", 224), {1, 224, 224, 3}, VACCEL_TFLITE_UINT8);
		Outputs out(1);
		EXPECT_EQ(run(ms, in, out, status), VACCEL_EINVAL);
		EXPECT_EQ(status, 1);
		EXPECT_EQ(out.t[0], nullptr);
	}
	{ // right size, wrong rank
		InputTensor in(image_tensor("cat.bmp", 128), {128, 128, 3}, VACCEL_TFLITE_UINT8);
		Outputs out(1);
		EXPECT_EQ(run(ms, in, out, status), VACCEL_EINVAL);
	}
	{ // wrong dtype
		InputTensor in(std::vector<uint8_t>(128 * 128 * 3 * 4), {1, 128, 128, 3}, VACCEL_TFLITE_FLOAT32);
		Outputs out(1);
		EXPECT_EQ(run(ms, in, out, status), VACCEL_EINVAL);
	}
	{ // size disagrees with dims
		InputTensor in(std::vector<uint8_t>(100), {1, 128, 128, 3}, VACCEL_TFLITE_UINT8);
		Outputs out(1);
		EXPECT_EQ(run(ms, in, out, status), VACCEL_EINVAL);
	}
	{ // too many inputs / outputs, none
		InputTensor in(image_tensor("cat.bmp", 128), {1, 128, 128, 3}, VACCEL_TFLITE_UINT8);
		Outputs out(1);
		EXPECT_EQ(run(ms, in, out, status, 2), VACCEL_EINVAL);
		Outputs two(2);
		EXPECT_EQ(run(ms, in, two, status), VACCEL_EINVAL);
		Outputs none(0);
		EXPECT_EQ(run(ms, in, none, status), VACCEL_EINVAL);
		in.t.data = nullptr;
		EXPECT_EQ(run(ms, in, out, status), VACCEL_EINVAL);
	}
	// The model still runs after all that.
	InputTensor good(image_tensor("cat.bmp", 128), {1, 128, 128, 3}, VACCEL_TFLITE_UINT8);
	Outputs out(1);
	EXPECT_EQ(run(ms, good, out, status), VACCEL_OK);
	EXPECT_EQ(status, 0);
}

TEST_F(TflitePlugin, LoadUnloadLifecycle)
{
	ModelSession ms(kTiny);
	EXPECT_EQ(vaccel_tflite_model_unload(ms.sess.get(), ms.model.get()), VACCEL_EINVAL) << "unload before load";
	EXPECT_EQ(vaccel_tflite_model_load(ms.sess.get(), ms.model.get()), VACCEL_OK);
	EXPECT_EQ(vaccel_tflite_model_load(ms.sess.get(), ms.model.get()), VACCEL_OK) << "idempotent";
	EXPECT_EQ(vaccel_tflite_model_unload(ms.sess.get(), ms.model.get()), VACCEL_OK);
	EXPECT_EQ(vaccel_tflite_model_unload(ms.sess.get(), ms.model.get()), VACCEL_EINVAL);
	// Run loads on demand.
	InputTensor in(image_tensor("cat.bmp", 128), {1, 128, 128, 3}, VACCEL_TFLITE_UINT8);
	Outputs out(1);
	uint8_t status = 0;
	EXPECT_EQ(run(ms, in, out, status), VACCEL_OK);
}

TEST_F(TflitePlugin, WrongFormatModelIsEbackend)
{
	for (const char *not_tflite : {"mobilenetv2-12-int8.onnx", "cat.bmp", "imagenet_labels.txt"}) {
		ModelSession ms(not_tflite);
		EXPECT_EQ(vaccel_tflite_model_load(ms.sess.get(), ms.model.get()), VACCEL_EBACKEND) << not_tflite;
		EXPECT_EQ(classify(ms.sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_EBACKEND);
	}
}

TEST_F(TflitePlugin, EdgeTpuModelIsEnotsup)
{
	const auto tpu = make_edgetpu_variant(read_bytes(model_path(kTiny)));
	ASSERT_FALSE(tpu.empty());
	Session sess;
	Resource model(tpu, VACCEL_RESOURCE_MODEL, "mobilenet_v1_0.25_128_quant_edgetpu.tflite");
	ASSERT_EQ(model.register_with(sess), VACCEL_OK);
	EXPECT_EQ(vaccel_tflite_model_load(sess.get(), model.get()), VACCEL_ENOTSUP);
	setenv("VACCEL_TFLITE_LABELS", model_path("imagenet_labels.txt").c_str(), 1);
	EXPECT_EQ(classify(sess, read_bytes(model_path("cat.bmp"))).rc, VACCEL_ENOTSUP);
	unsetenv("VACCEL_TFLITE_LABELS");
}

TEST_F(TflitePlugin, BadImagesAndMissingPiecesAreErrors)
{
	ModelSession ms(kTiny);
	const std::string text = "GIF89a but not really";
	EXPECT_EQ(classify(ms.sess, std::vector<unsigned char>(text.begin(), text.end())).rc, VACCEL_EINVAL);
	EXPECT_EQ(classify(ms.sess, {}).rc, VACCEL_EINVAL);

	Session no_model;
	EXPECT_EQ(classify(no_model, read_bytes(model_path("cat.bmp"))).rc, VACCEL_ENOENT);
	Session no_labels;
	Resource model(model_path(kTiny), VACCEL_RESOURCE_MODEL);
	ASSERT_EQ(model.register_with(no_labels), VACCEL_OK);
	EXPECT_EQ(classify(no_labels, read_bytes(model_path("cat.bmp"))).rc, VACCEL_ENOENT);
	// Run with a NULL model resource.
	uint8_t status = 0;
	EXPECT_EQ(vaccel_tflite_model_run(no_labels.get(), nullptr, nullptr, 0, nullptr, 0, &status), VACCEL_EINVAL);
}

TEST_F(TflitePlugin, ConcurrentSessionsWithDifferentModels)
{
	// Sessions at once: two share one tiny-model resource, one has its own tiny resource, one
	// runs the v2 model; they mix IMAGE_CLASSIFY and TFLITE_MODEL_RUN.
	Resource tiny_shared(model_path(kTiny), VACCEL_RESOURCE_MODEL);
	Resource tiny_own(model_path(kTiny), VACCEL_RESOURCE_MODEL);
	Resource v2(model_path(kV2), VACCEL_RESOURCE_MODEL);
	const auto labels_path = model_path("imagenet_labels.txt");
	const auto parrot = read_bytes(model_path("parrot.jpg"));
	std::atomic<int> failures{0};
	auto worker = [&](Resource *model, int rounds, bool use_run, int side, const char *want) {
		Session sess;
		Resource labels(labels_path, VACCEL_RESOURCE_DATA);
		if (sess.init_rc() != VACCEL_OK || labels.register_with(sess) != VACCEL_OK ||
		    vaccel_resource_register(model->get(), sess.get()) != VACCEL_OK) {
			failures += 100;
			return;
		}
		InputTensor in(image_tensor("parrot.jpg", side), {1, side, side, 3}, VACCEL_TFLITE_UINT8);
		for (int i = 0; i < rounds; ++i) {
			if (use_run) {
				Outputs out(1);
				uint8_t status = 1;
				struct vaccel_tflite_tensor *ins[1] = {&in.t};
				const int rc = vaccel_tflite_model_run(sess.get(), model->get(), ins, 1, out.t.data(),
								       1, &status);
				const auto *q =
					rc == VACCEL_OK ? static_cast<const uint8_t *>(out.t[0]->data) : nullptr;
				if (q == nullptr || status != 0 ||
				    vaccel::image::top_k(std::vector<float>(q, q + 1001), 1)[0].index != 89)
					++failures; // 89 = macaw
			} else {
				const auto r = classify(sess, parrot);
				if (r.rc != VACCEL_OK || r.text.find(want) == std::string::npos)
					++failures;
			}
		}
		vaccel_resource_unregister(model->get(), sess.get());
	};
	std::vector<std::thread> threads;
	threads.emplace_back(worker, &tiny_shared, 4, false, 128, "macaw");
	threads.emplace_back(worker, &tiny_shared, 4, true, 128, "macaw");
	threads.emplace_back(worker, &tiny_own, 4, false, 128, "macaw");
	threads.emplace_back(worker, &v2, 1, true, 224, "macaw");
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(failures.load(), 0);
}
