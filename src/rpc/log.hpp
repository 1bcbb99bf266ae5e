// SPDX-License-Identifier: Apache-2.0
// Minimal leveled logger of the wire layer. The agent and the plugin route it to their own
// sinks (set_log_sink); the default writes "<prefix> <level>: msg" lines to stderr.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <mutex>

namespace vaccel::rpc {

enum class LogLevel { error = 1, warn = 2, info = 3, debug = 4 };

using LogSink = void (*)(LogLevel level, const char *msg);

void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_sink(LogSink sink);
void set_log_prefix(const char *prefix);

void log(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define RPC_LOG(level, ...)                                                                                            \
	do {                                                                                                           \
		if (static_cast<int>(level) <= static_cast<int>(::vaccel::rpc::log_level()))                           \
			::vaccel::rpc::log(level, __VA_ARGS__);                                                        \
	} while (0)
#define RPC_ERROR(...) RPC_LOG(::vaccel::rpc::LogLevel::error, __VA_ARGS__)
#define RPC_WARN(...) RPC_LOG(::vaccel::rpc::LogLevel::warn, __VA_ARGS__)
#define RPC_INFO(...) RPC_LOG(::vaccel::rpc::LogLevel::info, __VA_ARGS__)
#define RPC_DEBUG(...) RPC_LOG(::vaccel::rpc::LogLevel::debug, __VA_ARGS__)

// One line per interval for an event that a peer can repeat at will (accept errors, refused or
// evicted connections): the first occurrence is logged at once, later ones within the interval
// are only counted, and the next line says how many were left out. Thread-safe.
class LogLimiter {
public:
	explicit LogLimiter(int interval_ms = 10000) : interval_ms_(interval_ms) {}
	// True when this occurrence should be logged; *suppressed = occurrences left out since the
	// last logged one.
	bool allow(unsigned long long &suppressed);

private:
	std::mutex lock_;
	const int interval_ms_;
	int64_t next_ms_ = 0;               // guarded by lock_: monotonic ms of the next allowed line
	unsigned long long suppressed_ = 0; // guarded by lock_
};

#define RPC_LOG_LIMITED(limiter, level, fmt, ...)                                                                      \
	do {                                                                                                           \
		unsigned long long vaccel_rpc_left_out_ = 0;                                                           \
		if ((limiter).allow(vaccel_rpc_left_out_))                                                             \
			RPC_LOG(level, fmt " (%llu similar left out)", ##__VA_ARGS__, vaccel_rpc_left_out_);           \
	} while (0)

} // namespace vaccel::rpc
