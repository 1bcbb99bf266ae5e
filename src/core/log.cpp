// SPDX-License-Identifier: Apache-2.0
// Logging: slog-compatible line format "YYYY.MM.DD-HH:MM:SS.cc - <level> msg".
// The level check is one relaxed atomic load so that disabled messages cost
// nothing on hot paths; the sink (stdout or a file) is guarded by a mutex.
//
// VACCEL_LOG_FILE names the file exactly as given (opened in append mode,
// created if missing); "/dev/stdout" and "/dev/stderr" keep screen output. We
// deliberately do not append a date and ".log" like slog does: a predictable
// name is what scripts and tests need. If the file cannot be opened, logging
// falls back to stdout and says so.
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

#include "checked_mutex.hpp"
#include "log_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel/config.h"
#include "vaccel/core.h"

namespace {

std::atomic<int> g_log_level{VACCEL_LOG_ERROR};

// Sink state; heap-allocated and never destroyed so that logging keeps
// working from library destructors that run after static destruction.
struct LogSink {
	vaccel::common::CheckedMutex<> mutex; // close_sink_locked asserts it (debug builds)
	FILE *file = nullptr;                 // nullptr = stdout
	bool owns_file = false;
};

LogSink &sink()
{
	static auto *s = new LogSink;
	return *s;
}

const char *level_tag(int level)
{
	switch (level) {
	case VACCEL_LOG_ERROR:
		return "<error>";
	case VACCEL_LOG_WARN:
		return "<warn>";
	case VACCEL_LOG_INFO:
		return "<info>";
	case VACCEL_LOG_DEBUG:
		return "<debug>";
	default:
		return "<trace>";
	}
}

// "YYYY.MM.DD-HH:MM:SS.cc" in local time (cc = hundredths of a second).
void format_timestamp(char *buf, size_t size)
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	tm local{};
	localtime_r(&ts.tv_sec, &local);
	snprintf(buf, size, "%04d.%02d.%02d-%02d:%02d:%02d.%02ld", local.tm_year + 1900, local.tm_mon + 1,
		 local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec, ts.tv_nsec / 10000000L);
}

// REQUIRES: s.mutex held.
void close_sink_locked(LogSink &s)
{
	s.mutex.assert_held();
	if (s.file && s.owns_file)
		fclose(s.file);
	s.file = nullptr;
	s.owns_file = false;
}

} // namespace

namespace vaccel::core {

void log_configure(int level, const char *file)
{
	if (level < VACCEL_LOG_ERROR || level > VACCEL_LOG_TRACE)
		level = VACCEL_LOG_ERROR;
	g_log_level.store(level, std::memory_order_relaxed);

	auto &s = sink();
	std::string failed;
	{
		std::lock_guard lock(s.mutex);
		close_sink_locked(s);
		if (file && *file) {
			if (strcmp(file, "/dev/stdout") == 0) {
				s.file = stdout;
			} else if (strcmp(file, "/dev/stderr") == 0) {
				s.file = stderr;
			} else {
				FILE *f = fopen(file, "ae");
				if (f) {
					s.file = f;
					s.owns_file = true;
				} else {
					failed = std::string(file) + ": " + strerror(errno);
				}
			}
		}
	}
	if (!failed.empty())
		vaccel_error("Could not open log file %s; logging to stdout", failed.c_str());
}

bool log_level_enabled(int level) noexcept
{
	return level >= VACCEL_LOG_ERROR && level <= g_log_level.load(std::memory_order_relaxed);
}

void log_vprint(int level, bool newline, const char *fmt, va_list ap) noexcept
{
	if (!fmt || !log_level_enabled(level))
		return;

	// Format outside the lock; long messages get a heap buffer.
	char stack_buf[512];
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(stack_buf, sizeof(stack_buf), fmt, ap);
	std::string heap_buf;
	const char *msg = stack_buf;
	if (len >= static_cast<int>(sizeof(stack_buf))) {
		try {
			heap_buf.resize(static_cast<size_t>(len) + 1);
			vsnprintf(heap_buf.data(), heap_buf.size(), fmt, ap2);
			msg = heap_buf.c_str();
		} catch (...) {
			// keep the truncated stack copy
		}
	} else if (len < 0) {
		msg = fmt;
	}
	va_end(ap2);

	char ts[64];
	format_timestamp(ts, sizeof(ts));

	try {
		auto &s = sink();
		std::lock_guard lock(s.mutex);
		FILE *out = s.file ? s.file : stdout;
		fprintf(out, "%s - %s %s%s", ts, level_tag(level), msg, newline ? "\n" : "");
		fflush(out);
	} catch (...) {
		// a failing lock must not take the caller down; drop the line
	}
}

} // namespace vaccel::core

extern "C" {

int vaccel_log_init(void)
{
	return vaccel::core::guard(__func__, [] {
		const struct vaccel_config *cfg = vaccel_config();
		if (cfg)
			vaccel::core::log_configure(cfg->log_level, cfg->log_file);
		else
			vaccel::core::log_configure(VACCEL_LOG_ERROR, nullptr);
		return VACCEL_OK;
	});
}

int vaccel_log_shutdown(void)
{
	return vaccel::core::guard(__func__, [] {
		auto &s = sink();
		std::lock_guard lock(s.mutex);
		if (s.file)
			fflush(s.file);
		close_sink_locked(s);
		fflush(stdout);
		return static_cast<int>(VACCEL_OK);
	});
}

bool vaccel_log_enabled(vaccel_log_level_t level)
{
	return vaccel::core::enum_raw(level) <= g_log_level.load(std::memory_order_relaxed);
}

void vaccel_log_print(vaccel_log_level_t level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vaccel::core::log_vprint(static_cast<int>(vaccel::core::enum_raw(level)), true, fmt, ap);
	va_end(ap);
}

} // extern "C"
