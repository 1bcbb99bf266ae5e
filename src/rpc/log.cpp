// SPDX-License-Identifier: Apache-2.0
#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace vaccel::rpc {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::warn)};
std::atomic<LogSink> g_sink{nullptr};
std::mutex g_prefix_lock;
std::string g_prefix = "vaccel-rpc"; // guarded by g_prefix_lock

const char *level_name(LogLevel level)
{
	switch (level) {
	case LogLevel::error:
		return "ERROR";
	case LogLevel::warn:
		return "WARN";
	case LogLevel::info:
		return "INFO";
	case LogLevel::debug:
		return "DEBUG";
	}
	return "?";
}

} // namespace

void set_log_level(LogLevel level)
{
	g_level.store(static_cast<int>(level));
}
LogLevel log_level()
{
	return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed));
}
void set_log_sink(LogSink sink)
{
	g_sink.store(sink);
}

void set_log_prefix(const char *prefix)
{
	std::lock_guard lock(g_prefix_lock);
	g_prefix = prefix ? prefix : "";
}

void log(LogLevel level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (LogSink sink = g_sink.load()) {
		sink(level, msg);
		return;
	}
	char stamp[32];
	struct timespec ts {};
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm {};
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y.%m.%d-%H:%M:%S", &tm);
	std::string prefix;
	{
		std::lock_guard lock(g_prefix_lock);
		prefix = g_prefix;
	}
	// One fprintf per line keeps concurrent lines from interleaving.
	fprintf(stderr, "%s.%02ld - <%s> %s: %s\n", stamp, ts.tv_nsec / 10000000L, level_name(level), prefix.c_str(),
		msg);
}

bool LogLimiter::allow(unsigned long long &suppressed)
{
	struct timespec ts {};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	const int64_t now_ms = static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
	std::lock_guard lock(lock_);
	if (now_ms < next_ms_) {
		++suppressed_;
		return false;
	}
	next_ms_ = now_ms + interval_ms_;
	suppressed = suppressed_;
	suppressed_ = 0;
	return true;
}

} // namespace vaccel::rpc
