// SPDX-License-Identifier: Apache-2.0
// Op lookup helpers, op profiling storage and the exception barrier.
#include "op_common.hpp"

#include <cinttypes>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <mutex>
#include <vector>

namespace vaccel::ops {
namespace {

struct RegionSamples {
	const OpRegion *region;
	std::vector<vaccel_prof_sample> samples;
};

// Samples of every op region. Heap-allocated and never destroyed so that
// late ops (during other libraries' destructors) never touch a dead object.
struct SampleStore {
	std::mutex lock;
	std::vector<RegionSamples> regions;
};

SampleStore *store() noexcept
{
	static SampleStore *instance = new (std::nothrow) SampleStore();
	return instance;
}

// Prints the op regions when libvaccel is unloaded, as the reference's op
// files do from their destructors.
__attribute__((destructor)) void print_op_regions_at_unload()
{
	print_and_reset_op_regions();
}

} // namespace

uint64_t prof_now_ns() noexcept
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

void OpRegion::record(uint64_t start_ns, uint64_t duration_ns) noexcept
{
	try {
		SampleStore *s = store();
		if (s == nullptr)
			return;
		std::lock_guard guard(s->lock);
		for (auto &r : s->regions) {
			if (r.region == this) {
				r.samples.push_back({start_ns, duration_ns});
				return;
			}
		}
		s->regions.push_back({this, {{start_ns, duration_ns}}});
	} catch (...) {
		// Out of memory while profiling: drop the sample, keep the op result.
	}
}

void print_and_reset_op_regions() noexcept
{
	try {
		SampleStore *s = store();
		if (s == nullptr)
			return;
		std::vector<RegionSamples> taken;
		{
			std::lock_guard guard(s->lock);
			taken.swap(s->regions);
		}
		for (auto &r : taken) {
			// Build a public region view so the output format is the
			// one of vaccel_prof_region_print().
			vaccel_prof_region region = VACCEL_PROF_REGION_INIT(r.region->name());
			region.samples = r.samples.data();
			region.nr_entries = r.samples.size();
			region.size = r.samples.size();
			uint64_t total = 0;
			for (const auto &sample : r.samples)
				total += sample.time;
			if (vaccel_prof_enabled())
				vaccel_prof_region_print(&region);
			else
				vaccel_info("[prof] %s: total_time: %" PRIu64 " nsec nr_entries: %zu", r.region->name(),
					    total, r.samples.size());
		}
	} catch (...) {
	}
}

int op_not_supported(const vaccel_session *sess, vaccel_op_type_t type) noexcept
{
	vaccel_error("session:%" PRId64 " Plugin does not support %s (op %d)", sess->id, vaccel_op_type_to_str(type),
		     static_cast<int>(type));
	return VACCEL_ENOTSUP;
}

int invalid_arg(const char *what, const char *reason) noexcept
{
	vaccel_error("%s: %s", what, reason);
	return VACCEL_EINVAL;
}

int check_resource(const vaccel_session *sess, const vaccel_resource *res, vaccel_resource_type_t expected,
		   const char *what) noexcept
{
	if (res == nullptr)
		return invalid_arg(what, "resource is NULL");
	if (res->type != expected) {
		vaccel_error("%s: resource %" PRId64 " has type %s, expected %s", what, res->id,
			     vaccel_resource_type_to_str(res->type), vaccel_resource_type_to_str(expected));
		return VACCEL_EINVAL;
	}
	if (!vaccel_session_has_resource(sess, res)) {
		vaccel_error("%s: resource %" PRId64 " is not registered with session %" PRId64, what, res->id,
			     sess->id);
		return VACCEL_EPERM;
	}
	return VACCEL_OK;
}

} // namespace vaccel::ops
