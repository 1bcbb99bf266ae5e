// SPDX-License-Identifier: Apache-2.0
#include "torch_threads.hpp"

#include "torch_engine.hpp"

#include <ATen/Parallel.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

namespace vaccel::torch_engine {
namespace {

// Thread configuration: at::set_num_threads() also sets the OpenMP count of the calling thread
// only, so every thread that runs a model re-applies it once per configuration change.
std::atomic<int> g_threads{1};
std::atomic<unsigned> g_threads_generation{1};

void apply_openblas_threads(int n)
{
	// libtorch reaches OpenBLAS through libblas.so.3; Debian's pthread flavour has its own pool
	// that at::set_num_threads does not touch (measured under load: 1 thread 60-68 ms, 2 threads
	// 67-92 ms per MobileNetV2 image).  An explicit OPENBLAS_NUM_THREADS from the user wins.
	const char *user_choice = std::getenv("OPENBLAS_NUM_THREADS");
	if (user_choice != nullptr && *user_choice != '\0')
		return;
	// Look the symbol up in the copy libtorch already loaded.
	void *handle = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
	if (handle == nullptr)
		return;
	using SetThreads = void (*)(int);
	if (auto fn = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads")))
		fn(n);
	dlclose(handle);
}

// libgomp's omp_set_num_threads, looked up in the copy libtorch loaded (nullptr if none).
using OmpSetThreads = void (*)(int);
OmpSetThreads omp_set_threads_fn()
{
	static const OmpSetThreads fn = [] {
		void *handle = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
		// The handle stays open: libtorch keeps libgomp loaded for the life of the process anyway.
		return handle ? reinterpret_cast<OmpSetThreads>(dlsym(handle, "omp_set_num_threads")) : nullptr;
	}();
	return fn;
}

} // namespace

void apply_threads_on_this_thread()
{
	thread_local unsigned applied_generation = 0;
	const unsigned generation = g_threads_generation.load(std::memory_order_acquire);
	if (applied_generation == generation)
		return;
	at::set_num_threads(g_threads.load(std::memory_order_relaxed));
	applied_generation = generation;
}

SerialOpenMpScope::SerialOpenMpScope(int threads) : threads_(threads > 1 ? threads : 0)
{
	if (threads_ && (set_ = omp_set_threads_fn()))
		set_(1);
}

SerialOpenMpScope::~SerialOpenMpScope()
{
	if (set_)
		set_(threads_);
}

void set_threads(int n)
{
	n = std::max(n, 1);
	g_threads.store(n, std::memory_order_relaxed);
	g_threads_generation.fetch_add(1, std::memory_order_release);
	apply_openblas_threads(n);
	apply_threads_on_this_thread();
}

int threads()
{
	return g_threads.load(std::memory_order_relaxed);
}

} // namespace vaccel::torch_engine
