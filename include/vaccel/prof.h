/* SPDX-License-Identifier: Apache-2.0 */
/* Profiling regions: named timers collecting (start, duration) samples in
 * nanoseconds. Every function is a cheap no-op returning VACCEL_OK unless
 * profiling is enabled (VACCEL_PROFILING_ENABLED=1 or the config). A region
 * is not thread-safe; use one region per thread or lock around it. */
#ifndef VACCEL_PROF_H
#define VACCEL_PROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_prof_sample {
	uint64_t start; /* ns, CLOCK_MONOTONIC_RAW */
	uint64_t time;  /* ns */
};

struct vaccel_prof_region {
	const char *name;
	bool name_owned;
	size_t nr_entries;
	struct vaccel_prof_sample *samples;
	size_t size; /* allocated samples */
};

#define VACCEL_PROF_REGION_INIT(region_name)                                                                           \
	{                                                                                                              \
		(region_name), false, 0, NULL, 0                                                                       \
	}

bool vaccel_prof_enabled(void);
/* Sets the name (copied) and empties the region. */
int vaccel_prof_region_init(struct vaccel_prof_region *region, const char *name);
/* Opens a sample. */
int vaccel_prof_region_start(struct vaccel_prof_region *region);
/* Closes the last open sample. VACCEL_EINVAL if none is open. */
int vaccel_prof_region_stop(struct vaccel_prof_region *region);
/* Logs "[prof] <name>: total_time: <ns> nsec nr_entries: <n>" at INFO. */
int vaccel_prof_region_print(const struct vaccel_prof_region *region);
int vaccel_prof_region_release(struct vaccel_prof_region *region);

/* Batch helpers over an array of regions. The count is an int as in vAccel
 * 0.8 (binary compatibility); a negative count is VACCEL_EINVAL. */
int vaccel_prof_regions_init(struct vaccel_prof_region *regions, int nr_regions);
int vaccel_prof_regions_start_by_name(struct vaccel_prof_region *regions, int nr_regions, const char *name);
int vaccel_prof_regions_stop_by_name(struct vaccel_prof_region *regions, int nr_regions, const char *name);
int vaccel_prof_regions_print_all(const struct vaccel_prof_region *regions, int nr_regions);
/* Writes the print_all text into *buf: if *buf is NULL a buffer is
 * malloc'd (caller frees) and `len` is ignored, else at most len bytes. */
int vaccel_prof_regions_print_all_to_buf(char **buf, size_t len, const struct vaccel_prof_region *regions,
					 int nr_regions);
int vaccel_prof_regions_release(struct vaccel_prof_region *regions, int nr_regions);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_PROF_H */
