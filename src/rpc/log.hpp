// Minimal leveled logger of the wire layer. The agent and the plugin route it to their own
// sinks (set_log_sink); the default writes "<prefix> <level>: msg" lines to stderr.
#pragma once

#include <cstdarg>

namespace vaccel::rpc {

enum class LogLevel { error = 1, warn = 2, info = 3, debug = 4 };

using LogSink = void (*)(LogLevel level, const char *msg);

void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_sink(LogSink sink);
void set_log_prefix(const char *prefix);

void log(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define RPC_LOG(level, ...)                                                     \
	do {                                                                    \
		if (static_cast<int>(level) <=                                  \
		    static_cast<int>(::vaccel::rpc::log_level()))               \
			::vaccel::rpc::log(level, __VA_ARGS__);                 \
	} while (0)
#define RPC_ERROR(...) RPC_LOG(::vaccel::rpc::LogLevel::error, __VA_ARGS__)
#define RPC_WARN(...) RPC_LOG(::vaccel::rpc::LogLevel::warn, __VA_ARGS__)
#define RPC_INFO(...) RPC_LOG(::vaccel::rpc::LogLevel::info, __VA_ARGS__)
#define RPC_DEBUG(...) RPC_LOG(::vaccel::rpc::LogLevel::debug, __VA_ARGS__)

} // namespace vaccel::rpc
