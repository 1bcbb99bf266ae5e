/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime configuration: which plugins to load, logging, profiling. */
#ifndef VACCEL_CONFIG_H
#define VACCEL_CONFIG_H

#include <stdbool.h>
#include "log.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_config {
	char *plugins;                /* ':'-separated plugin paths or file names */
	vaccel_log_level_t log_level; /* default VACCEL_LOG_ERROR */
	char *log_file;               /* NULL = stdout */
	bool profiling_enabled;
	bool version_ignore; /* skip the plugin vaccel_version check */
};

/* Fills `config` with copies of the given values (strings may be NULL).
 * Release with vaccel_config_release(). VACCEL_EINVAL if config is NULL or
 * log_level out of range, VACCEL_ENOMEM. */
int vaccel_config_init(struct vaccel_config *config, const char *plugins, vaccel_log_level_t log_level,
		       const char *log_file, bool profiling_enabled, bool version_ignore);

/* Fills `config` from the environment (VACCEL_PLUGINS, VACCEL_LOG_LEVEL,
 * VACCEL_LOG_FILE, VACCEL_PROFILING_ENABLED, VACCEL_VERSION_IGNORE and the
 * legacy VACCEL_BACKENDS, VACCEL_DEBUG_LEVEL, VACCEL_PROF_ENABLED,
 * VACCEL_IGNORE_VERSION; legacy names log a deprecation warning). Unset
 * variables keep the defaults. */
int vaccel_config_init_from_env(struct vaccel_config *config);

/* Deep copy of `src` into `config`. */
int vaccel_config_init_from(struct vaccel_config *config, const struct vaccel_config *src);

/* Frees the strings owned by `config` and resets it to defaults. */
int vaccel_config_release(struct vaccel_config *config);

/* Heap-allocating variants; free with vaccel_config_delete(). */
int vaccel_config_new(struct vaccel_config **config, const char *plugins, vaccel_log_level_t log_level,
		      const char *log_file, bool profiling_enabled, bool version_ignore);
int vaccel_config_from_env(struct vaccel_config **config);
int vaccel_config_from(struct vaccel_config **config, const struct vaccel_config *src);
int vaccel_config_delete(struct vaccel_config *config);

/* Logs every field at debug level. */
void vaccel_config_print_debug(const struct vaccel_config *config);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_CONFIG_H */
