// SPDX-License-Identifier: Apache-2.0
// How many threads the torch engine's work uses, applied to the three pools that libtorch code
// runs on: OpenMP (aten's intra-op parallelism; its thread count is per calling thread), the
// pthread OpenBLAS that Debian's libtorch reaches through libblas.so.3 (process-wide, its own
// pool), and libtorch's XNNPACK pthreadpool (process-wide, sized by at::set_num_threads).
// set_threads()/threads() are declared in torch_engine.hpp; this header is the engine's inside.
// Thread-safe: the count is an atomic, and each thread re-applies it once per change.
#pragma once

namespace vaccel::torch_engine {

// Applies the current count to the calling thread's OpenMP setting, if it changed since this
// thread last did.  Every engine entry point that runs libtorch code calls it first.
void apply_threads_on_this_thread();

// A rewritten module's layers run on libtorch's XNNPACK thread pool, with only light aten ops
// between them.  With more than one thread, libgomp's workers, which spin after every parallel
// region, and that pool fight over the cores (2 threads on 2 vCPUs: 19.8 ms per MobileNet V2
// image instead of 4.6, docs/performance.md), so while one of these lives, the calling thread's
// OpenMP regions are serial.  `threads` <= 1: does nothing.
class SerialOpenMpScope {
public:
	explicit SerialOpenMpScope(int threads);
	~SerialOpenMpScope();
	SerialOpenMpScope(const SerialOpenMpScope &) = delete;
	SerialOpenMpScope &operator=(const SerialOpenMpScope &) = delete;

private:
	int threads_;
	void (*set_)(int) = nullptr; // libgomp's omp_set_num_threads, when loaded
};

} // namespace vaccel::torch_engine
