// SPDX-License-Identifier: Apache-2.0
// Private helpers of utils.cpp used across libvaccel (never installed): the exception guard every
// exported function runs its body in, so that no C++ exception ever crosses the C ABI, and small
// filesystem and string helpers.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "vaccel/error.h"
#include "vaccel/log.h"

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

// Creates `dir` (one level) if missing; VACCEL_OK or an error code.
int make_dir(const std::string &dir) noexcept;
// Removes `path` and everything below it; logs failures.
void remove_tree(const std::string &path) noexcept;
// Random [a-zA-Z0-9] string of `len` characters.
std::string random_suffix(std::size_t len);
// strdup that throws std::bad_alloc (nullptr stays nullptr).
char *dup_cstr(const char *s);
char *dup_cstr(const std::string &s);

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
