// SPDX-License-Identifier: Apache-2.0
// glibc malloc tuning for libtorch, applied once when the torch plugin starts.
//
// With glibc's defaults every libtorch forward pass gives its large activation buffers back to the
// OS and faults them in again (about 14 MB and 3,500 minor faults per MobileNet V2 image: 60 ms
// instead of 11 ms, ../shared/reference/engines.md §4.2).  Raising both the mmap threshold and the
// trim threshold keeps those buffers in the heap.  mallopt() is PROCESS-WIDE: every library of the
// process (the agent, other plugins) then allocates with the same thresholds, and the heap keeps
// up to the threshold of freed memory instead of returning it.  VACCEL_TORCH_MALLOC_TUNING=0 opts
// out.  Thread safety: apply_malloc_tuning() may be called from any thread; it acts once.
#pragma once

#include <cstddef>
#include <string>

namespace vaccel::torch_plugin {

// The thresholds set (bytes): above MobileNet-sized activations, below any sane memory limit.
inline constexpr size_t kMallocThresholdBytes = size_t{256} << 20;

enum class MallocTuning {
	Applied,  // both mallopt() calls succeeded
	OptedOut, // VACCEL_TORCH_MALLOC_TUNING=0
	Failed,   // mallopt() refused a value (not glibc, or a limit)
};

struct MallocTuningResult {
	MallocTuning state = MallocTuning::OptedOut;
	std::string message; // one log line saying what was done and why
};

// Reads VACCEL_TORCH_MALLOC_TUNING ("0" = off, unset/empty/"1" = on; anything else is reported
// in the message and treated as on) and, on the first call in the process, sets M_MMAP_THRESHOLD
// and M_TRIM_THRESHOLD.  Later calls return the first call's result.
MallocTuningResult apply_malloc_tuning();

} // namespace vaccel::torch_plugin
