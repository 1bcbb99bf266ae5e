/* SPDX-License-Identifier: Apache-2.0 */
/* Logging. Levels and destination come from the active config
 * (VACCEL_LOG_LEVEL, VACCEL_LOG_FILE). Lines look like
 * "YYYY.MM.DD-HH:MM:SS.cc - <level> message". All functions are thread-safe;
 * a message below the active level costs one atomic load and no formatting. */
#ifndef VACCEL_LOG_H
#define VACCEL_LOG_H

#include <stdbool.h>
#include "utils/enum.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vaccel_log_level {
	VACCEL_LOG_ERROR = 1,
	VACCEL_LOG_WARN = 2,
	VACCEL_LOG_INFO = 3,
	VACCEL_LOG_DEBUG = 4,
	VACCEL_LOG_TRACE = 5, /* extension: more verbose than DEBUG */
	VACCEL_LOG_MAX
} vaccel_log_level_t;

VACCEL_ENUM_STR_FUNCS_DECL(vaccel_log_level_t, vaccel_log_level)

/* (Re)opens the log with the active config's level and file. Called by
 * vaccel_bootstrap(); safe to call again. */
int vaccel_log_init(void);

/* Flushes and closes the log file; later messages go to stdout. */
int vaccel_log_shutdown(void);

/* True if a message of `level` would be printed now. */
bool vaccel_log_enabled(vaccel_log_level_t level);

/* printf-style message at `level` (dropped if below the active level). */
void vaccel_log_print(vaccel_log_level_t level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vaccel_error(...) vaccel_log_print(VACCEL_LOG_ERROR, __VA_ARGS__)
#define vaccel_fatal(...) vaccel_log_print(VACCEL_LOG_ERROR, __VA_ARGS__)
#define vaccel_warn(...) vaccel_log_print(VACCEL_LOG_WARN, __VA_ARGS__)
#define vaccel_info(...) vaccel_log_print(VACCEL_LOG_INFO, __VA_ARGS__)
#define vaccel_debug(...) vaccel_log_print(VACCEL_LOG_DEBUG, __VA_ARGS__)
#define vaccel_trace(...) vaccel_log_print(VACCEL_LOG_TRACE, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_LOG_H */
