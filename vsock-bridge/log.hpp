// SPDX-License-Identifier: Apache-2.0
// Logging of the vsock bridge: leveled lines on stderr, "<level> vsock-bridge: msg". The level is
// process-wide (an atomic), set once from the command line; safe to call from any thread.
#pragma once

namespace vbridge {

enum class Level { error = 1, warn = 2, info = 3, debug = 4 };

// Sets the most verbose level printed (default: info).
void set_log_level(Level level);
// True when lines of `level` are printed.
bool log_enabled(Level level);
// Prints one formatted line at `level` (nothing when the level is disabled).
void log(Level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

} // namespace vbridge

#define VB_ERROR(...) ::vbridge::log(::vbridge::Level::error, __VA_ARGS__)
#define VB_WARN(...) ::vbridge::log(::vbridge::Level::warn, __VA_ARGS__)
#define VB_INFO(...) ::vbridge::log(::vbridge::Level::info, __VA_ARGS__)
#define VB_DEBUG(...)                                                                                                  \
	do {                                                                                                           \
		if (::vbridge::log_enabled(::vbridge::Level::debug))                                                   \
			::vbridge::log(::vbridge::Level::debug, __VA_ARGS__);                                          \
	} while (0)
