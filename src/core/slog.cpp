// SPDX-License-Identifier: Apache-2.0
// slog 1.8.22 ABI (include/vaccel/slog.h): plugins and applications built
// against the vAccel 0.8 headers log through slog_print(); we route those
// messages into our logger so that VACCEL_LOG_LEVEL and VACCEL_LOG_FILE apply
// to them. The configuration calls keep an SLogConfig under a mutex; only its
// nFlags changes what is printed (output always goes to the vAccel sink).
#include <cstdarg>
#include <cstring>
#include <mutex>

#include "log_internal.hpp"
#include "vaccel/log.h"
#include "vaccel/slog.h"

namespace {

struct SlogState {
	std::mutex mutex;
	SLogConfig cfg{};
};

SLogConfig default_config() noexcept
{
	SLogConfig cfg{};
	cfg.eColorFormat = SLOG_COLOR_DISABLE;
	cfg.nToScreen = 1;
	cfg.nFlags = SLOG_FLAGS_ALL;
	return cfg;
}

// Heap-allocated and never destroyed: plugins log from their destructors,
// which may run after this library's static objects are gone.
SlogState &state() noexcept
{
	static auto *s = [] {
		auto *st = new SlogState;
		st->cfg = default_config();
		return st;
	}();
	return *s;
}

uint16_t allowed_flags() noexcept
{
	auto &s = state();
	std::lock_guard lock(s.mutex);
	return s.cfg.nFlags;
}

// The vAccel level of one slog flag; 0 for anything that is not one known bit.
int level_of(unsigned flag) noexcept
{
	switch (flag) {
	case SLOG_FATAL:
	case SLOG_ERROR:
		return VACCEL_LOG_ERROR;
	case SLOG_WARN:
		return VACCEL_LOG_WARN;
	case SLOG_NOTAG:
	case SLOG_NOTE:
	case SLOG_INFO:
		return VACCEL_LOG_INFO;
	case SLOG_DEBUG:
		return VACCEL_LOG_DEBUG;
	case SLOG_TRACE:
		return VACCEL_LOG_TRACE;
	default:
		return 0;
	}
}

void copy_name(char *dst, size_t size, const char *src) noexcept
{
	dst[0] = '\0';
	if (src != nullptr) {
		strncpy(dst, src, size - 1);
		dst[size - 1] = '\0';
	}
}

} // namespace

extern "C" {

const char *slog_version(uint8_t nMin)
{
	return nMin != 0 ? "1.8.22" : "1.8 build 22";
}

void slog_config_get(SLogConfig *pCfg)
{
	if (pCfg == nullptr)
		return;
	auto &s = state();
	std::lock_guard lock(s.mutex);
	*pCfg = s.cfg;
}

void slog_config_set(SLogConfig *pCfg)
{
	if (pCfg == nullptr)
		return;
	auto &s = state();
	std::lock_guard lock(s.mutex);
	s.cfg = *pCfg;
	// Foreign strings may lack their terminator.
	s.cfg.sFileName[SLOG_NAME_MAX - 1] = '\0';
	s.cfg.sFilePath[SLOG_PATH_MAX - 1] = '\0';
}

void slog_enable(SLOG_FLAGS_E eFlag)
{
	auto &s = state();
	std::lock_guard lock(s.mutex);
	s.cfg.nFlags = static_cast<uint16_t>(s.cfg.nFlags | (static_cast<unsigned>(eFlag) & 0xffu));
}

void slog_disable(SLOG_FLAGS_E eFlag)
{
	auto &s = state();
	std::lock_guard lock(s.mutex);
	s.cfg.nFlags = static_cast<uint16_t>(s.cfg.nFlags & ~static_cast<unsigned>(eFlag));
}

void slog_init(const char *pName, uint16_t nFlags, uint8_t /*nTdSafe*/)
{
	auto &s = state();
	std::lock_guard lock(s.mutex);
	s.cfg = default_config();
	copy_name(s.cfg.sFileName, sizeof(s.cfg.sFileName), pName);
	if (nFlags != 0)
		s.cfg.nFlags = nFlags;
}

void slog_print(SLOG_FLAGS_E eFlag, uint8_t nNewLine, const char *pMsg, ...)
{
	const auto flag = static_cast<unsigned>(eFlag);
	const int level = level_of(flag);
	// Cheap checks first: most trace/debug lines are filtered by level.
	if (level == 0 || pMsg == nullptr || !vaccel::core::log_level_enabled(level))
		return;
	if ((allowed_flags() & flag) == 0)
		return;
	va_list ap;
	va_start(ap, pMsg);
	vaccel::core::log_vprint(level, nNewLine != 0, pMsg, ap);
	va_end(ap);
}

void slog_destroy(void) {}

} // extern "C"
