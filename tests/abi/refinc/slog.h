/* SPDX-License-Identifier: Apache-2.0 */
/* Mirror of the slog 1.8.22 declarations a vAccel 0.8 user sees through
 * <vaccel/log.h>: written from the documented names and values only, so that
 * the ABI tests build binaries the way a reference user does. */
#ifndef ABI_SLOG_H
#define ABI_SLOG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

typedef struct SLogConfig {
	char sFileName[256];
	char sFilePath[2048];
	SLOG_COLOR_FMT_E eColorFormat;
	uint8_t nTraceTid : 1;
	uint8_t nToScreen : 1;
	uint8_t nToFile : 1;
	uint8_t nFlush : 1;
	uint16_t nFlags;
} SLogConfig;

#define ABI_SLOG_STR2(x) #x
#define ABI_SLOG_STR(x) ABI_SLOG_STR2(x)
#define SLOG_THROW_LOCATION "[" __FILE__ ":" ABI_SLOG_STR(__LINE__) "] "

#define slog_note(...) slog_print(SLOG_NOTE, 1, __VA_ARGS__)
#define slog_info(...) slog_print(SLOG_INFO, 1, __VA_ARGS__)
#define slog_warn(...) slog_print(SLOG_WARN, 1, __VA_ARGS__)
#define slog_debug(...) slog_print(SLOG_DEBUG, 1, __VA_ARGS__)
#define slog_error(...) slog_print(SLOG_ERROR, 1, __VA_ARGS__)
#define slog_trace(...) slog_print(SLOG_TRACE, 1, SLOG_THROW_LOCATION __VA_ARGS__)
#define slog_fatal(...) slog_print(SLOG_FATAL, 1, SLOG_THROW_LOCATION __VA_ARGS__)

const char *slog_version(uint8_t nMin);
void slog_config_get(SLogConfig *pCfg);
void slog_config_set(SLogConfig *pCfg);
void slog_enable(SLOG_FLAGS_E eFlag);
void slog_disable(SLOG_FLAGS_E eFlag);
void slog_init(const char *pName, uint16_t nFlags, uint8_t nTdSafe);
void slog_print(SLOG_FLAGS_E eFlag, uint8_t nNewLine, const char *pMsg, ...);
void slog_destroy(void);

#ifdef __cplusplus
}
#endif

#endif /* ABI_SLOG_H */
