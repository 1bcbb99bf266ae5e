// SPDX-License-Identifier: Apache-2.0
#include "torch_malloc.hpp"

#include <malloc.h>

#include <cstdlib>
#include <mutex>

namespace vaccel::torch_plugin {
namespace {

MallocTuningResult tune()
{
	const char *env = std::getenv("VACCEL_TORCH_MALLOC_TUNING");
	const std::string value = env != nullptr ? env : "";
	if (value == "0")
		return {MallocTuning::OptedOut,
			"malloc tuning off (VACCEL_TORCH_MALLOC_TUNING=0): glibc defaults, libtorch "
			"forward passes page-fault their buffers again each run"};
	std::string note;
	if (!value.empty() && value != "1")
		note = " (VACCEL_TORCH_MALLOC_TUNING='" + value + "' is neither 0 nor 1; tuning stays on)";
	const int threshold = static_cast<int>(kMallocThresholdBytes);
	// The mmap threshold first: raising only the trim threshold was measured to be slower.
	if (mallopt(M_MMAP_THRESHOLD, threshold) != 1 || mallopt(M_TRIM_THRESHOLD, threshold) != 1)
		return {MallocTuning::Failed, "malloc tuning: mallopt() refused the thresholds; "
					      "glibc defaults stay" +
						      note};
	return {MallocTuning::Applied,
		"malloc tuning: M_MMAP_THRESHOLD and M_TRIM_THRESHOLD set to 256 MiB for the whole "
		"process (VACCEL_TORCH_MALLOC_TUNING=0 turns this off)" +
			note};
}

} // namespace

MallocTuningResult apply_malloc_tuning()
{
	static std::once_flag once;
	static MallocTuningResult result;
	std::call_once(once, [] { result = tune(); });
	return result;
}

} // namespace vaccel::torch_plugin
