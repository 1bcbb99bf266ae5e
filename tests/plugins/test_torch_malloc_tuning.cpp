// SPDX-License-Identifier: Apache-2.0
// The torch plugin's process-wide malloc tuning (plugins/torch/torch_malloc.hpp): on by default,
// off with VACCEL_TORCH_MALLOC_TUNING=0.  Each case runs in a child process (the tuning is
// process-wide and applied once), which loads the plugin and then looks at how glibc serves and
// frees a 64 MiB block: tuned, it comes from the heap and stays there after free(); with glibc's
// defaults it is mmap()ed (64 MiB is above the largest dynamic mmap threshold, 32 MiB).
#include <gtest/gtest.h>

#include <malloc.h>

#include <vaccel.h>

#include <cstdlib>
#include <cstring>

namespace {

constexpr size_t kBlock = size_t{64} << 20;

// Exit code of the child: 0 when glibc behaves as `expect_tuned` says, else a code naming why.
[[noreturn]] void probe(const char *env_value, bool expect_tuned)
{
	if (env_value != nullptr)
		setenv("VACCEL_TORCH_MALLOC_TUNING", env_value, 1);
	else
		unsetenv("VACCEL_TORCH_MALLOC_TUNING");
	const int loaded = vaccel_plugin_load(VACCEL_TEST_PLUGIN_PATH);
	if (loaded != VACCEL_OK && loaded != VACCEL_EEXIST)
		std::_Exit(10);
	const size_t mmapped_before = mallinfo2().hblkhd;
	auto *p = static_cast<volatile char *>(std::malloc(kBlock));
	if (p == nullptr)
		std::_Exit(11);
	p[0] = 1;
	p[kBlock - 1] = 1;
	const bool was_mmapped = mallinfo2().hblkhd >= mmapped_before + kBlock;
	std::free(const_cast<char *>(p));
	// Tuned: the freed block stays in the main arena (trim threshold 256 MiB).
	const bool kept_in_heap = mallinfo2().arena >= kBlock;
	if (expect_tuned)
		std::_Exit(was_mmapped ? 20 : (kept_in_heap ? 0 : 21));
	std::_Exit(was_mmapped ? 0 : 30);
}

TEST(TorchMallocTuning, OnByDefault)
{
	EXPECT_EXIT(probe(nullptr, true), ::testing::ExitedWithCode(0), "");
}

TEST(TorchMallocTuning, OnWhenSetToOne)
{
	EXPECT_EXIT(probe("1", true), ::testing::ExitedWithCode(0), "");
}

TEST(TorchMallocTuning, ZeroOptsOut)
{
	EXPECT_EXIT(probe("0", false), ::testing::ExitedWithCode(0), "");
}

} // namespace
