/* SPDX-License-Identifier: Apache-2.0 */
/* Mirror of vAccel 0.8's <vaccel/log.h>: the vaccel_* log macros are slog's. */
#ifndef ABI_VACCEL_LOG_H
#define ABI_VACCEL_LOG_H

#include <slog.h>

typedef enum {
	VACCEL_LOG_ERROR = 1,
	VACCEL_LOG_WARN,
	VACCEL_LOG_INFO,
	VACCEL_LOG_DEBUG,
	VACCEL_LOG_MAX
} vaccel_log_level_t;

#define vaccel_info slog_info
#define vaccel_warn slog_warn
#define vaccel_debug slog_debug
#define vaccel_error slog_error
#define vaccel_trace slog_trace
#define vaccel_fatal slog_fatal

int vaccel_log_init(void);
int vaccel_log_shutdown(void);

#endif /* ABI_VACCEL_LOG_H */
