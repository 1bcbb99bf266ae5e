// SPDX-License-Identifier: Apache-2.0
// Logging through the runtime's log (level and file from the active config).
#ifndef VACCEL_CPP_LOG_HPP
#define VACCEL_CPP_LOG_HPP

#include <string_view>

#include "../log.h"

namespace vaccel {

using LogLevel = vaccel_log_level_t;

inline bool log_enabled(LogLevel level) noexcept
{
	return vaccel_log_enabled(level);
}

// Logs `message` verbatim (no format expansion) at `level`.
inline void log(LogLevel level, std::string_view message) noexcept
{
	if (vaccel_log_enabled(level))
		vaccel_log_print(level, "%.*s", static_cast<int>(message.size()), message.data());
}

} // namespace vaccel

#endif // VACCEL_CPP_LOG_HPP
