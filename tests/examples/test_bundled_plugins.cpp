// SPDX-License-Identifier: Apache-2.0
// Behaviour of the bundled plugins (noop, exec, mbench) through the public C
// API: dummy results and tensor echo of noop, exec/exec_with_resource with
// dependencies, memory-only libraries, dlopen modes and error codes, the
// mbench argument checks, and concurrent exec_with_resource.
//
// Each test bootstraps the runtime with exactly one plugin
// (vaccel_bootstrap_with_config), so sessions always bind to it.

#include <vaccel.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

std::vector<uint8_t> read_bytes(const char *path)
{
	std::ifstream in(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Re-bootstraps the runtime with one plugin; cleans up after each test.
class PluginTest : public ::testing::Test {
protected:
	void bootstrap(const char *plugin)
	{
		struct vaccel_config cfg {};
		ASSERT_EQ(vaccel_config_init(&cfg, plugin, VACCEL_LOG_ERROR, nullptr, false, false), VACCEL_OK);
		ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
		vaccel_config_release(&cfg);
		ASSERT_EQ(vaccel_session_init(&sess_, 0), VACCEL_OK);
		have_session_ = true;
	}
	void TearDown() override
	{
		if (have_session_) {
			EXPECT_EQ(vaccel_session_release(&sess_), VACCEL_OK);
		}
		vaccel_cleanup();
		unsetenv("VACCEL_EXEC_DLOPEN_MODE");
		unsetenv("VACCEL_EXEC_DLCLOSE_ENABLED");
	}

	vaccel_session sess_{};
	bool have_session_ = false;
};

// ---- noop -------------------------------------------------------------------------

class NoopPlugin : public PluginTest {
protected:
	void SetUp() override { bootstrap(VACCEL_TEST_NOOP_PLUGIN); }
};

TEST_F(NoopPlugin, ImageOpsGiveDummyResultsTruncatedToTheBuffers)
{
	const char img[] = "any bytes";
	std::array<unsigned char, 64> text{};
	std::array<unsigned char, 64> name{};
	ASSERT_EQ(vaccel_image_classification(&sess_, img, text.data(), name.data(), sizeof(img), text.size(),
					      name.size()),
		  VACCEL_OK);
	EXPECT_STREQ(reinterpret_cast<char *>(text.data()), "This is a dummy classification tag!");
	EXPECT_STREQ(reinterpret_cast<char *>(name.data()), "This is a dummy imgname!");

	std::array<unsigned char, 5> small{};
	ASSERT_EQ(vaccel_image_depth(&sess_, img, small.data(), sizeof(img), small.size()), VACCEL_OK);
	EXPECT_STREQ(reinterpret_cast<char *>(small.data()), "This");
}

TEST_F(NoopPlugin, ExecEchoesReadArgsIntoWriteArgs)
{
	int32_t in = 42;
	int32_t out = 0;
	vaccel_arg read{};
	vaccel_arg write{};
	ASSERT_EQ(vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_exec(&sess_, "/no/such/lib.so", "sym", &read, 1, &write, 1), VACCEL_OK);
	EXPECT_EQ(out, 42);
}

TEST_F(NoopPlugin, TfliteRunEchoesInputTensors)
{
	const std::string model_path = ::testing::TempDir() + "noop-model.bin";
	std::ofstream(model_path) << "model";
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, model_path.c_str(), VACCEL_RESOURCE_MODEL), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess_), VACCEL_OK);
	ASSERT_EQ(vaccel_tflite_model_load(&sess_, &model), VACCEL_OK);

	std::array<uint8_t, 6> data{1, 2, 3, 4, 5, 6};
	const int32_t dims[2] = {2, 3};
	vaccel_tflite_tensor *in = nullptr;
	ASSERT_EQ(vaccel_tflite_tensor_new(&in, 2, dims, VACCEL_TFLITE_UINT8), VACCEL_OK);
	ASSERT_EQ(vaccel_tflite_tensor_set_data(in, data.data(), data.size()), VACCEL_OK);
	vaccel_tflite_tensor *out = nullptr;
	uint8_t status = 99;
	ASSERT_EQ(vaccel_tflite_model_run(&sess_, &model, &in, 1, &out, 1, &status), VACCEL_OK);
	EXPECT_EQ(status, 0);
	ASSERT_NE(out, nullptr);
	EXPECT_EQ(out->nr_dims, 2);
	EXPECT_EQ(out->dims[0], 2);
	EXPECT_EQ(out->dims[1], 3);
	EXPECT_EQ(out->data_type, VACCEL_TFLITE_UINT8);
	ASSERT_EQ(out->size, data.size());
	EXPECT_EQ(std::memcmp(out->data, data.data(), data.size()), 0);
	EXPECT_NE(out->data, static_cast<void *>(data.data())); // a copy, owned by the output

	vaccel_tflite_tensor_delete(out);
	vaccel_tflite_tensor_delete(in);
	EXPECT_EQ(vaccel_tflite_model_unload(&sess_, &model), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_unregister(&model, &sess_), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
}

TEST_F(NoopPlugin, TorchRunEchoesInputTensors)
{
	const std::string model_path = ::testing::TempDir() + "noop-model.pt";
	std::ofstream(model_path) << "model";
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, model_path.c_str(), VACCEL_RESOURCE_MODEL), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess_), VACCEL_OK);
	ASSERT_EQ(vaccel_torch_model_load(&sess_, &model), VACCEL_OK);

	std::array<float, 4> data{0.5F, -1.0F, 2.0F, 3.5F};
	const int64_t dims[2] = {1, 4};
	vaccel_torch_tensor *in = nullptr;
	ASSERT_EQ(vaccel_torch_tensor_new(&in, 2, dims, VACCEL_TORCH_FLOAT), VACCEL_OK);
	ASSERT_EQ(vaccel_torch_tensor_set_data(in, data.data(), sizeof(data)), VACCEL_OK);
	vaccel_torch_tensor *out = nullptr;
	ASSERT_EQ(vaccel_torch_model_run(&sess_, &model, nullptr, &in, 1, &out, 1), VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_EQ(out->nr_dims, 2);
	EXPECT_EQ(out->dims[1], 4);
	ASSERT_EQ(out->size, sizeof(data));
	EXPECT_EQ(std::memcmp(out->data, data.data(), sizeof(data)), 0);

	// More outputs than inputs cannot be echoed.
	std::array<vaccel_torch_tensor *, 2> outs{};
	EXPECT_EQ(vaccel_torch_model_run(&sess_, &model, nullptr, &in, 1, outs.data(), 2), VACCEL_EINVAL);

	vaccel_torch_tensor_delete(out);
	vaccel_torch_tensor_delete(in);
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST_F(NoopPlugin, DeprecatedOpsGiveTheirDummyResults)
{
	std::array<int, 4> a{1, 2, 3, 4};
	std::array<int, 4> copy{};
	EXPECT_EQ(vaccel_fpga_arraycopy(&sess_, a.data(), copy.data(), a.size()), VACCEL_OK);
	EXPECT_EQ(copy, a);

	std::array<double, 4> in{3.0, -2.0, 7.5, 1.0};
	std::array<double, 4> out{};
	double mn = 0;
	double mx = 0;
	EXPECT_EQ(vaccel_minmax(&sess_, in.data(), 4, 0, 10, out.data(), &mn, &mx), VACCEL_OK);
	EXPECT_EQ(out, in);
	EXPECT_EQ(mn, -2.0);
	EXPECT_EQ(mx, 7.5);
}
#pragma GCC diagnostic pop

// ---- exec ----------------------------------------------------------------------------

class ExecPlugin : public PluginTest {
protected:
	void SetUp() override { bootstrap(VACCEL_TEST_EXEC_PLUGIN); }

	// Runs `symbol` of `lib` with in -> out; returns the op's status.
	int run_with_resource(vaccel_resource *lib, const char *symbol, int32_t in, int32_t &out)
	{
		vaccel_arg read{};
		vaccel_arg write{};
		vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0);
		vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0);
		return vaccel_exec_with_resource(&sess_, lib, symbol, &read, 1, &write, 1);
	}
};

TEST_F(ExecPlugin, ExecRunsTheFunctionAndMapsErrors)
{
	int32_t in = 10;
	int32_t out = 0;
	vaccel_arg read{};
	vaccel_arg write{};
	vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0);
	EXPECT_EQ(vaccel_exec(&sess_, VACCEL_TEST_MYTESTLIB, "mytestfunc", &read, 1, &write, 1), VACCEL_OK);
	EXPECT_EQ(out, 20);
	EXPECT_EQ(vaccel_exec(&sess_, VACCEL_TEST_MYTESTLIB, "no_such_fn", &read, 1, &write, 1), VACCEL_ENOSYS);
	EXPECT_EQ(vaccel_exec(&sess_, "/no/such/lib.so", "mytestfunc", &read, 1, &write, 1), VACCEL_ENOENT);
	// mytestfunc refuses a missing output: non-zero from the function -> EBACKEND.
	EXPECT_EQ(vaccel_exec(&sess_, VACCEL_TEST_MYTESTLIB, "mytestfunc", &read, 1, nullptr, 0), VACCEL_EBACKEND);
}

TEST_F(ExecPlugin, NonSerialFunctionDoublesAnArray)
{
	struct {
		uint32_t count;
		int32_t values[3];
	} in{3, {1, -2, 30}}, out{};
	vaccel_arg read{};
	vaccel_arg write{};
	vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_RAW, 0);
	vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_RAW, 0);
	ASSERT_EQ(vaccel_exec(&sess_, VACCEL_TEST_MYTESTLIB, "mytestfunc_nonser", &read, 1, &write, 1), VACCEL_OK);
	EXPECT_EQ(out.count, 3U);
	EXPECT_EQ(out.values[0], 2);
	EXPECT_EQ(out.values[1], -4);
	EXPECT_EQ(out.values[2], 60);
}

TEST_F(ExecPlugin, LibResourceLoadsDependenciesFirst)
{
	const char *paths[] = {VACCEL_TEST_VXDEP, VACCEL_TEST_VXMAIN};
	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init_multi(&lib, paths, 2, VACCEL_RESOURCE_LIB), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&lib, &sess_), VACCEL_OK);
	int32_t out = 0;
	EXPECT_EQ(run_with_resource(&lib, "vx_triple", 7, out), VACCEL_OK);
	EXPECT_EQ(out, 21);
	EXPECT_EQ(run_with_resource(&lib, "vx_fail", 7, out), VACCEL_EBACKEND);
	EXPECT_EQ(run_with_resource(&lib, "vx_missing", 7, out), VACCEL_ENOSYS);
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);
}

TEST_F(ExecPlugin, MainLibraryWithoutItsDependencyFailsToLoad)
{
	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init(&lib, VACCEL_TEST_VXMAIN, VACCEL_RESOURCE_LIB), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&lib, &sess_), VACCEL_OK);
	int32_t out = 0;
	EXPECT_EQ(run_with_resource(&lib, "vx_triple", 7, out), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);
}

TEST_F(ExecPlugin, MemoryOnlyLibrariesWithDependencyLoad)
{
	// Both libraries only in memory: the plugin must load them without files.
	std::vector<uint8_t> dep = read_bytes(VACCEL_TEST_VXDEP);
	std::vector<uint8_t> main_lib = read_bytes(VACCEL_TEST_VXMAIN);
	ASSERT_FALSE(dep.empty());
	ASSERT_FALSE(main_lib.empty());
	vaccel_blob blobs[2]{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&blobs[0], dep.data(), dep.size(), true, "libvxdep.so", nullptr, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_blob_init_from_buf(&blobs[1], main_lib.data(), main_lib.size(), true, "libvxmain.so", nullptr,
					    false),
		  VACCEL_OK);
	const vaccel_blob *list[] = {&blobs[0], &blobs[1]};
	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init_from_blobs(&lib, list, 2, VACCEL_RESOURCE_LIB), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&lib, &sess_), VACCEL_OK);
	int32_t out = 0;
	EXPECT_EQ(run_with_resource(&lib, "vx_triple", -5, out), VACCEL_OK);
	EXPECT_EQ(out, -15);
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);
	vaccel_blob_release(&blobs[0]);
	vaccel_blob_release(&blobs[1]);
}

TEST_F(ExecPlugin, ReRegisteringAfterUnregisterReloads)
{
	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init(&lib, VACCEL_TEST_MYTESTLIB, VACCEL_RESOURCE_LIB), VACCEL_OK);
	for (int round = 0; round < 3; ++round) {
		ASSERT_EQ(vaccel_resource_register(&lib, &sess_), VACCEL_OK);
		int32_t out = 0;
		EXPECT_EQ(run_with_resource(&lib, "mytestfunc", round, out), VACCEL_OK);
		EXPECT_EQ(out, 2 * round);
		ASSERT_EQ(vaccel_resource_unregister(&lib, &sess_), VACCEL_OK);
	}
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);
}

TEST_F(ExecPlugin, ConcurrentExecWithResourceOnSharedLibrary)
{
	const char *paths[] = {VACCEL_TEST_VXDEP, VACCEL_TEST_VXMAIN};
	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init_multi(&lib, paths, 2, VACCEL_RESOURCE_LIB), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&lib, &sess_), VACCEL_OK);

	constexpr int kThreads = 4;
	constexpr int kCalls = 100;
	std::atomic<int> failures{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t) {
		threads.emplace_back([&, t] {
			// Each thread also has its own session sharing the resource.
			vaccel_session own{};
			if (vaccel_session_init(&own, 0) != VACCEL_OK ||
			    vaccel_resource_register(&lib, &own) != VACCEL_OK) {
				++failures;
				return;
			}
			for (int i = 0; i < kCalls; ++i) {
				int32_t in = t * 1000 + i;
				int32_t out = 0;
				vaccel_arg read{};
				vaccel_arg write{};
				vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0);
				vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0);
				vaccel_session *s = (i % 2) != 0 ? &own : &sess_;
				if (vaccel_exec_with_resource(s, &lib, "vx_triple", &read, 1, &write, 1) != VACCEL_OK ||
				    out != 3 * in)
					++failures;
			}
			if (vaccel_resource_unregister(&lib, &own) != VACCEL_OK ||
			    vaccel_session_release(&own) != VACCEL_OK)
				++failures;
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(failures.load(), 0);
	int32_t out = 0;
	EXPECT_EQ(run_with_resource(&lib, "vx_triple", 2, out), VACCEL_OK); // still loaded for sess_
	EXPECT_EQ(out, 6);
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);
}

class ExecPluginLazy : public ExecPlugin {
protected:
	void SetUp() override
	{
		setenv("VACCEL_EXEC_DLOPEN_MODE", "lazy", 1);
		setenv("VACCEL_EXEC_DLCLOSE_ENABLED", "1", 1);
		bootstrap(VACCEL_TEST_EXEC_PLUGIN);
	}
};

TEST_F(ExecPluginLazy, LazyModeWithDlcloseStillRuns)
{
	const char *paths[] = {VACCEL_TEST_VXDEP, VACCEL_TEST_VXMAIN};
	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init_multi(&lib, paths, 2, VACCEL_RESOURCE_LIB), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&lib, &sess_), VACCEL_OK);
	int32_t out = 0;
	EXPECT_EQ(run_with_resource(&lib, "vx_triple", 4, out), VACCEL_OK);
	EXPECT_EQ(out, 12);
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);

	int32_t in = 8;
	vaccel_arg read{};
	vaccel_arg write{};
	vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0);
	for (int i = 0; i < 3; ++i) { // opened and closed on every call
		EXPECT_EQ(vaccel_exec(&sess_, VACCEL_TEST_MYTESTLIB, "mytestfunc", &read, 1, &write, 1), VACCEL_OK);
		EXPECT_EQ(out, 16);
	}
}

// ---- mbench ----------------------------------------------------------------------------

class MbenchPlugin : public PluginTest {
protected:
	void SetUp() override { bootstrap(VACCEL_TEST_MBENCH_PLUGIN); }

	int run(const char *time_text, size_t nr_read)
	{
		char payload[16] = "payload";
		std::array<vaccel_arg, 2> read{};
		vaccel_arg_init_from_buf(&read[0], const_cast<char *>(time_text), std::strlen(time_text) + 1,
					 VACCEL_ARG_STRING, 0);
		vaccel_arg_init_from_buf(&read[1], payload, sizeof(payload), VACCEL_ARG_BUFFER, 0);
		return vaccel_exec(&sess_, "mbench", "mbench", read.data(), nr_read, nullptr, 0);
	}
};

TEST_F(MbenchPlugin, BusyLoopsForTheRequestedTime)
{
	const auto start = std::chrono::steady_clock::now();
	ASSERT_EQ(run("30", 2), VACCEL_OK);
	const auto elapsed = std::chrono::steady_clock::now() - start;
	EXPECT_GE(elapsed, std::chrono::milliseconds(30));
	EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(MbenchPlugin, RejectsBadArguments)
{
	EXPECT_EQ(run("10", 1), VACCEL_EINVAL);     // payload missing
	EXPECT_EQ(run("0", 2), VACCEL_EINVAL);      // below 1 ms
	EXPECT_EQ(run("300001", 2), VACCEL_EINVAL); // above 5 minutes
	EXPECT_EQ(run("12abc", 2), VACCEL_EINVAL);
	EXPECT_EQ(run("", 2), VACCEL_EINVAL);
	// Not NUL-terminated within its size.
	char raw[2] = {'5', '5'};
	std::array<vaccel_arg, 2> read{};
	vaccel_arg_init_from_buf(&read[0], raw, sizeof(raw), VACCEL_ARG_RAW, 0);
	vaccel_arg_init_from_buf(&read[1], raw, sizeof(raw), VACCEL_ARG_RAW, 0);
	EXPECT_EQ(vaccel_exec(&sess_, "mbench", "mbench", read.data(), 2, nullptr, 0), VACCEL_EINVAL);
}

TEST_F(MbenchPlugin, OnlyServesExec)
{
	EXPECT_EQ(vaccel_noop(&sess_), VACCEL_ENOTSUP);
}

} // namespace
