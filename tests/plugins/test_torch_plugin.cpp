// SPDX-License-Identifier: Apache-2.0
// The torch plugin through the public vAccel C API (and through the `classify` example):
// accuracy on the test images, TORCH_MODEL_RUN against the image path, error codes for bad
// input, and concurrent sessions with different models.
#include <gtest/gtest.h>

#include <vaccel.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <type_traits>

#include "image.hpp"
#include "test_models.hpp"
#include "naive_sgemm.hpp"
#include "torch_test_util.hpp"

namespace {

using namespace vaccel;

// The plugin built with this test ($VACCEL_TEST_PLUGIN_TORCH overrides it).
std::string plugin_path()
{
	const std::string env = test::env_or_empty("VACCEL_TEST_PLUGIN_TORCH");
	return env.empty() ? VACCEL_TEST_PLUGIN_PATH : env;
}

// Loads the plugin once per process.
class TorchPluginEnv : public ::testing::Environment {
public:
	void SetUp() override
	{
		const std::string path = plugin_path();
		const int ret = vaccel_plugin_load(path.c_str());
		// A failed global environment makes GoogleTest skip every test, which CTest reports as
		// "skipped" rather than failed: exit instead, so a plugin that cannot load fails the run.
		if (ret != VACCEL_OK && ret != VACCEL_EEXIST) {
			std::fprintf(stderr, "FATAL: loading %s failed: %d\n", path.c_str(), ret);
			std::exit(EXIT_FAILURE);
		}
	}
};
const auto *const g_env = ::testing::AddGlobalTestEnvironment(new TorchPluginEnv);

struct Session {
	vaccel_session s{};
	int status;
	Session() : status(vaccel_session_init(&s, VACCEL_PLUGIN_TORCH)) { EXPECT_EQ(status, VACCEL_OK); }
	~Session()
	{
		if (status == VACCEL_OK)
			vaccel_session_release(&s);
	}
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;
};

// A resource registered with one session for the lifetime of the object.
struct Resource {
	vaccel_resource r{};
	vaccel_session *sess = nullptr;
	int status = VACCEL_OK;

	Resource(const std::string &path, vaccel_resource_type_t type)
	{
		status = vaccel_resource_init(&r, path.c_str(), type);
		EXPECT_EQ(status, VACCEL_OK) << path;
	}
	Resource(const std::vector<unsigned char> &bytes, vaccel_resource_type_t type, const char *name)
	{
		status = vaccel_resource_init_from_buf(&r, bytes.data(), bytes.size(), type, name, true);
		EXPECT_EQ(status, VACCEL_OK) << name;
	}
	void attach(Session &s)
	{
		ASSERT_EQ(status, VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&r, &s.s), VACCEL_OK);
		sess = &s.s;
	}
	~Resource()
	{
		if (sess != nullptr)
			vaccel_resource_unregister(&r, sess);
		if (status == VACCEL_OK)
			vaccel_resource_release(&r);
	}
	Resource(const Resource &) = delete;
	Resource &operator=(const Resource &) = delete;
};

// Unsets VACCEL_TORCH_LABELS for a scope (tests run on one thread, so setenv is safe here).
struct NoEnvLabels {
	std::string saved;
	bool had;
	NoEnvLabels() : had(std::getenv("VACCEL_TORCH_LABELS") != nullptr)
	{
		if (had)
			saved = std::getenv("VACCEL_TORCH_LABELS");
		unsetenv("VACCEL_TORCH_LABELS");
	}
	~NoEnvLabels()
	{
		if (had)
			setenv("VACCEL_TORCH_LABELS", saved.c_str(), 1);
	}
};

// A session with the MobileNet TorchScript model and the 1000-class labels registered: the setup
// of the classification tests.
struct MobilenetSession {
	Session s;
	Resource model{test::model_path(test::kTorchModel), VACCEL_RESOURCE_MODEL};
	Resource labels{test::model_path(test::kLabels1000), VACCEL_RESOURCE_DATA};
	MobilenetSession()
	{
		model.attach(s);
		labels.attach(s);
	}
};

int classify(Session &s, const std::vector<unsigned char> &img, std::string &text)
{
	unsigned char out_text[512] = {};
	unsigned char out_name[128] = {};
	const int ret = vaccel_image_classification(&s.s, img.data(), out_text, out_name, img.size(), sizeof(out_text),
						    sizeof(out_name));
	text = reinterpret_cast<const char *>(out_text);
	return ret;
}

std::vector<unsigned char> image_bytes(const char *name)
{
	return test::read_bytes(test::model_path(name));
}

// The README's preprocessing, built independently of the plugin from the shared image helpers.
std::vector<float> reference_input(const char *name)
{
	const auto bytes = image_bytes(name);
	image::Image img;
	std::string error;
	EXPECT_TRUE(image::decode_rgb(bytes.data(), bytes.size(), img, error)) << error;
	const auto in = image::crop_and_resize(img, 224, 224, 224.0 / 256.0);
	return image::to_float_planar(in, image::kImagenetMean, image::kImagenetStd);
}

struct TensorPtr {
	vaccel_torch_tensor *t = nullptr;
	~TensorPtr()
	{
		if (t != nullptr)
			vaccel_torch_tensor_delete(t);
	}
};

// An input tensor that borrows `data` (owned = false, so delete leaves the vector alone).
TensorPtr make_tensor(void *data, size_t size, std::vector<int64_t> dims, vaccel_torch_data_type type)
{
	TensorPtr p;
	EXPECT_EQ(vaccel_torch_tensor_new(&p.t, static_cast<int64_t>(dims.size()), dims.data(), type), VACCEL_OK);
	p.t->data = data;
	p.t->size = size;
	p.t->owned = false;
	return p;
}

TEST(TorchPlugin, ClassifiesTestImagesWithLabelsResource)
{
	NoEnvLabels no_env;
	MobilenetSession ms;
	Session &s = ms.s;
	for (const auto &e : test::kTorchExpected) {
		std::string text;
		ASSERT_EQ(classify(s, image_bytes(e.image), text), VACCEL_OK) << e.image;
		EXPECT_NE(text.find(e.label), std::string::npos) << e.image << " -> " << text;
		EXPECT_NE(text.find("(class " + std::to_string(e.index) + ", p="), std::string::npos) << text;
	}
}

// A labels file with one extra leading "background" line (the TFLite-style 1001-line ImageNet
// file) names the same classes as the 1000-line one: the plugin kit's label shift
// (plugins/common/labels.hpp).  Before the kit, torch read it unshifted, one class off.
TEST(TorchPlugin, LabelsWithBackgroundLineAreShifted)
{
	NoEnvLabels no_env;
	Session s;
	Resource model{test::model_path(test::kTorchModel), VACCEL_RESOURCE_MODEL};
	Resource labels{test::model_path(test::kLabels1001), VACCEL_RESOURCE_DATA};
	model.attach(s);
	labels.attach(s);
	for (const auto &e : test::kTorchExpected) {
		std::string text;
		ASSERT_EQ(classify(s, image_bytes(e.image), text), VACCEL_OK) << e.image;
		EXPECT_NE(text.find(e.label), std::string::npos) << e.image << " -> " << text;
		EXPECT_NE(text.find("(class " + std::to_string(e.index) + ", p="), std::string::npos) << text;
	}
}

TEST(TorchPlugin, ClassifiesWithInMemoryModelAndEnvLabels)
{
	setenv("VACCEL_TORCH_LABELS", test::model_path(test::kLabels1000).c_str(), 1);
	Session s;
	Resource model(image_bytes(test::kTorchModel), VACCEL_RESOURCE_MODEL, "model.pt");
	model.attach(s);
	std::string text;
	ASSERT_EQ(classify(s, image_bytes("cat.bmp"), text), VACCEL_OK);
	EXPECT_NE(text.find("Egyptian cat"), std::string::npos) << text;
	unsetenv("VACCEL_TORCH_LABELS");
}

TEST(TorchPlugin, ModelRunMatchesTheImagePathScores)
{
	NoEnvLabels no_env;
	MobilenetSession ms;
	Session &s = ms.s;
	ASSERT_EQ(vaccel_torch_model_load(&s.s, &ms.model.r), VACCEL_OK);
	for (const char *name : {"cat.bmp", "hot_dog.jpg"}) {
		auto input = reference_input(name);
		auto in = make_tensor(input.data(), input.size() * sizeof(float), {1, 3, 224, 224}, VACCEL_TORCH_FLOAT);
		vaccel_torch_tensor *out = nullptr;
		ASSERT_EQ(vaccel_torch_model_run(&s.s, &ms.model.r, nullptr, &in.t, 1, &out, 1), VACCEL_OK);
		TensorPtr owned{out};
		ASSERT_NE(out, nullptr);
		EXPECT_EQ(out->data_type, VACCEL_TORCH_FLOAT);
		ASSERT_EQ(out->nr_dims, 2);
		EXPECT_EQ(out->dims[0], 1);
		EXPECT_EQ(out->dims[1], 1000);
		ASSERT_EQ(out->size, 1000 * sizeof(float));
		const auto probs = image::softmax({static_cast<const float *>(out->data), 1000});
		const auto best = image::top_k(probs, 1).at(0);
		char expected[64];
		std::snprintf(expected, sizeof(expected), "(class %zu, p=%.3f)", best.index,
			      static_cast<double>(best.score));
		std::string text;
		ASSERT_EQ(classify(s, image_bytes(name), text), VACCEL_OK);
		EXPECT_NE(text.find(expected), std::string::npos) << text << " vs " << expected;
	}
}

TEST(TorchPlugin, ModelRunReturnsEveryRequestedOutput)
{
	Session s;
	Resource model(test::tiny_model_path(), VACCEL_RESOURCE_MODEL);
	model.attach(s);
	std::vector<float> x{1, 2, 3, 4, -1, 0, 1, -2, 0.5F, 0.5F, -0.5F, 7};
	auto in = make_tensor(x.data(), x.size() * sizeof(float), {3, 4}, VACCEL_TORCH_FLOAT);
	// No explicit TORCH_MODEL_LOAD: run loads on first use.
	vaccel_torch_tensor *out[2] = {nullptr, nullptr};
	ASSERT_EQ(vaccel_torch_model_run(&s.s, &model.r, nullptr, &in.t, 1, out, 2), VACCEL_OK);
	TensorPtr o0{out[0]}, o1{out[1]};
	ASSERT_EQ(out[0]->nr_dims, 2);
	EXPECT_EQ(out[0]->dims[0], 3);
	EXPECT_EQ(out[0]->dims[1], 3);
	ASSERT_EQ(out[1]->nr_dims, 1);
	EXPECT_EQ(out[1]->dims[0], 3);
	const auto lin = test::tiny_expected_linear(x, 3);
	const auto sum = test::tiny_expected_relu_sum(x, 3);
	for (size_t i = 0; i < lin.size(); ++i)
		EXPECT_FLOAT_EQ(static_cast<const float *>(out[0]->data)[i], lin[i]);
	for (size_t i = 0; i < sum.size(); ++i)
		EXPECT_FLOAT_EQ(static_cast<const float *>(out[1]->data)[i], sum[i]);
}

TEST(TorchPluginErrors, WrongFormatModelIsBackendError)
{
	Session s;
	Resource bogus(test::model_path("mobilenetv2-12-int8.onnx"), VACCEL_RESOURCE_MODEL);
	Resource labels(test::model_path(test::kLabels1000), VACCEL_RESOURCE_DATA);
	bogus.attach(s);
	labels.attach(s);
	EXPECT_EQ(vaccel_torch_model_load(&s.s, &bogus.r), VACCEL_EBACKEND);
	std::string text;
	EXPECT_EQ(classify(s, image_bytes("cat.bmp"), text), VACCEL_EBACKEND);
}

TEST(TorchPluginErrors, MissingModelOrLabelsIsNotFound)
{
	NoEnvLabels no_env;
	{
		Session s; // nothing registered
		std::string text;
		EXPECT_EQ(classify(s, image_bytes("cat.bmp"), text), VACCEL_ENOENT);
	}
	{
		Session s; // a model but no labels anywhere
		Resource model(test::model_path(test::kTorchModel), VACCEL_RESOURCE_MODEL);
		model.attach(s);
		std::string text;
		EXPECT_EQ(classify(s, image_bytes("cat.bmp"), text), VACCEL_ENOENT);
		setenv("VACCEL_TORCH_LABELS", "/nonexistent/labels.txt", 1);
		EXPECT_EQ(classify(s, image_bytes("cat.bmp"), text), VACCEL_ENOENT);
		unsetenv("VACCEL_TORCH_LABELS");
	}
	vaccel_resource missing{};
	EXPECT_NE(vaccel_resource_init(&missing, "/nonexistent/model.pt", VACCEL_RESOURCE_MODEL), VACCEL_OK);
}

TEST(TorchPluginErrors, BadImagesAreInvalid)
{
	MobilenetSession ms;
	Session &s = ms.s;
	std::string text;
	const std::vector<unsigned char> not_image(4096, 0x42);
	EXPECT_EQ(classify(s, not_image, text), VACCEL_EINVAL);
	// A truncated JPEG: the header is right, the data is not there.
	auto truncated = image_bytes("parrot.jpg");
	truncated.resize(200);
	EXPECT_EQ(classify(s, truncated, text), VACCEL_EINVAL);
	unsigned char out[64];
	EXPECT_EQ(vaccel_image_classification(&s.s, not_image.data(), out, out, 0, sizeof(out), sizeof(out)),
		  VACCEL_EINVAL);
}

TEST(TorchPluginErrors, BadTensorsAreInvalid)
{
	Session s;
	Resource model(test::model_path(test::kTorchModel), VACCEL_RESOURCE_MODEL);
	model.attach(s);
	std::vector<float> data(3 * 224 * 224, 0.1F);
	std::vector<int32_t> ints(3 * 224 * 224, 1);
	vaccel_torch_tensor *out = nullptr;
	auto run = [&](TensorPtr &in, int nr_out = 1) {
		return vaccel_torch_model_run(&s.s, &model.r, nullptr, &in.t, 1, &out, nr_out);
	};
	auto wrong_dims = make_tensor(data.data(), 3 * 100 * sizeof(float), {1, 3, 100}, VACCEL_TORCH_FLOAT);
	EXPECT_EQ(run(wrong_dims), VACCEL_EINVAL);
	auto wrong_type = make_tensor(ints.data(), ints.size() * 4, {1, 3, 224, 224}, VACCEL_TORCH_INT);
	EXPECT_EQ(run(wrong_type), VACCEL_EINVAL);
	auto bad_size = make_tensor(data.data(), 100, {1, 3, 224, 224}, VACCEL_TORCH_FLOAT);
	EXPECT_EQ(run(bad_size), VACCEL_EINVAL);
	auto bad_enum = make_tensor(data.data(), data.size() * 4, {1, 3, 224, 224}, VACCEL_TORCH_FLOAT);
	// What a C caller can store; C++ may not hold 99 in this enum, so write the bytes.
	const std::underlying_type_t<vaccel_torch_data_type> ninety_nine = 99;
	std::memcpy(&bad_enum.t->data_type, &ninety_nine, sizeof(ninety_nine));
	EXPECT_EQ(run(bad_enum), VACCEL_EINVAL);
	auto null_data = make_tensor(nullptr, data.size() * 4, {1, 3, 224, 224}, VACCEL_TORCH_FLOAT);
	EXPECT_EQ(run(null_data), VACCEL_EINVAL);
	auto good = make_tensor(data.data(), data.size() * 4, {1, 3, 224, 224}, VACCEL_TORCH_FLOAT);
	EXPECT_EQ(run(good, 0), VACCEL_EINVAL);
	// MobileNet returns one tensor; asking for two fails and hands nothing out.
	vaccel_torch_tensor *two[2] = {nullptr, nullptr};
	EXPECT_EQ(vaccel_torch_model_run(&s.s, &model.r, nullptr, &good.t, 1, two, 2), VACCEL_EINVAL);
	EXPECT_EQ(two[0], nullptr);
	vaccel_torch_tensor *null_in = nullptr;
	EXPECT_EQ(vaccel_torch_model_run(&s.s, &model.r, nullptr, &null_in, 1, &out, 1), VACCEL_EINVAL);
	EXPECT_EQ(out, nullptr);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(TorchPlugin, DeprecatedTorchSgemm)
{
	Session s;
	const int m = 3, n = 4, k = 2;
	std::vector<float> a{1, 2, 3, 4, 5, 6}, b{1, 0, -1, 2, 0.5F, 1, 1, -1}, c(m * n, 1.0F);
	auto ta = make_tensor(a.data(), a.size() * 4, {m, k}, VACCEL_TORCH_FLOAT);
	auto tb = make_tensor(b.data(), b.size() * 4, {k, n}, VACCEL_TORCH_FLOAT);
	auto tc = make_tensor(c.data(), c.size() * 4, {m, n}, VACCEL_TORCH_FLOAT);
	vaccel_torch_tensor *out = nullptr;
	ASSERT_EQ(vaccel_torch_sgemm(&s.s, &ta.t, &tb.t, &tc.t, m, n, k, &out), VACCEL_OK);
	TensorPtr owned{out};
	std::vector<float> ref = c;
	test::naive_sgemm(m, n, k, 1.0F, a.data(), k, b.data(), n, 1.0F, ref.data(), n);
	ASSERT_EQ(out->size, ref.size() * sizeof(float));
	for (size_t i = 0; i < ref.size(); ++i)
		EXPECT_FLOAT_EQ(static_cast<const float *>(out->data)[i], ref[i]);
	vaccel_torch_tensor *bad = nullptr;
	EXPECT_EQ(vaccel_torch_sgemm(&s.s, &ta.t, &tb.t, &tc.t, m, n, k + 1, &bad), VACCEL_EINVAL);
	EXPECT_EQ(bad, nullptr);
}
#pragma GCC diagnostic pop

// BLAS_SGEMM on a torch session (a session is bound to one plugin, so torch serves it too).
TEST(TorchPlugin, BlasSgemmWithLeadingDimensionsAndAlphaBeta)
{
	Session s;
	const int64_t m = 19, n = 11, k = 7, lda = 9, ldb = 13, ldc = 12;
	const float alpha = 1.5F, beta = -0.5F;
	std::vector<float> a(m * lda), b(k * ldb), c(m * ldc);
	for (size_t i = 0; i < a.size(); ++i)
		a[i] = std::sin(static_cast<float>(i));
	for (size_t i = 0; i < b.size(); ++i)
		b[i] = std::cos(static_cast<float>(i) * 0.7F);
	for (size_t i = 0; i < c.size(); ++i)
		c[i] = static_cast<float>(i % 5) - 2.0F;
	auto ref = c;
	test::naive_sgemm(m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, ref.data(), ldc);
	ASSERT_EQ(vaccel_sgemm(&s.s, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc), VACCEL_OK);
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < ldc; ++j) {
			const size_t at = static_cast<size_t>(i * ldc + j);
			// Padding columns (j >= n) must be exactly untouched.
			ASSERT_NEAR(c[at], ref[at], j < n ? 1e-4F : 0.0F) << i << "," << j;
		}
	// beta = 0: C's old contents (NaN here) are not read.
	std::vector<float> nan_c(m * ldc, std::nanf(""));
	ASSERT_EQ(vaccel_sgemm(&s.s, m, n, k, 1.0F, a.data(), lda, b.data(), ldb, 0.0F, nan_c.data(), ldc), VACCEL_OK);
	EXPECT_FALSE(std::isnan(nan_c[0]));
	EXPECT_EQ(vaccel_sgemm(&s.s, m, n, k, 1.0F, a.data(), k - 1, b.data(), ldb, 0.0F, c.data(), ldc),
		  VACCEL_EINVAL);
}

// Three sessions on three threads: two share MobileNet, one runs the tiny model.
TEST(TorchPlugin, ConcurrentSessionsWithDifferentModels)
{
	NoEnvLabels no_env;
	Session s1, s2, s3;
	Resource mobilenet(test::model_path(test::kTorchModel), VACCEL_RESOURCE_MODEL);
	Resource labels(test::model_path(test::kLabels1000), VACCEL_RESOURCE_DATA);
	Resource tiny(test::tiny_model_path(), VACCEL_RESOURCE_MODEL);
	mobilenet.attach(s1);
	labels.attach(s1);
	tiny.attach(s3);
	// s2 shares the same MobileNet resource (registered with two sessions).
	ASSERT_EQ(vaccel_resource_register(&mobilenet.r, &s2.s), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&labels.r, &s2.s), VACCEL_OK);

	std::atomic<int> failures{0};
	auto classify_loop = [&](Session &s, const test::ExpectedClass &e) {
		const auto img = image_bytes(e.image);
		for (int i = 0; i < 5; ++i) {
			std::string text;
			if (classify(s, img, text) != VACCEL_OK || text.find(e.label) == std::string::npos)
				++failures;
		}
	};
	std::thread t1(classify_loop, std::ref(s1), test::kTorchExpected[0]);
	std::thread t2(classify_loop, std::ref(s2), test::kTorchExpected[1]);
	std::thread t3([&] {
		std::vector<float> x{0.5F, -2, 3, 1};
		const auto lin = test::tiny_expected_linear(x, 1);
		for (int i = 0; i < 100; ++i) {
			auto in = make_tensor(x.data(), x.size() * 4, {1, 4}, VACCEL_TORCH_FLOAT);
			vaccel_torch_tensor *out = nullptr;
			if (vaccel_torch_model_run(&s3.s, &tiny.r, nullptr, &in.t, 1, &out, 1) != VACCEL_OK) {
				++failures;
				continue;
			}
			TensorPtr owned{out};
			for (size_t j = 0; j < lin.size(); ++j)
				if (std::fabs(static_cast<const float *>(out->data)[j] - lin[j]) > 1e-5F)
					++failures;
		}
	});
	t1.join();
	t2.join();
	t3.join();
	EXPECT_EQ(failures.load(), 0);

	// Unregistering from one session leaves the model usable by the other.
	ASSERT_EQ(vaccel_resource_unregister(&mobilenet.r, &s2.s), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_unregister(&labels.r, &s2.s), VACCEL_OK);
	std::string text;
	EXPECT_EQ(classify(s1, image_bytes("bird.bmp"), text), VACCEL_OK);
	EXPECT_NE(text.find("chickadee"), std::string::npos) << text;
}

// The `classify` example (examples/) with the torch plugin, as a user would run it.
TEST(TorchPluginExample, ClassifyExampleFindsEachClass)
{
	const std::string exe = VACCEL_TEST_CLASSIFY_BIN;
	ASSERT_TRUE(std::filesystem::exists(exe)) << "classify example not built: looked for " << exe;
	const std::string plugin = plugin_path();
	for (const auto &e : test::kTorchExpected) {
		const std::string cmd = "VACCEL_PLUGINS='" + plugin + "' VACCEL_TORCH_LABELS='" +
					test::model_path(test::kLabels1000) + "' timeout 120 '" + exe + "' '" +
					test::model_path(e.image) + "' 1 '" + test::model_path(test::kTorchModel) +
					"' 2>&1";
		FILE *p = popen(cmd.c_str(), "r");
		ASSERT_NE(p, nullptr);
		std::string output;
		char buf[512];
		while (std::fgets(buf, sizeof(buf), p) != nullptr && output.size() < 65536)
			output += buf;
		const int status = pclose(p);
		EXPECT_EQ(status, 0) << cmd << "\n" << output;
		EXPECT_NE(output.find(e.label), std::string::npos) << cmd << "\n" << output;
	}
}

} // namespace
