// SPDX-License-Identifier: Apache-2.0
// Core runtime costs, in process, through the bundled noop plugin:
//   - vaccel_noop dispatch (target <= 200 ns/call at the default log level),
//     the same through vaccel_genop and with profiling on, for comparison;
//   - session create/release;
//   - resource create/release and register/unregister.
// The runtime is bootstrapped once with an explicit config (log level ERROR,
// the default); VACCEL_BENCH_LOG_LEVEL / VACCEL_BENCH_PROFILING override it.
#include <benchmark/benchmark.h>

#include <vaccel.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

int bootstrap(bool profiling, vaccel_log_level_t level)
{
	struct vaccel_config cfg {};
	int ret = vaccel_config_init(&cfg, VBENCH_NOOP_PLUGIN, level, nullptr, profiling, false);
	if (ret != VACCEL_OK)
		return ret;
	ret = vaccel_bootstrap_with_config(&cfg);
	vaccel_config_release(&cfg);
	return ret;
}

// A session for the benchmark's duration; skips with a message on error.
struct ScopedSession {
	vaccel_session sess{};
	bool ok = false;
	explicit ScopedSession(benchmark::State &state, uint32_t flags = 0)
	{
		ok = vaccel_session_init(&sess, flags) == VACCEL_OK;
		if (!ok)
			state.SkipWithError("vaccel_session_init failed");
	}
	~ScopedSession()
	{
		if (ok)
			vaccel_session_release(&sess);
	}
};

void BM_NoopDispatch(benchmark::State &state)
{
	ScopedSession s(state);
	if (!s.ok)
		return;
	for (auto _ : state) {
		int rc = vaccel_noop(&s.sess);
		benchmark::DoNotOptimize(rc);
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoopDispatch);

void BM_NoopDispatchThreaded(benchmark::State &state)
{
	ScopedSession s(state); // one session per thread
	if (!s.ok)
		return;
	for (auto _ : state) {
		int rc = vaccel_noop(&s.sess);
		benchmark::DoNotOptimize(rc);
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoopDispatchThreaded)->Threads(2)->UseRealTime();

void BM_GenopNoop(benchmark::State &state)
{
	ScopedSession s(state);
	if (!s.ok)
		return;
	uint8_t op = VACCEL_OP_NOOP;
	vaccel_arg read{};
	read.buf = &op;
	read.size = 1;
	read.type = VACCEL_ARG_UINT8;
	for (auto _ : state) {
		int rc = vaccel_genop(&s.sess, &read, 1, nullptr, 0);
		benchmark::DoNotOptimize(rc);
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GenopNoop);

void BM_SessionInitRelease(benchmark::State &state)
{
	for (auto _ : state) {
		vaccel_session sess{};
		if (vaccel_session_init(&sess, 0) != VACCEL_OK) {
			state.SkipWithError("vaccel_session_init failed");
			break;
		}
		vaccel_session_release(&sess);
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SessionInitRelease);

void BM_ResourceFromBufMemOnly(benchmark::State &state)
{
	std::string bytes(static_cast<size_t>(state.range(0)), 'x');
	for (auto _ : state) {
		vaccel_resource res{};
		if (vaccel_resource_init_from_buf(&res, bytes.data(), bytes.size(), VACCEL_RESOURCE_DATA, "b.bin",
						  true) != VACCEL_OK) {
			state.SkipWithError("vaccel_resource_init_from_buf failed");
			break;
		}
		vaccel_resource_release(&res);
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResourceFromBufMemOnly)->Arg(64)->Arg(1 << 20);

void BM_ResourceRegisterUnregister(benchmark::State &state)
{
	ScopedSession s(state);
	if (!s.ok)
		return;
	fs::path file = fs::temp_directory_path() / ("vaccel-bench-" + std::to_string(getpid()) + ".bin");
	std::ofstream(file) << std::string(4096, 'm');
	vaccel_resource res{};
	if (vaccel_resource_init(&res, file.c_str(), VACCEL_RESOURCE_MODEL) != VACCEL_OK) {
		state.SkipWithError("vaccel_resource_init failed");
		fs::remove(file);
		return;
	}
	for (auto _ : state) {
		if (vaccel_resource_register(&res, &s.sess) != VACCEL_OK ||
		    vaccel_resource_unregister(&res, &s.sess) != VACCEL_OK) {
			state.SkipWithError("register/unregister failed");
			break;
		}
	}
	state.SetItemsProcessed(state.iterations());
	vaccel_resource_release(&res);
	fs::remove(file);
}
BENCHMARK(BM_ResourceRegisterUnregister);

void BM_ResourceInitFileRelease(benchmark::State &state)
{
	fs::path file = fs::temp_directory_path() / ("vaccel-bench-f-" + std::to_string(getpid()) + ".bin");
	std::ofstream(file) << std::string(4096, 'm');
	for (auto _ : state) {
		vaccel_resource res{};
		if (vaccel_resource_init(&res, file.c_str(), VACCEL_RESOURCE_MODEL) != VACCEL_OK) {
			state.SkipWithError("vaccel_resource_init failed");
			break;
		}
		vaccel_resource_release(&res);
	}
	state.SetItemsProcessed(state.iterations());
	fs::remove(file);
}
BENCHMARK(BM_ResourceInitFileRelease);

} // namespace

int main(int argc, char **argv)
{
	const char *level_env = std::getenv("VACCEL_BENCH_LOG_LEVEL");
	const char *prof_env = std::getenv("VACCEL_BENCH_PROFILING");
	auto level = static_cast<vaccel_log_level_t>(level_env ? std::atoi(level_env) : VACCEL_LOG_ERROR);
	bool profiling = prof_env && std::atoi(prof_env) != 0;
	if (int rc = bootstrap(profiling, level); rc != VACCEL_OK) {
		std::fprintf(stderr, "vaccel bootstrap with %s failed: %d\n", VBENCH_NOOP_PLUGIN, rc);
		return 1;
	}
	benchmark::AddCustomContext("vaccel_plugin", VBENCH_NOOP_PLUGIN);
	benchmark::AddCustomContext("vaccel_log_level", std::to_string(level));
	benchmark::AddCustomContext("vaccel_profiling", profiling ? "on" : "off");
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	vaccel_cleanup();
	return 0;
}
