// SPDX-License-Identifier: Apache-2.0
// libvaccel + libvaccel-rpc.so in this process, a real vaccel-agent (noop plugin) behind it:
// the vAccel API end to end, tensors, resources (shared, sync), failure codes, threads.
#include "agent_process.hpp"

#include <vaccel.h>
#include <vaccel/op_schema.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <thread>

using rpctest::AgentProcess;

namespace {

AgentProcess *g_agent = nullptr;

class PluginTest : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		g_agent = new AgentProcess;
		ASSERT_TRUE(g_agent->start(NOOP_PLUGIN));
		setenv("VACCEL_RPC_ADDRESS", g_agent->address().c_str(), 1);
		ASSERT_EQ(vaccel_plugin_load(RPC_PLUGIN), VACCEL_OK);
	}
	static void TearDownTestSuite()
	{
		delete g_agent;
		g_agent = nullptr;
	}
};

const char kText[] = "This is a dummy classification tag!";

// A remote session with a (dummy: the noop plugin echoes tensors) TFLite model registered
// and loaded on the agent; unloaded and released at the end of the test.
class RemoteTfliteModel {
public:
	RemoteTfliteModel()
	{
		static const char model_bytes[] = "not really a model";
		ok_ = vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE) == VACCEL_OK &&
		      vaccel_resource_init_from_buf(&model, model_bytes, sizeof(model_bytes), VACCEL_RESOURCE_MODEL,
						    "m.tflite", false) == VACCEL_OK &&
		      vaccel_resource_register(&model, &sess) == VACCEL_OK && model.remote_id > 0 &&
		      vaccel_tflite_model_load(&sess, &model) == VACCEL_OK;
	}
	~RemoteTfliteModel()
	{
		EXPECT_EQ(vaccel_tflite_model_unload(&sess, &model), VACCEL_OK);
		EXPECT_EQ(vaccel_resource_unregister(&model, &sess), VACCEL_OK);
		vaccel_resource_release(&model);
		vaccel_session_release(&sess);
	}
	[[nodiscard]] bool ok() const { return ok_; }
	vaccel_session sess{};
	vaccel_resource model{};

private:
	bool ok_ = false;
};

} // namespace

TEST_F(PluginTest, RemoteSessionRunsOps)
{
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	EXPECT_TRUE(sess.is_virtio);
	EXPECT_GT(sess.remote_id, 0);
	EXPECT_EQ(vaccel_noop(&sess), VACCEL_OK);
	std::vector<char> img(5000, 1);
	unsigned char text[128] = {}, name[128] = {};
	ASSERT_EQ(vaccel_image_classification(&sess, img.data(), text, name, img.size(), sizeof(text), sizeof(name)),
		  VACCEL_OK);
	EXPECT_STREQ(reinterpret_cast<char *>(text), kText);
	// sgemm's C travels both ways (in/out arg).
	std::vector<float> a(4, 1.f), b(4, 1.f), c(4, 7.f);
	EXPECT_EQ(vaccel_sgemm(&sess, 2, 2, 2, 1.f, a.data(), 2, b.data(), 2, 0.f, c.data(), 2), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" // the fpga ops are deprecated in 0.8
// Ops encoded by the schema (include/vaccel/op_schema.hpp): the extension op ECHO, reachable
// only through genop, and ops whose outputs come back through the same encoder.
TEST_F(PluginTest, SchemaOpsTravelToTheAgent)
{
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	uint8_t code = vaccel::schema::kOpEcho;
	const char msg[] = "there and back again";
	unsigned char out[64] = {};
	vaccel_arg read[2] = {{&code, 1, VACCEL_ARG_UINT8, 0, false},
			      {const_cast<char *>(msg), sizeof(msg), VACCEL_ARG_BUFFER, 0, false}};
	vaccel_arg write[1] = {{out, sizeof(out), VACCEL_ARG_UCHAR_ARRAY, 0, false}};
	ASSERT_EQ(vaccel_genop(&sess, read, 2, write, 1), VACCEL_OK);
	EXPECT_STREQ(reinterpret_cast<char *>(out), msg);
	write[0].size = 4; // the noop plugin refuses a short output on the agent
	EXPECT_EQ(vaccel_genop(&sess, read, 2, write, 1), VACCEL_EINVAL);

	double in[4] = {3, -1, 7, 2}, copy[4] = {}, mn = 0, mx = 0;
	ASSERT_EQ(vaccel_minmax(&sess, in, 4, 0, 10, copy, &mn, &mx), VACCEL_OK);
	EXPECT_EQ(mn, -1);
	EXPECT_EQ(mx, 7);
	EXPECT_EQ(copy[2], 7);
	float a[3] = {1, 2, 3}, b[3] = {10, 20, 30}, sum[3] = {}, one[3] = {};
	ASSERT_EQ(vaccel_fpga_parallel(&sess, a, b, sum, one, 3), VACCEL_OK);
	EXPECT_EQ(sum[2], 33.f);
	EXPECT_EQ(one[0], 1.f);
	EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
}
#pragma GCC diagnostic pop

TEST_F(PluginTest, TfliteTensorsRoundTrip)
{
	RemoteTfliteModel m;
	ASSERT_TRUE(m.ok());
	auto &sess = m.sess;
	auto &model = m.model;
	int32_t dims[2] = {1, 16};
	vaccel_tflite_tensor *in = nullptr;
	ASSERT_EQ(vaccel_tflite_tensor_allocate(&in, 2, dims, VACCEL_TFLITE_FLOAT32, 16 * sizeof(float)), VACCEL_OK);
	for (int i = 0; i < 16; ++i)
		static_cast<float *>(in->data)[i] = i * 0.5f;
	vaccel_tflite_tensor *out[1] = {nullptr};
	uint8_t status = 99;
	ASSERT_EQ(vaccel_tflite_model_run(&sess, &model, &in, 1, out, 1, &status), VACCEL_OK);
	EXPECT_EQ(status, 0);
	ASSERT_NE(out[0], nullptr);
	EXPECT_EQ(out[0]->nr_dims, 2);
	EXPECT_EQ(out[0]->dims[1], 16);
	EXPECT_EQ(out[0]->data_type, VACCEL_TFLITE_FLOAT32);
	ASSERT_EQ(out[0]->size, in->size);
	EXPECT_EQ(memcmp(out[0]->data, in->data, in->size), 0);
	vaccel_tflite_tensor_delete(out[0]);
	vaccel_tflite_tensor_delete(in);
}

TEST_F(PluginTest, TensorflowAndTorchTensorsRoundTrip)
{
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	const char model_bytes[] = "model";
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&model, model_bytes, sizeof(model_bytes), VACCEL_RESOURCE_MODEL, "m.pb",
						false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);

	vaccel_tf_status st{};
	ASSERT_EQ(vaccel_tf_model_load(&sess, &model, &st), VACCEL_OK);
	EXPECT_EQ(st.code, 0);
	vaccel_tf_status_release(&st);
	int64_t dims[2] = {2, 3};
	vaccel_tf_tensor *in = nullptr;
	ASSERT_EQ(vaccel_tf_tensor_allocate(&in, 2, dims, VACCEL_TF_INT64, 6 * sizeof(int64_t)), VACCEL_OK);
	for (int i = 0; i < 6; ++i)
		static_cast<int64_t *>(in->data)[i] = 1000 + i;
	vaccel_tf_node in_node{const_cast<char *>("in"), 0}, out_node{const_cast<char *>("out"), 0};
	vaccel_tf_tensor *out[1] = {nullptr};
	char opts[] = "run-options";
	vaccel_tf_buffer run_opts{opts, sizeof(opts)};
	ASSERT_EQ(vaccel_tf_model_run(&sess, &model, &run_opts, &in_node, &in, 1, &out_node, out, 1, &st), VACCEL_OK);
	ASSERT_NE(out[0], nullptr);
	EXPECT_EQ(out[0]->nr_dims, 2);
	EXPECT_EQ(out[0]->data_type, VACCEL_TF_INT64);
	ASSERT_EQ(out[0]->size, in->size);
	EXPECT_EQ(memcmp(out[0]->data, in->data, in->size), 0);
	vaccel_tf_status_release(&st);
	vaccel_tf_tensor_delete(out[0]);
	vaccel_tf_tensor_delete(in);
	ASSERT_EQ(vaccel_tf_model_unload(&sess, &model, &st), VACCEL_OK);
	vaccel_tf_status_release(&st);

	ASSERT_EQ(vaccel_torch_model_load(&sess, &model), VACCEL_OK);
	int64_t tdims[1] = {8};
	vaccel_torch_tensor *tin = nullptr;
	ASSERT_EQ(vaccel_torch_tensor_allocate(&tin, 1, tdims, VACCEL_TORCH_FLOAT, 8 * sizeof(float)), VACCEL_OK);
	for (int i = 0; i < 8; ++i)
		static_cast<float *>(tin->data)[i] = i * 1.5f;
	vaccel_torch_tensor *tout[1] = {nullptr};
	ASSERT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, &tin, 1, tout, 1), VACCEL_OK);
	ASSERT_NE(tout[0], nullptr);
	EXPECT_EQ(tout[0]->dims[0], 8);
	ASSERT_EQ(tout[0]->size, tin->size);
	EXPECT_EQ(memcmp(tout[0]->data, tin->data, tin->size), 0);
	vaccel_torch_tensor_delete(tout[0]);
	vaccel_torch_tensor_delete(tin);

	vaccel_resource_unregister(&model, &sess);
	vaccel_resource_release(&model);
	vaccel_session_release(&sess);
}

TEST_F(PluginTest, DirectoryResourceIsRecreatedOnTheAgent)
{
	std::string dir = rpctest::make_temp_dir("dirres");
	for (const char *name : {"saved_model.pb", "variables.index"}) {
		FILE *f = fopen((dir + "/" + name).c_str(), "w");
		ASSERT_NE(f, nullptr);
		fputs(name, f);
		fclose(f);
	}
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init(&res, dir.c_str(), VACCEL_RESOURCE_MODEL), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&res, &sess), VACCEL_OK);
	EXPECT_GT(res.remote_id, 0);
	// The agent rebuilt the directory (both files) in its spool area.
	std::string found = g_agent->log_text();
	int files = 0;
	for (auto &e : std::filesystem::recursive_directory_iterator(g_agent->dir()))
		if (e.is_regular_file() &&
		    (e.path().filename() == "saved_model.pb" || e.path().filename() == "variables.index"))
			++files;
	EXPECT_EQ(files, 2);
	EXPECT_EQ(vaccel_resource_unregister(&res, &sess), VACCEL_OK);
	vaccel_resource_release(&res);
	vaccel_session_release(&sess);
	std::filesystem::remove_all(dir);
}

TEST_F(PluginTest, SharedResourceTravelsOnceAndSyncs)
{
	vaccel_session s1{}, s2{};
	ASSERT_EQ(vaccel_session_init(&s1, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&s2, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	std::vector<uint8_t> data(1 << 16);
	for (size_t i = 0; i < data.size(); ++i)
		data[i] = static_cast<uint8_t>(i * 13);
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&res, data.data(), data.size(), VACCEL_RESOURCE_DATA, nullptr, true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&res, &s1), VACCEL_OK);
	vaccel_id_t remote = res.remote_id;
	ASSERT_EQ(vaccel_resource_register(&res, &s2), VACCEL_OK);
	EXPECT_EQ(res.remote_id, remote); // the agent shares it; no second upload
	// Sync refreshes the local BUFFER blob from the agent's copy.
	ASSERT_EQ(res.nr_blobs, 1u);
	memset(res.blobs[0]->data, 0, res.blobs[0]->size);
	ASSERT_EQ(vaccel_resource_sync(&res, &s2), VACCEL_OK);
	EXPECT_EQ(memcmp(res.blobs[0]->data, data.data(), data.size()), 0);
	EXPECT_EQ(vaccel_resource_unregister(&res, &s1), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_sync(&res, &s2), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_unregister(&res, &s2), VACCEL_OK);
	vaccel_resource_release(&res);
	vaccel_session_release(&s1);
	vaccel_session_release(&s2);
}

TEST_F(PluginTest, SharedBufferTensorsTravelWithoutCopies)
{
	RemoteTfliteModel m;
	ASSERT_TRUE(m.ok());
	auto &sess = m.sess;
	auto &model = m.model;
	// Input 0 in ordinary memory (travels inline), input 1 (1 MiB, at an offset inside a
	// shared buffer) as a range of the buffer's memfd.
	constexpr size_t kBig = 1 << 20, kOffset = 4096 + 12;
	auto *shm = static_cast<uint8_t *>(vaccel_shm_alloc(kBig + 2 * kOffset));
	ASSERT_NE(shm, nullptr);
	for (size_t i = 0; i < kBig; ++i)
		shm[kOffset + i] = static_cast<uint8_t>(i * 7 + 1);
	std::vector<float> small(16);
	for (int i = 0; i < 16; ++i)
		small[i] = i * 0.25f;
	int32_t dims0[2] = {1, 16}, dims1[2] = {1, static_cast<int32_t>(kBig)};
	vaccel_tflite_tensor *in[2] = {nullptr, nullptr};
	ASSERT_EQ(vaccel_tflite_tensor_new(&in[0], 2, dims0, VACCEL_TFLITE_FLOAT32), VACCEL_OK);
	ASSERT_EQ(vaccel_tflite_tensor_new(&in[1], 2, dims1, VACCEL_TFLITE_UINT8), VACCEL_OK);
	ASSERT_EQ(vaccel_tflite_tensor_set_data(in[0], small.data(), small.size() * sizeof(float)), VACCEL_OK);
	ASSERT_EQ(vaccel_tflite_tensor_set_data(in[1], shm + kOffset, kBig), VACCEL_OK);
	vaccel_tflite_tensor *out[2] = {nullptr, nullptr};
	uint8_t status = 99;
	ASSERT_EQ(vaccel_tflite_model_run(&sess, &model, in, 2, out, 2, &status), VACCEL_OK);
	ASSERT_NE(out[0], nullptr);
	ASSERT_NE(out[1], nullptr);
	ASSERT_EQ(out[0]->size, small.size() * sizeof(float));
	EXPECT_EQ(memcmp(out[0]->data, small.data(), out[0]->size), 0);
	ASSERT_EQ(out[1]->size, kBig);
	EXPECT_EQ(memcmp(out[1]->data, shm + kOffset, kBig), 0);
	// The agent says it took this connection's payload as parts (one inline, one memfd range).
	EXPECT_NE(g_agent->log_text().find("zero-copy (2 payload parts)"), std::string::npos) << g_agent->log_text();
	for (auto *t : out)
		vaccel_tflite_tensor_delete(t);
	for (auto *t : in)
		vaccel_tflite_tensor_delete(t); // borrowed data is not freed
	EXPECT_EQ(vaccel_shm_free(shm), VACCEL_OK);
}

#ifdef EXEC_PLUGIN
// Threads of one process share one connection, yet their ops run side by side on the agent:
// each calls a function that only returns 0 once all of them are inside it at the same time.
// (With the calls serialised it would time out after 5 s and return 1.)
TEST_F(PluginTest, ThreadsOfOneProcessOverlapOnTheAgent)
{
	AgentProcess exec_agent;
	ASSERT_TRUE(exec_agent.start(EXEC_PLUGIN, {"--allow-exec", "--workers", "4"}));
	// The plugin follows a new address once no session of the old connection is left.
	std::string previous = getenv("VACCEL_RPC_ADDRESS");
	setenv("VACCEL_RPC_ADDRESS", exec_agent.address().c_str(), 1);
	constexpr int kThreads = 4, kRounds = 3;
	std::atomic<int> failures{0};
	// Every thread has called before any exec: the client knows it is used from several
	// threads (until then a lone request runs on the agent's reading thread).
	std::latch sessions_ready(kThreads);
	std::vector<std::thread> th;
	for (int t = 0; t < kThreads; ++t)
		th.emplace_back([&] {
			vaccel_session sess{};
			int init = vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE);
			sessions_ready.arrive_and_wait();
			if (init != VACCEL_OK) {
				failures++;
				return;
			}
			for (int round = 0; round < kRounds; ++round) {
				int32_t n = kThreads, result = -1;
				vaccel_arg in{&n, sizeof(n), VACCEL_ARG_INT32, 0, false};
				vaccel_arg out{&result, sizeof(result), VACCEL_ARG_INT32, 0, false};
				int ret = vaccel_exec(&sess, EXEC_LIB, "vtest_rendezvous", &in, 1, &out, 1);
				if (ret != VACCEL_OK) {
					fprintf(stderr, "round %d: vaccel_exec returned %d\n", round, ret);
					failures++;
				}
			}
			if (vaccel_session_release(&sess) != VACCEL_OK)
				failures++;
		});
	for (auto &t : th)
		t.join();
	EXPECT_EQ(failures.load(), 0);
	setenv("VACCEL_RPC_ADDRESS", previous.c_str(), 1);
}
#endif

// Threads of one process register (memfd-sized) resources and run ops at the same time.
TEST_F(PluginTest, ThreadsRegisterResourcesConcurrently)
{
	constexpr int kThreads = 4, kRounds = 5;
	std::vector<uint8_t> model(3 << 20);
	for (size_t i = 0; i < model.size(); ++i)
		model[i] = static_cast<uint8_t>(i * 31 + 7);
	std::string path = g_agent->dir() + "/client-model.bin";
	{
		FILE *f = fopen(path.c_str(), "wb");
		ASSERT_NE(f, nullptr);
		ASSERT_EQ(fwrite(model.data(), 1, model.size(), f), model.size());
		fclose(f);
	}
	std::atomic<int> failures{0};
	std::latch start(kThreads);
	std::vector<std::thread> th;
	for (int t = 0; t < kThreads; ++t)
		th.emplace_back([&] {
			start.arrive_and_wait();
			for (int round = 0; round < kRounds; ++round) {
				vaccel_session sess{};
				vaccel_resource res{};
				int ret = vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE);
				if (ret == VACCEL_OK)
					ret = vaccel_resource_init(&res, path.c_str(), VACCEL_RESOURCE_MODEL);
				if (ret == VACCEL_OK)
					ret = vaccel_resource_register(&res, &sess);
				std::vector<char> img(5000, 1);
				unsigned char text[128] = {}, name[128] = {};
				if (ret == VACCEL_OK)
					ret = vaccel_image_classification(&sess, img.data(), text, name, img.size(),
									  sizeof(text), sizeof(name));
				if (ret != VACCEL_OK) {
					fprintf(stderr, "round %d: %d\n", round, ret);
					failures++;
				}
				vaccel_resource_unregister(&res, &sess);
				vaccel_resource_release(&res);
				vaccel_session_release(&sess);
			}
		});
	for (auto &t : th)
		t.join();
	EXPECT_EQ(failures.load(), 0) << g_agent->log_text();
}

TEST_F(PluginTest, ThreadsShareTheConnection)
{
	constexpr int kThreads = 8, kOps = 200;
	std::atomic<int> failures{0};
	std::vector<std::thread> th;
	for (int t = 0; t < kThreads; ++t)
		th.emplace_back([&] {
			vaccel_session sess{};
			if (vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE) != VACCEL_OK) {
				failures++;
				return;
			}
			std::vector<char> img(2000, 3);
			for (int i = 0; i < kOps; ++i) {
				unsigned char text[128] = {}, name[128] = {};
				if (i % 2 ? vaccel_noop(&sess) != VACCEL_OK
					  : vaccel_image_classification(&sess, img.data(), text, name, img.size(),
									sizeof(text), sizeof(name)) != VACCEL_OK ||
						    strcmp(reinterpret_cast<char *>(text), kText) != 0)
					failures++;
			}
			if (vaccel_session_release(&sess) != VACCEL_OK)
				failures++;
		});
	for (auto &t : th)
		t.join();
	EXPECT_EQ(failures.load(), 0);
}

// Runs last (gtest runs tests in definition order): replaces the suite's agent.
TEST_F(PluginTest, AgentGoneGivesClearErrorsThenReconnects)
{
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&sess), VACCEL_OK);
	g_agent->kill9();
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(vaccel_noop(&sess), VACCEL_EREMOTEIO);
	EXPECT_EQ(vaccel_noop(&sess), VACCEL_ESESS); // that connection is gone for good
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
	vaccel_session none{};
	EXPECT_NE(vaccel_session_init(&none, VACCEL_PLUGIN_REMOTE), VACCEL_OK); // nobody listening
	EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);

	delete g_agent;
	g_agent = new AgentProcess;
	ASSERT_TRUE(g_agent->start(NOOP_PLUGIN));
	setenv("VACCEL_RPC_ADDRESS", g_agent->address().c_str(), 1);
	vaccel_session again{};
	ASSERT_EQ(vaccel_session_init(&again, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&again), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&again), VACCEL_OK);
}
