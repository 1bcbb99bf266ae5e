/* SPDX-License-Identifier: Apache-2.0 */
/* slog compatibility (the logger vAccel 0.8 bundles, slog 1.8.22).
 *
 * The 0.8 public vaccel/log.h maps vaccel_info(), vaccel_error() and the other
 * log macros to slog's macros, which call the exported function slog_print().
 * Every plugin or application built against those headers therefore needs
 * slog_print and its companions at load time. libvaccel exports them and
 * routes each message into its own logger: the slog flag picks the level
 * (FATAL/ERROR -> error, WARN -> warn, NOTE/INFO/NOTAG -> info, DEBUG -> debug,
 * TRACE -> trace), and VACCEL_LOG_LEVEL filters it like any vAccel message.
 *
 * The configuration functions keep an slog-shaped state (SLogConfig, with the
 * 1.8.22 layout) under a lock: slog_enable()/slog_disable()/slog_config_set()
 * change which flags slog_print() lets through; file, colour and thread
 * options are recorded but output always goes to the vAccel log sink
 * (VACCEL_LOG_FILE). All functions are thread-safe and accept NULL. */
#ifndef VACCEL_SLOG_H
#define VACCEL_SLOG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLOG_VERSION_MAJOR 1
#define SLOG_VERSION_MINOR 8
#define SLOG_BUILD_NUM 22

#define SLOG_PATH_MAX 2048
#define SLOG_NAME_MAX 256
#define SLOG_FLAGS_ALL 255
#define SLOG_FLAGS_CHECK(c, f) (((c) & (f)) == (f))

/* Log level flags (one bit each). */
typedef enum {
	SLOG_NOTAG = (1 << 0),
	SLOG_NOTE = (1 << 1),
	SLOG_INFO = (1 << 2),
	SLOG_WARN = (1 << 3),
	SLOG_DEBUG = (1 << 4),
	SLOG_TRACE = (1 << 5),
	SLOG_ERROR = (1 << 6),
	SLOG_FATAL = (1 << 7)
} SLOG_FLAGS_E;

typedef enum { SLOG_COLOR_DISABLE = 0, SLOG_COLOR_TAG, SLOG_COLOR_FULL } SLOG_COLOR_FMT_E;

/* Same layout as slog 1.8.22 (2312 bytes on LP64), so that callers built
 * against slog's own header can pass theirs to slog_config_get(). */
typedef struct SLogConfig {
	char sFileName[SLOG_NAME_MAX];
	char sFilePath[SLOG_PATH_MAX];
	SLOG_COLOR_FMT_E eColorFormat;
	uint8_t nTraceTid : 1;
	uint8_t nToScreen : 1;
	uint8_t nToFile : 1;
	uint8_t nFlush : 1;
	uint16_t nFlags; /* flags slog_print() lets through */
} SLogConfig;

/* "[file:line] " for slog_trace()/slog_fatal(). */
#define SLOG_LOCATION_STR2(line) #line
#define SLOG_LOCATION_STR(line) SLOG_LOCATION_STR2(line)
#define SLOG_THROW_LOCATION "[" __FILE__ ":" SLOG_LOCATION_STR(__LINE__) "] "

#define slog(...) slog_print(SLOG_NOTAG, 1, __VA_ARGS__)
#define slogwn(...) slog_print(SLOG_NOTAG, 0, __VA_ARGS__)
#define slog_note(...) slog_print(SLOG_NOTE, 1, __VA_ARGS__)
#define slog_info(...) slog_print(SLOG_INFO, 1, __VA_ARGS__)
#define slog_warn(...) slog_print(SLOG_WARN, 1, __VA_ARGS__)
#define slog_debug(...) slog_print(SLOG_DEBUG, 1, __VA_ARGS__)
#define slog_error(...) slog_print(SLOG_ERROR, 1, __VA_ARGS__)
#define slog_trace(...) slog_print(SLOG_TRACE, 1, SLOG_THROW_LOCATION __VA_ARGS__)
#define slog_fatal(...) slog_print(SLOG_FATAL, 1, SLOG_THROW_LOCATION __VA_ARGS__)

/* "1.8.22" when nMin is non-zero, else "1.8 build 22". Static storage. */
const char *slog_version(uint8_t nMin);
/* Copies the current state into *pCfg (NULL: nothing). */
void slog_config_get(SLogConfig *pCfg);
/* Replaces the state with *pCfg (NULL: nothing). */
void slog_config_set(SLogConfig *pCfg);
/* Lets `eFlag` through slog_print() / stops it. */
void slog_enable(SLOG_FLAGS_E eFlag);
void slog_disable(SLOG_FLAGS_E eFlag);
/* Resets the state: file name `pName` (may be NULL), allowed flags `nFlags`
 * (0 = all). nTdSafe is accepted and ignored: the state is always locked. */
void slog_init(const char *pName, uint16_t nFlags, uint8_t nTdSafe);
/* printf-style message with one flag; nNewLine=0 omits the line end. Dropped
 * if the flag is disabled or its level is above VACCEL_LOG_LEVEL. */
void slog_print(SLOG_FLAGS_E eFlag, uint8_t nNewLine, const char *pMsg, ...) __attribute__((format(printf, 3, 4)));
/* Keeps the state (nothing to free). */
void slog_destroy(void);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_SLOG_H */
