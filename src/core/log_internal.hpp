// SPDX-License-Identifier: Apache-2.0
// Private header of log.cpp (never installed): the logger's configuration and the line writer
// shared with the slog compatibility layer (slog.cpp).
#pragma once

#include <cstdarg>

namespace vaccel::core {

// Applies level/file to the logger (called by bootstrap/cleanup).
void log_configure(int level, const char *file);
// True if a message of `level` passes the active level.
bool log_level_enabled(int level) noexcept;
// Formats and writes one line at `level` (no line end if !newline); shared by
// vaccel_log_print() and the slog compatibility layer.
void log_vprint(int level, bool newline, const char *fmt, va_list ap) noexcept;

} // namespace vaccel::core
