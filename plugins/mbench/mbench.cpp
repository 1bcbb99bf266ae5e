// SPDX-License-Identifier: Apache-2.0
// mbench plugin (libvaccel-mbench.so): a micro-benchmark backend for EXEC.
// It keeps one CPU busy for a requested time so that the overhead of the
// path to the plugin (e.g. a VM transport) can be measured against a known
// amount of work:
//   read[0]  the time in milliseconds as a NUL-terminated string, 1..300000
//   read[1]  a payload (e.g. file contents), only counted: it is what a
//            transport has to carry
//   further read args and write args are ignored.
// The library and symbol names of vaccel_exec() are ignored.
// With VACCEL_PROFILING_ENABLED=1 the region "vaccel_mbench_plugin" is
// printed (INFO) when the plugin is unloaded.

#include <vaccel.h>

#include "boundary.hpp"

#include <atomic>
#include <cerrno>
#include <memory>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

// The op and init run behind the plugin kit's boundary (boundary.hpp).
constexpr char kName[] = "mbench";

namespace {

constexpr long kMinMs = 1;
constexpr long kMaxMs = 300000; // 5 minutes: every loop stays bounded

struct Profile {
	std::mutex lock; // a prof region is not thread-safe
	vaccel_prof_region region = VACCEL_PROF_REGION_INIT("vaccel_mbench_plugin");
};

// Created by mbench_init(), freed by mbench_fini(): the runtime calls the op
// only in between (a static object would be destroyed before the core calls
// fini at process exit, and vanish on dlclose).
std::atomic<Profile *> g_profile{nullptr};

// Parses read[0] into milliseconds; false (with a log line) if it is not a
// NUL-terminated decimal number in [kMinMs, kMaxMs].
bool parse_time_ms(const vaccel_arg &arg, long &ms)
{
	const auto *text = static_cast<const char *>(arg.buf);
	if (text == nullptr || arg.size == 0 || std::memchr(text, '\0', arg.size) == nullptr) {
		vaccel_error("[mbench] read[0] must be a NUL-terminated string with the time in ms");
		return false;
	}
	char *end = nullptr;
	errno = 0;
	const long value = std::strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < kMinMs || value > kMaxMs) {
		vaccel_error("[mbench] Invalid time '%s': expected %ld..%ld ms", text, kMinMs, kMaxMs);
		return false;
	}
	ms = value;
	return true;
}

// Spins (no sleeping: the point is to occupy the CPU like real work).
void busy_loop(long ms)
{
	using clock = std::chrono::steady_clock;
	const auto deadline = clock::now() + std::chrono::milliseconds(ms);
	volatile unsigned long sink = 0;
	while (clock::now() < deadline) {
		for (int i = 0; i < 1000; ++i)
			sink = sink + static_cast<unsigned long>(i);
	}
}

int mbench_exec(vaccel_session *sess, const char *library, const char *fn_symbol, vaccel_arg *read, size_t nr_read,
		vaccel_arg *write, size_t nr_write)
{
	(void)library;
	(void)fn_symbol;
	(void)write;
	if (read == nullptr || nr_read < 2) {
		vaccel_error("[mbench] Expected at least 2 read args (time in ms, payload), got %zu",
			     read == nullptr ? size_t{0} : nr_read);
		return VACCEL_EINVAL;
	}
	long ms = 0;
	if (!parse_time_ms(read[0], ms))
		return VACCEL_EINVAL;
	vaccel_debug("[mbench] session %lld: busy for %ld ms, payload %zu bytes, %zu write arg(s)",
		     sess != nullptr ? static_cast<long long>(sess->id) : 0LL, ms, read[1].size, nr_write);

	Profile *profile = vaccel_prof_enabled() ? g_profile.load(std::memory_order_acquire) : nullptr;
	if (profile != nullptr) {
		std::lock_guard guard(profile->lock);
		vaccel_prof_region_start(&profile->region);
	}
	busy_loop(ms);
	if (profile != nullptr) {
		std::lock_guard guard(profile->lock);
		vaccel_prof_region_stop(&profile->region);
	}
	return VACCEL_OK;
}

} // namespace

static struct vaccel_op mbench_ops[] = {
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_EXEC, mbench_exec),
};

static int mbench_init(void)
{
	return vaccel::plugin::boundary(kName, "init", [] {
		delete g_profile.exchange(new Profile, std::memory_order_acq_rel);
		return vaccel_plugin_register_ops(mbench_ops, sizeof(mbench_ops) / sizeof(mbench_ops[0]));
	});
}

// Prints the profiling region (INFO, only when profiling is enabled) and frees it.
static int mbench_fini(void)
{
	std::unique_ptr<Profile> profile(g_profile.exchange(nullptr, std::memory_order_acq_rel));
	if (profile) {
		vaccel_prof_region_print(&profile->region);
		vaccel_prof_region_release(&profile->region);
	}
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "mbench", .version = VACCEL_VERSION, .vaccel_version = VACCEL_VERSION, .init = mbench_init,
	      .fini = mbench_fini, .is_virtio = false,
	      .type = static_cast<vaccel_plugin_type_t>(VACCEL_PLUGIN_SOFTWARE | VACCEL_PLUGIN_GENERIC |
							VACCEL_PLUGIN_CPU))
