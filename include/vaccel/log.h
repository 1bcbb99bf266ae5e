/* SPDX-License-Identifier: Apache-2.0 */
/* Logging. Levels and destination come from the active config
 * (VACCEL_LOG_LEVEL, VACCEL_LOG_FILE). Binaries built against the vAccel 0.8
 * headers log through slog_print(), which libvaccel exports (vaccel/slog.h)
 * and routes into this same logger. Lines look like
 * "YYYY.MM.DD-HH:MM:SS.cc - <level> message". All functions are thread-safe;
 * a message below the active level costs one atomic load and no formatting. */
#ifndef VACCEL_LOG_H
#define VACCEL_LOG_H

#include <stdbool.h>
#include "utils/enum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of the 0.8 levels (see utils/enum.h). */
#define VACCEL_LOG_LEVEL_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                   \
	VACCEL_ENUM_ITEM(ERROR, 1, VACCEL_LOG)                                                                         \
	VACCEL_ENUM_ITEM(WARN, VACCEL_LOG)                                                                             \
	VACCEL_ENUM_ITEM(INFO, VACCEL_LOG)                                                                             \
	VACCEL_ENUM_ITEM(DEBUG, VACCEL_LOG)

/* VACCEL_LOG_MAX is 5 as in vAccel 0.8. TRACE is an extension, more verbose
 * than DEBUG; it shares the value 5 with the MAX sentinel so that the 0.8
 * numbering stays intact and VACCEL_LOG_LEVEL=5 keeps meaning "trace". */
typedef enum vaccel_log_level {
	VACCEL_LOG_ERROR = 1,
	VACCEL_LOG_WARN = 2,
	VACCEL_LOG_INFO = 3,
	VACCEL_LOG_DEBUG = 4,
	VACCEL_LOG_MAX = 5,
	VACCEL_LOG_TRACE = VACCEL_LOG_MAX /* extension */
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
void vaccel_log_print(vaccel_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
