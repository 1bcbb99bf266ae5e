// SPDX-License-Identifier: Apache-2.0
// Internal helpers shared by the libvaccel sources (never installed).
// Other core sources (ops, args, genop) may include this header: it exposes
// the exception guard used at the C ABI boundary and a few runtime queries.
#pragma once

#include <cerrno>
#include <cstdarg>
#include <filesystem>
#include <new>
#include <string>
#include <system_error>
#include <utility>

#include "vaccel/error.h"
#include "vaccel/log.h"

struct vaccel_plugin;

namespace vaccel::core {

// The core's one exception mapper: logs "<where>: <reason>" and returns the code of the exception
// being handled by the table of vaccel/cpp/exception_code.hpp with VACCEL_EIO as the fallback
// (docs/api.md, "Exceptions at the C ABI").  Call only inside a catch block.
int error_from_current_exception(const char *where) noexcept;

// Runs `fn` (returning int) and maps any escaping exception with error_from_current_exception(),
// so that no C++ exception ever crosses the C ABI.
template <typename Fn>
int guard(const char *where, Fn &&fn) noexcept
{
	try {
		return std::forward<Fn>(fn)();
	} catch (...) {
		return error_from_current_exception(where);
	}
}

// True between a successful bootstrap and cleanup (single atomic load).
bool runtime_initialized() noexcept;

// Top-level rundir ("" when not initialised).
std::string runtime_rundir();

// Sets the profiling switch (atomic); read by vaccel_prof_enabled().
void prof_set_enabled(bool enabled) noexcept;

// Applies level/file to the logger (called by bootstrap/cleanup).
void log_configure(int level, const char *file);
// True if a message of `level` passes the active level.
bool log_level_enabled(int level) noexcept;
// Formats and writes one line at `level` (no line end if !newline); shared by
// vaccel_log_print() and the slog compatibility layer.
void log_vprint(int level, bool newline, const char *fmt, va_list ap) noexcept;

// Plugin registry (plugin.cpp).
// Chooses the plugin serving a new session with `flags` (session.h rules).
// nullptr if none matches; `why` gets a human-readable reason.
struct vaccel_plugin *plugin_select(unsigned int flags, std::string &why);
// Calls every plugin's fini and dlcloses them (reverse load order).
void plugins_unload_all();

// Session/resource registries (session.cpp, resource.cpp).
void sessions_reset_pool();
void resources_reset_pool();
void sessions_release_all();
void resources_release_all();
// Forget live sessions/resources without touching their (user-owned,
// possibly already freed) structs; used by the library destructor.
void objects_forget_all();

// Filesystem helpers (utils.cpp).
// Creates `dir` (one level) if missing; VACCEL_OK or an error code.
int make_dir(const std::string &dir) noexcept;
// Removes `path` and everything below it; logs failures.
void remove_tree(const std::string &path) noexcept;
// Random [a-zA-Z0-9] string of `len` characters.
std::string random_suffix(std::size_t len);
// strdup that throws std::bad_alloc (nullptr stays nullptr).
char *dup_cstr(const char *s);
char *dup_cstr(const std::string &s);

} // namespace vaccel::core

namespace vaccel::core {

// libcurl global init (idempotent, thread-safe); called by bootstrap.
void net_global_init();
// Downloads `url` to the file `dest` (created/truncated). Logs progress at
// debug level. VACCEL_OK or an error code (logged); `dest` is removed on
// failure.
int net_download(const char *url, const std::string &dest);
// File name part of a URL ("file" if it has none).
std::string net_url_filename(const char *url);

} // namespace vaccel::core

namespace vaccel::core {

// Calls a plugin hook (session_init, resource_register, ...). A C++ plugin
// that lets an exception escape gets VACCEL_EBACKEND instead of unwinding
// through the runtime's bookkeeping.
template <typename Hook, typename... Args>
int call_hook(const char *plugin_name, const char *what, Hook hook, Args... args) noexcept
{
	try {
		return hook(args...);
	} catch (...) {
		vaccel_error("Plugin %s %s threw an exception", plugin_name, what);
		return VACCEL_EBACKEND;
	}
}

} // namespace vaccel::core

#include <cstring>
#include <type_traits>

namespace vaccel::core {

// Raw integer value of an enum argument that may hold an out-of-range value
// coming from C callers. Copying the bytes avoids loading an invalid enum
// value (undefined behaviour that UBSan's -fsanitize=enum reports).
template <typename E>
long long enum_raw(const E &value) noexcept
{
	static_assert(std::is_enum_v<E>);
	std::underlying_type_t<E> raw;
	std::memcpy(&raw, &value, sizeof(raw));
	return static_cast<long long>(raw);
}

} // namespace vaccel::core
