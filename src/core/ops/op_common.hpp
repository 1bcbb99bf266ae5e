// SPDX-License-Identifier: Apache-2.0
// Shared machinery of the op entry points: plugin op lookup, per-op
// profiling regions, and the exception barrier every exported function uses.
#pragma once

#include <new>
#include <type_traits>

#include "utils_internal.hpp"
#include "vaccel.h"

namespace vaccel::ops {

// Profiling region of one op family (e.g. "vaccel_image_op"). Samples are
// recorded only while profiling is enabled; the hot path then costs one
// atomic load. Recording takes a mutex, so concurrent ops of one family do
// not corrupt each other (the public vaccel_prof_region is not thread-safe).
class OpRegion {
public:
	explicit constexpr OpRegion(const char *name) noexcept : name_(name) {}
	OpRegion(const OpRegion &) = delete;
	OpRegion &operator=(const OpRegion &) = delete;

	const char *name() const noexcept { return name_; }

	// Adds one finished sample (start and duration in ns).
	void record(uint64_t start_ns, uint64_t duration_ns) noexcept;

private:
	const char *name_;
};

// Monotonic raw clock in ns (the clock vaccel_prof_sample uses).
uint64_t prof_now_ns() noexcept;

// Prints (at INFO, "[prof] <name>: total_time: ..") and forgets every op
// region that has samples. Called automatically when libvaccel unloads;
// exposed so vaccel_cleanup() may flush earlier.
void print_and_reset_op_regions() noexcept;

// Looks up the session plugin's implementation of `type`, cast to the
// function type of the API entry point. nullptr if the plugin lacks it.
template <typename Fn>
inline Fn *lookup_op(const vaccel_session *sess, vaccel_op_type_t type) noexcept
{
	static_assert(std::is_function_v<Fn>);
	const vaccel_plugin *plugin = sess->plugin;
	if (plugin == nullptr)
		return nullptr;
	const vaccel_op *op = plugin->ops[type];
	if (op == nullptr || op->func == nullptr)
		return nullptr;
	return reinterpret_cast<Fn *>(op->func);
}

// Runs `call` inside `region` (timed only when profiling is on).
template <typename Call>
inline int run_in_region(OpRegion &region, Call &&call)
{
	if (!vaccel_prof_enabled())
		return call();
	const uint64_t start = prof_now_ns();
	const int ret = call();
	region.record(start, prof_now_ns() - start);
	return ret;
}

// Logs that the session's plugin lacks `type` and returns VACCEL_ENOTSUP.
int op_not_supported(const vaccel_session *sess, vaccel_op_type_t type) noexcept;

// The tail every op entry point shares: calls the session plugin's
// implementation of `type` (Fn: the function type of the API entry point)
// with (sess, args...) inside `region`; VACCEL_ENOTSUP (logged) when the
// plugin lacks it.
template <typename Fn, typename... Args>
inline int call_plugin_op(vaccel_session *sess, vaccel_op_type_t type, OpRegion &region, Args... args)
{
	auto *fn = lookup_op<Fn>(sess, type);
	if (fn == nullptr)
		return op_not_supported(sess, type);
	return run_in_region(region, [&] { return fn(sess, args...); });
}

// Logs and returns VACCEL_EINVAL for a bad argument of op `what`.
int invalid_arg(const char *what, const char *reason) noexcept;

// Exception barrier for exported functions: no exception crosses the C ABI.
// The catch maps with the core's one mapper (error_from_current_exception,
// utils_internal.hpp): bad_alloc -> VACCEL_ENOMEM, errno-valued system_error ->
// its errno, anything else -> VACCEL_EIO (all logged).
#define VACCEL_OPS_TRY try {
#define VACCEL_OPS_CATCH(where)                                                                                        \
	}                                                                                                              \
	catch (...)                                                                                                    \
	{                                                                                                              \
		return ::vaccel::core::error_from_current_exception(where);                                            \
	}

// Debug trace that costs one atomic load when debug logging is off.
#define VACCEL_OPS_DEBUG(...)                                                                                          \
	do {                                                                                                           \
		if (vaccel_log_enabled(VACCEL_LOG_DEBUG))                                                              \
			vaccel_debug(__VA_ARGS__);                                                                     \
	} while (0)

// Common prologue: NULL session check.
inline int check_session(const vaccel_session *sess, const char *what) noexcept
{
	if (sess == nullptr)
		return invalid_arg(what, "session is NULL");
	return VACCEL_OK;
}

// Model/library resource checks of the reference: wrong type -> EINVAL, not
// registered with the session -> EPERM.
int check_resource(const vaccel_session *sess, const vaccel_resource *res, vaccel_resource_type_t expected,
		   const char *what) noexcept;

// Prologue of the model ops (tf, tflite, torch): a session, and `model` a
// MODEL resource registered with it.
inline int check_model_op(const vaccel_session *sess, const vaccel_resource *model, const char *what) noexcept
{
	if (int ret = check_session(sess, what))
		return ret;
	return check_resource(sess, model, VACCEL_RESOURCE_MODEL, what);
}

// A tensor array argument of a model run: nr >= 0, the array present when
// nr > 0, and (if `entries_required`, i.e. inputs) no NULL entry.
template <typename Tensor>
int check_tensor_list(const char *what, const char *name, Tensor *const *tensors, int nr,
		      bool entries_required) noexcept
{
	if (nr < 0 || (nr > 0 && tensors == nullptr)) {
		vaccel_error("%s: invalid %s (count %d)", what, name, nr);
		return VACCEL_EINVAL;
	}
	if (entries_required)
		for (int i = 0; i < nr; ++i)
			if (tensors[i] == nullptr) {
				vaccel_error("%s: %s[%d] is NULL", what, name, i);
				return VACCEL_EINVAL;
			}
	return VACCEL_OK;
}

} // namespace vaccel::ops
