// SPDX-License-Identifier: Apache-2.0
// Profiling regions. Disabled (the default) every call is one atomic load
// and a return; enabled, samples are appended to a growable array owned by
// the region (regions are per-thread objects, see prof.h).
#include <time.h>

#include <atomic>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <string>

#include "prof_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel/prof.h"

namespace {

std::atomic<bool> g_prof_enabled{false};

uint64_t now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

bool enabled()
{
	return g_prof_enabled.load(std::memory_order_relaxed);
}

uint64_t total_time(const vaccel_prof_region *r)
{
	uint64_t total = 0;
	for (size_t i = 0; i < r->nr_entries; ++i)
		total += r->samples[i].time;
	return total;
}

std::string region_line(const vaccel_prof_region *r)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "[prof] %s: total_time: %" PRIu64 " nsec nr_entries: %zu",
		 r->name ? r->name : "(unnamed)", total_time(r), r->nr_entries);
	return buf;
}

vaccel_prof_region *find_by_name(vaccel_prof_region *regions, size_t n, const char *name)
{
	for (size_t i = 0; i < n; ++i)
		if (regions[i].name && strcmp(regions[i].name, name) == 0)
			return &regions[i];
	return nullptr;
}

} // namespace

namespace vaccel::core {
void prof_set_enabled(bool on) noexcept
{
	g_prof_enabled.store(on, std::memory_order_relaxed);
}
} // namespace vaccel::core

extern "C" {

bool vaccel_prof_enabled(void)
{
	return enabled();
}

int vaccel_prof_region_init(struct vaccel_prof_region *region, const char *name)
{
	if (!enabled())
		return VACCEL_OK;
	if (!region || !name)
		return VACCEL_EINVAL;
	char *copy = strdup(name);
	if (!copy)
		return VACCEL_ENOMEM;
	if (region->name_owned)
		free(const_cast<char *>(region->name));
	free(region->samples);
	region->name = copy;
	region->name_owned = true;
	region->samples = nullptr;
	region->nr_entries = 0;
	region->size = 0;
	return VACCEL_OK;
}

int vaccel_prof_region_start(struct vaccel_prof_region *region)
{
	if (!enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	if (region->nr_entries == region->size) {
		size_t new_size = region->size ? region->size * 2 : 16;
		auto *s = static_cast<vaccel_prof_sample *>(
			realloc(region->samples, new_size * sizeof(vaccel_prof_sample)));
		if (!s)
			return VACCEL_ENOMEM;
		region->samples = s;
		region->size = new_size;
	}
	// time == 0 marks the sample as open until stop() fills it in.
	region->samples[region->nr_entries++] = {now_ns(), 0};
	return VACCEL_OK;
}

int vaccel_prof_region_stop(struct vaccel_prof_region *region)
{
	if (!enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	uint64_t end = now_ns();
	if (region->nr_entries == 0 || region->samples[region->nr_entries - 1].time != 0) {
		vaccel_error("[prof] %s: stop without a matching start", region->name ? region->name : "(unnamed)");
		return VACCEL_EINVAL;
	}
	auto &s = region->samples[region->nr_entries - 1];
	uint64_t elapsed = end > s.start ? end - s.start : 0;
	s.time = elapsed ? elapsed : 1; // keep closed samples distinguishable
	return VACCEL_OK;
}

int vaccel_prof_region_print(const struct vaccel_prof_region *region)
{
	if (!enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	vaccel_info("%s", region_line(region).c_str());
	return VACCEL_OK;
}

int vaccel_prof_region_release(struct vaccel_prof_region *region)
{
	if (!region)
		return enabled() ? VACCEL_EINVAL : VACCEL_OK;
	// Free even when profiling got disabled meanwhile: nothing may leak.
	free(region->samples);
	region->samples = nullptr;
	region->nr_entries = 0;
	region->size = 0;
	if (region->name_owned) {
		free(const_cast<char *>(region->name));
		region->name = nullptr;
		region->name_owned = false;
	}
	return VACCEL_OK;
}

int vaccel_prof_regions_init(struct vaccel_prof_region *regions, int nr_regions)
{
	if (nr_regions < 0)
		return VACCEL_EINVAL;
	if (!enabled())
		return VACCEL_OK;
	if (!regions)
		return VACCEL_EINVAL;
	for (int i = 0; i < nr_regions; ++i) {
		if (!regions[i].name)
			return VACCEL_EINVAL;
		int ret = vaccel_prof_region_init(&regions[i], regions[i].name);
		if (ret)
			return ret;
	}
	return VACCEL_OK;
}

int vaccel_prof_regions_start_by_name(struct vaccel_prof_region *regions, int nr_regions, const char *name)
{
	if (nr_regions < 0)
		return VACCEL_EINVAL;
	if (!enabled())
		return VACCEL_OK;
	if (!regions || !name)
		return VACCEL_EINVAL;
	auto *r = find_by_name(regions, static_cast<size_t>(nr_regions), name);
	return r ? vaccel_prof_region_start(r) : VACCEL_EINVAL;
}

int vaccel_prof_regions_stop_by_name(struct vaccel_prof_region *regions, int nr_regions, const char *name)
{
	if (nr_regions < 0)
		return VACCEL_EINVAL;
	if (!enabled())
		return VACCEL_OK;
	if (!regions || !name)
		return VACCEL_EINVAL;
	auto *r = find_by_name(regions, static_cast<size_t>(nr_regions), name);
	return r ? vaccel_prof_region_stop(r) : VACCEL_EINVAL;
}

int vaccel_prof_regions_print_all(const struct vaccel_prof_region *regions, int nr_regions)
{
	if (nr_regions < 0)
		return VACCEL_EINVAL;
	if (!enabled())
		return VACCEL_OK;
	if (!regions)
		return VACCEL_EINVAL;
	for (int i = 0; i < nr_regions; ++i)
		vaccel_prof_region_print(&regions[i]);
	return VACCEL_OK;
}

int vaccel_prof_regions_print_all_to_buf(char **buf, size_t len, const struct vaccel_prof_region *regions,
					 int nr_regions)
{
	if (nr_regions < 0)
		return VACCEL_EINVAL;
	if (!enabled())
		return VACCEL_OK;
	if (!buf || !regions)
		return VACCEL_EINVAL;
	return vaccel::core::guard(__func__, [&] {
		std::string text;
		for (int i = 0; i < nr_regions; ++i) {
			text += region_line(&regions[i]);
			text += '\n';
		}
		if (!*buf) {
			char *out = vaccel::core::dup_cstr(text);
			*buf = out;
			return static_cast<int>(VACCEL_OK);
		}
		if (len == 0)
			return static_cast<int>(VACCEL_EINVAL);
		size_t n = text.size() < len - 1 ? text.size() : len - 1;
		memcpy(*buf, text.data(), n);
		(*buf)[n] = '\0';
		return static_cast<int>(VACCEL_OK); // truncated to len - 1 chars if needed
	});
}

int vaccel_prof_regions_release(struct vaccel_prof_region *regions, int nr_regions)
{
	if (nr_regions < 0)
		return VACCEL_EINVAL;
	if (!regions)
		return enabled() ? VACCEL_EINVAL : VACCEL_OK;
	for (int i = 0; i < nr_regions; ++i)
		vaccel_prof_region_release(&regions[i]);
	return VACCEL_OK;
}

} // extern "C"
