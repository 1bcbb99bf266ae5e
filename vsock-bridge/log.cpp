// SPDX-License-Identifier: Apache-2.0
#include "log.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace vbridge {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};

const char *name(Level l)
{
	switch (l) {
	case Level::error:
		return "error";
	case Level::warn:
		return "warn";
	case Level::info:
		return "info";
	case Level::debug:
		return "debug";
	}
	return "?";
}
} // namespace

void set_log_level(Level level)
{
	g_level.store(static_cast<int>(level));
}
bool log_enabled(Level level)
{
	return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed);
}

void log(Level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	// One call per line keeps lines whole when stderr is shared with QEMU or a test.
	fprintf(stderr, "<%s> vsock-bridge: %s\n", name(level), msg);
}

} // namespace vbridge
