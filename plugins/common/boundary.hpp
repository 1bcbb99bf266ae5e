// SPDX-License-Identifier: Apache-2.0
// The C-ABI boundary of a plugin: where C++ results and exceptions become VACCEL_E* codes.
//
// Every function a plugin hands to libvaccel (ops, init/fini, resource hooks) is called from C,
// so no exception may leave it.  One function, boundary(), runs a body and maps what comes out
// through one table:
//   the body returns an int            that VACCEL_* code, unchanged
//   the body returns a Status          status_code(): Ok 0, InvalidInput EINVAL, NotFound ENOENT,
//                                      Unsupported ENOTSUP, NoMemory ENOMEM, Backend EBACKEND
//   the body throws a Failure          status_code(failure.status()), logged
//   the body throws anything else      vaccel/cpp/exception_code.hpp's table (shared with
//                                      libvaccel) with fallback VACCEL_EBACKEND, logged
// Log lines read "[<plugin>] <what>: <reason>".  at_boundary<> puts an op function behind
// boundary() in the plugin's op table without touching its body.
//
// Why the exception table is in a public header and this one is not: libvaccel and the plugins
// stop exceptions by the same rules, and plugins may include only the public headers, so the
// shared rows live in include/vaccel/cpp/exception_code.hpp; Status and Failure are the plugin
// kit's own words, which the core never sees.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include "status.hpp"

#include <vaccel.h>
#include <vaccel/cpp/exception_code.hpp>

#include <type_traits>

namespace vaccel::plugin {

// Contract: the VACCEL_* code of `s` by the table above (VACCEL_EBACKEND for an unknown value).
constexpr int status_code(Status s) noexcept
{
	switch (s) {
	case Status::Ok:
		return VACCEL_OK;
	case Status::InvalidInput:
		return VACCEL_EINVAL;
	case Status::NotFound:
		return VACCEL_ENOENT;
	case Status::Unsupported:
		return VACCEL_ENOTSUP;
	case Status::NoMemory:
		return VACCEL_ENOMEM;
	case Status::Backend:
		return VACCEL_EBACKEND;
	}
	return VACCEL_EBACKEND;
}

// Contract: runs body() (returning an int VACCEL_* code or a Status) and returns its code by the
// table above; never throws.  `plugin` and `what` name the plugin and the call in log lines.
// `what` may also be a function returning the name, called only when a line is logged (at_boundary
// uses that, so an op call does not look its op type's name up unless it fails).
template <class What, class Body>
int boundary(const char *plugin, What what, Body &&body) noexcept
{
	const auto name = [&]() noexcept -> const char * {
		if constexpr (std::is_invocable_r_v<const char *, What>)
			return what();
		else
			return what;
	};
	try {
		if constexpr (std::is_same_v<std::invoke_result_t<Body &>, Status>)
			return status_code(body());
		else
			return body();
	} catch (const Failure &f) {
		vaccel_error("[%s] %s: %s", plugin, name(), f.what());
		return status_code(f.status());
	} catch (...) {
		const ExceptionCode c = code_of_current_exception(VACCEL_EBACKEND);
		vaccel_error("[%s] %s: %s", plugin, name(), c.reason);
		return c.code;
	}
}

namespace detail {
// The name `What` stands for in log lines: an op type's name, or the string itself.
template <auto What>
const char *call_name() noexcept
{
	if constexpr (std::is_same_v<decltype(What), vaccel_op_type_t>)
		return vaccel_op_type_to_base_str(What);
	else
		return What;
}

template <const char *Plugin, auto What, auto Fn, class Sig>
struct Bounded;
template <const char *Plugin, auto What, auto Fn, class R, class... A>
struct Bounded<Plugin, What, Fn, R (*)(A...)> {
	static_assert(std::is_same_v<R, int>, "a vAccel op or hook returns an int code");
	static int call(A... args) noexcept
	{
		return boundary(Plugin, &call_name<What>, [&] { return Fn(args...); });
	}
};
template <const char *Plugin, auto What, auto Fn, class R, class... A>
struct Bounded<Plugin, What, Fn, R (*)(A...) noexcept> : Bounded<Plugin, What, Fn, R (*)(A...)> {
};
} // namespace detail

// Contract: a function with the C signature of `Fn` that runs Fn inside boundary().  `Plugin` is
// a namespace-scope `constexpr char kName[]`; `What` names the call in log lines: an op type
// (vaccel_op_type_t) or another namespace-scope constexpr char array (e.g. for a resource hook).
// In an op table: VACCEL_OP_INIT(ops[0], VACCEL_OP_NOOP, (at_boundary<kName, VACCEL_OP_NOOP, f>)).
template <const char *Plugin, auto What, auto Fn>
inline constexpr auto at_boundary = &detail::Bounded<Plugin, What, Fn, decltype(Fn)>::call;

} // namespace vaccel::plugin

// An op-table entry (struct vaccel_op) for `op_func` behind the boundary: the usual way a plugin
// lists its ops, e.g. VACCEL_BOUNDARY_OP(kName, VACCEL_OP_NOOP, my_noop).
#define VACCEL_BOUNDARY_OP(plugin_name, op_type, op_func)                                                              \
	VACCEL_OP_INIT(_, op_type, (::vaccel::plugin::at_boundary<plugin_name, op_type, op_func>))

namespace vaccel::plugin {

} // namespace vaccel::plugin
