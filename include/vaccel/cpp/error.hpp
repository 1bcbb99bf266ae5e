// SPDX-License-Identifier: Apache-2.0
// vaccel::Error: the C++ form of a vAccel error code. Every wrapper in
// vaccel/cpp/ turns a non-zero return of the C API into this exception, so the
// code is never lost: Error::code().value() is the VACCEL_E* (errno) value.
#ifndef VACCEL_CPP_ERROR_HPP
#define VACCEL_CPP_ERROR_HPP

#include <string>
#include <system_error>

#include "../error.h"

namespace vaccel {

// Codes are Linux errno values, so messages and portable conditions come from
// the generic category; a distinct category keeps "came from vAccel" visible.
class ErrorCategory final : public std::error_category {
public:
	const char *name() const noexcept override { return "vaccel"; }
	std::string message(int code) const override
	{
		return code == VACCEL_OK ? std::string("success") : std::generic_category().message(code);
	}
	std::error_condition default_error_condition(int code) const noexcept override
	{
		return {code, std::generic_category()};
	}
};

inline const std::error_category &error_category() noexcept
{
	static const ErrorCategory category;
	return category;
}

inline std::error_code make_error_code(int vaccel_code) noexcept
{
	return {vaccel_code, error_category()};
}

class Error : public std::system_error {
public:
	// `what` names the failing call, e.g. "vaccel_session_new".
	Error(int vaccel_code, const std::string &what) : std::system_error(make_error_code(vaccel_code), what) {}
	// The raw VACCEL_E* value (same as code().value()).
	int vaccel_code() const noexcept { return code().value(); }
};

// Throws Error unless rc is VACCEL_OK. Returns rc so callers can chain.
inline int check(int rc, const char *what)
{
	if (rc != VACCEL_OK)
		throw Error(rc, what);
	return rc;
}

} // namespace vaccel

#endif // VACCEL_CPP_ERROR_HPP
