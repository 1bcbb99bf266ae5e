// SPDX-License-Identifier: Apache-2.0
// Which vAccel error code a C++ exception stands for: the one table used wherever an exception is
// stopped at the C ABI, by libvaccel itself (src/core) and by every bundled plugin (through
// plugins/common/boundary.hpp), and usable by applications and third-party plugins that write C
// callbacks in C++.  docs/api.md ("Exceptions at the C ABI") documents the same table.
//
//   exception                                             code
//   std::bad_alloc                                        VACCEL_ENOMEM
//   std::system_error (vaccel::Error and
//     std::filesystem::filesystem_error included) whose
//     category is vaccel, generic or system, value > 0    that value (an errno = a VACCEL_E* code)
//   any other exception                                   `fallback`: VACCEL_EIO in libvaccel (its
//                                                         own failure), VACCEL_EBACKEND in plugins
//
// Thread safety: stateless; safe from any thread.
#ifndef VACCEL_CPP_EXCEPTION_CODE_HPP
#define VACCEL_CPP_EXCEPTION_CODE_HPP

#include <exception>
#include <new>
#include <system_error>

#include "../error.h"
#include "../log.h"
#include "error.hpp"

namespace vaccel {

// A code from the table and a description of the exception for the log line.  `reason` points
// into the exception object: valid until the catch block that holds the exception ends.
struct ExceptionCode {
	int code;
	const char *reason;
};

// Contract: call only inside a catch block; returns the table's code for the exception being
// handled (`fallback` for anything the table does not name) and never throws.
inline ExceptionCode code_of_current_exception(int fallback) noexcept
{
	try {
		throw;
	} catch (const std::bad_alloc &) {
		return {VACCEL_ENOMEM, "out of memory"};
	} catch (const std::system_error &e) {
		const std::error_category &cat = e.code().category();
		const bool errno_valued =
			cat == error_category() || cat == std::generic_category() || cat == std::system_category();
		const int value = e.code().value();
		return {errno_valued && value > 0 ? value : fallback, e.what()};
	} catch (const std::exception &e) {
		return {fallback, e.what()};
	} catch (...) {
		return {fallback, "non-standard exception"};
	}
}

// Contract: call only inside a catch block; logs one error line "<where>: <reason>" and returns
// the table's code for the exception being handled.  Never throws.
inline int report_current_exception(const char *where, int fallback) noexcept
{
	const ExceptionCode c = code_of_current_exception(fallback);
	vaccel_error("%s: %s", where, c.reason);
	return c.code;
}

// Contract: runs body() (which returns a VACCEL_* code) and returns its result; if it throws,
// returns report_current_exception(where, fallback).  No exception leaves it, so it may stand
// directly behind a C function.
template <typename Body>
int call_at_c_boundary(const char *where, int fallback, Body &&body) noexcept
{
	try {
		return static_cast<Body &&>(body)();
	} catch (...) {
		return report_current_exception(where, fallback);
	}
}

} // namespace vaccel

#endif // VACCEL_CPP_EXCEPTION_CODE_HPP
