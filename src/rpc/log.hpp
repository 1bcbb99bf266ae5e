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

// Lets at most one line through per interval, counting those it held back: for events a peer
// can cause at will (one line each would let it flood the log).
class LogThrottle {
public:
	explicit LogThrottle(int interval_ms = 1000) : interval_ns_(static_cast<int64_t>(interval_ms) * 1000000) {}
	// True when a line may be written now; `held_back` gets how many were suppressed since the
	// previous one.
	bool allow(uint64_t &held_back);

private:
	std::mutex lock_;
	int64_t interval_ns_;
	int64_t next_ns_ = 0; // guarded by lock_
	uint64_t held_ = 0;   // guarded by lock_
};

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
