// SPDX-License-Identifier: Apache-2.0
// vaccel_arg_array: growable array of args with a sequential cursor. This file holds the
// array's storage and lifecycle (init/release/wrap, growth), the cursor, untyped (RAW) args
// and ranges copied between arrays; the typed get/set/add families are in arg_array_typed.cpp,
// on top of the cursor helpers declared in arg_internal.hpp.
//
//
// Semantics (where the header leaves room):
//  - add_* appends at the end (never at the cursor); scalars/arrays/strings/
//    buffers/custom args borrow caller memory (owned=false); serialized args
//    and copy=true ranges own their buffers.
//  - get_* reads the arg at the cursor with an exact type check and
//    advances only on success (VACCEL_ERANGE past the end, VACCEL_EINVAL on
//    type/size mismatch).
//  - set_* writes into the buffer of the arg at the cursor, which must have
//    the matching type or be RAW (untyped), and be at least as large as the
//    value; the arg's size (its capacity) is left unchanged; advances on
//    success.
//  - A wrapped array (owned=false) never frees or modifies the caller's args
//    on clear/release and cannot grow past the wrapped count (VACCEL_ENOSPC).
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "arg_internal.hpp"
#include "ops/op_common.hpp"

using vaccel::ops::invalid_arg;
using namespace vaccel::args;

namespace {

constexpr size_t min_growth = 4;

// Makes room for `extra` more args, growing owned (or still empty) storage.
int reserve_more(vaccel_arg_array *a, size_t extra) noexcept
{
	if (extra > std::numeric_limits<size_t>::max() - a->count)
		return VACCEL_ENOMEM;
	const size_t needed = a->count + extra;
	if (needed <= a->capacity)
		return VACCEL_OK;
	const bool growable = a->owned || (a->args == nullptr && a->capacity == 0);
	if (!growable) {
		vaccel_error("vaccel_arg_array: cannot grow a wrapped array (%zu args)", a->capacity);
		return VACCEL_ENOSPC;
	}
	size_t new_capacity = a->capacity > min_growth ? a->capacity : min_growth;
	while (new_capacity < needed) {
		if (new_capacity > std::numeric_limits<size_t>::max() / 2 / sizeof(vaccel_arg))
			return VACCEL_ENOMEM;
		new_capacity *= 2;
	}
	auto *grown = static_cast<vaccel_arg *>(std::realloc(a->args, new_capacity * sizeof(vaccel_arg)));
	if (grown == nullptr)
		return VACCEL_ENOMEM;
	std::memset(grown + a->capacity, 0, (new_capacity - a->capacity) * sizeof(vaccel_arg));
	a->args = grown;
	a->capacity = new_capacity;
	a->owned = true;
	return VACCEL_OK;
}

// Whether a set_* may write a value of `expected` type into `arg`.
bool writable_as(const vaccel_arg *arg, vaccel_arg_type_t expected) noexcept
{
	return arg->type == expected || arg->type == VACCEL_ARG_RAW;
}

} // namespace

namespace vaccel::args {

int append(vaccel_arg_array *a, const vaccel_arg &arg) noexcept
{
	if (int ret = reserve_more(a, 1))
		return ret;
	a->args[a->count++] = arg;
	return VACCEL_OK;
}

int append_borrowed(vaccel_arg_array *a, void *buf, size_t size, vaccel_arg_type_t type, uint32_t custom_id) noexcept
{
	return append(a, vaccel_arg{buf, size, type, custom_id, false});
}

// The arg at the cursor, or nullptr with *err set.
vaccel_arg *at_cursor(vaccel_arg_array *a, int *err) noexcept
{
	if (a == nullptr) {
		*err = VACCEL_EINVAL;
		return nullptr;
	}
	if (a->position >= a->count || a->args == nullptr) {
		*err = VACCEL_ERANGE;
		return nullptr;
	}
	return &a->args[a->position];
}

// Copies size bytes into the arg at the cursor (checked) and advances.
int write_at_cursor(vaccel_arg_array *a, vaccel_arg_type_t expected, const void *value, size_t size,
		    const char *what) noexcept
{
	int err = VACCEL_OK;
	vaccel_arg *arg = at_cursor(a, &err);
	if (arg == nullptr)
		return err;
	if (!writable_as(arg, expected)) {
		vaccel_error("%s: arg %zu has type %s, expected %s", what, a->position,
			     vaccel_arg_type_to_str(arg->type), vaccel_arg_type_to_str(expected));
		return VACCEL_EINVAL;
	}
	if (size > arg->size || (size > 0 && arg->buf == nullptr)) {
		vaccel_error("%s: value of %zu bytes does not fit arg %zu of %zu bytes", what, size, a->position,
			     arg->size);
		return VACCEL_EINVAL;
	}
	if (size > 0)
		std::memcpy(arg->buf, value, size);
	a->position++;
	return VACCEL_OK;
}

// Arg at the cursor with an exact type check (not advanced).
vaccel_arg *typed_at_cursor(vaccel_arg_array *a, vaccel_arg_type_t type, int *err, const char *what) noexcept
{
	vaccel_arg *arg = at_cursor(a, err);
	if (arg == nullptr)
		return nullptr;
	if (arg->type != type) {
		vaccel_error("%s: arg %zu has type %s, expected %s", what, a->position,
			     vaccel_arg_type_to_str(arg->type), vaccel_arg_type_to_str(type));
		*err = VACCEL_EINVAL;
		return nullptr;
	}
	return arg;
}

} // namespace vaccel::args

namespace {

// Appends src[start, start+n) to dst, borrowing or deep-copying buffers.
// All-or-nothing: on failure dst is left as it was.
int add_range_impl(vaccel_arg_array *dst, const vaccel_arg_array *src, size_t start, size_t n, bool copy)
{
	if (dst == nullptr || src == nullptr)
		return invalid_arg("vaccel_arg_array_add_range", "array is NULL");
	if (start > src->count || n > src->count - start) {
		vaccel_error("vaccel_arg_array_add_range: range [%zu, +%zu) outside %zu args", start, n, src->count);
		return VACCEL_ERANGE;
	}
	if (n == 0)
		return VACCEL_OK;
	// Snapshot first: dst may be src, and growing dst moves src's storage.
	std::vector<vaccel_arg> slice(src->args + start, src->args + start + n);
	if (int ret = reserve_more(dst, n))
		return ret;
	const size_t old_count = dst->count;
	for (const vaccel_arg &arg : slice) {
		vaccel_arg added{arg.buf, arg.size, arg.type, arg.custom_type_id, false};
		if (copy) {
			if (int ret = init_copy(&added, arg.buf, arg.size, arg.type, arg.custom_type_id)) {
				while (dst->count > old_count)
					release_arg(&dst->args[--dst->count]);
				return ret;
			}
		}
		dst->args[dst->count++] = added;
	}
	return VACCEL_OK;
}

} // namespace

int vaccel_arg_array_init(struct vaccel_arg_array *array, size_t capacity)
{
	if (array == nullptr)
		return invalid_arg("vaccel_arg_array_init", "array is NULL");
	*array = vaccel_arg_array{nullptr, 0, 0, 0, true};
	// vAccel 0.8 allocates a default capacity when asked for 0.
	if (capacity == 0)
		capacity = min_growth;
	array->args = static_cast<vaccel_arg *>(std::calloc(capacity, sizeof(vaccel_arg)));
	if (array->args == nullptr)
		return VACCEL_ENOMEM;
	array->capacity = capacity;
	return VACCEL_OK;
}

void vaccel_arg_array_clear(struct vaccel_arg_array *array)
{
	if (array == nullptr) {
		invalid_arg("vaccel_arg_array_clear", "array is NULL");
		return;
	}
	// vAccel 0.8: an array without storage is left untouched.
	if (array->args == nullptr)
		return;
	if (array->owned)
		for (size_t i = 0; i < array->count; ++i)
			release_arg(&array->args[i]);
	array->count = 0;
	array->position = 0;
}

int vaccel_arg_array_release(struct vaccel_arg_array *array)
{
	if (array == nullptr)
		return invalid_arg("vaccel_arg_array_release", "array is NULL");
	vaccel_arg_array_clear(array);
	if (array->owned)
		std::free(array->args);
	*array = vaccel_arg_array{nullptr, 0, 0, 0, false};
	return VACCEL_OK;
}

int vaccel_arg_array_new(struct vaccel_arg_array **array, size_t capacity)
{
	if (array == nullptr)
		return invalid_arg("vaccel_arg_array_new", "array is NULL");
	auto *a = static_cast<vaccel_arg_array *>(std::calloc(1, sizeof(vaccel_arg_array)));
	if (a == nullptr)
		return VACCEL_ENOMEM;
	if (int ret = vaccel_arg_array_init(a, capacity)) {
		std::free(a);
		return ret;
	}
	*array = a;
	return VACCEL_OK;
}

int vaccel_arg_array_delete(struct vaccel_arg_array *array)
{
	if (array == nullptr)
		return invalid_arg("vaccel_arg_array_delete", "array is NULL");
	vaccel_arg_array_release(array);
	std::free(array);
	return VACCEL_OK;
}

int vaccel_arg_array_wrap(struct vaccel_arg_array *array, struct vaccel_arg *args, size_t count)
{
	if (array == nullptr || (args == nullptr && count > 0))
		return invalid_arg("vaccel_arg_array_wrap", "array or args is NULL");
	*array = vaccel_arg_array{args, count, count, 0, false};
	return VACCEL_OK;
}

size_t vaccel_arg_array_count(const struct vaccel_arg_array *array)
{
	return array == nullptr ? 0 : array->count;
}

struct vaccel_arg *vaccel_arg_array_raw(struct vaccel_arg_array *array)
{
	return array == nullptr ? nullptr : array->args;
}

size_t vaccel_arg_array_position(const struct vaccel_arg_array *array)
{
	return array == nullptr ? 0 : array->position;
}

void vaccel_arg_array_set_position(struct vaccel_arg_array *array, size_t position)
{
	if (array == nullptr) {
		invalid_arg("vaccel_arg_array_set_position", "array is NULL");
		return;
	}
	// vAccel 0.8 clamps a position past the end to the count.
	array->position = position > array->count ? array->count : position;
}

void vaccel_arg_array_reset_position(struct vaccel_arg_array *array)
{
	if (array != nullptr)
		array->position = 0;
}

size_t vaccel_arg_array_remaining_count(const struct vaccel_arg_array *array)
{
	if (array == nullptr || array->position >= array->count)
		return 0;
	return array->count - array->position;
}

int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array, struct vaccel_arg **args, size_t *count)
{
	if (array == nullptr || args == nullptr || count == nullptr)
		return invalid_arg("vaccel_arg_array_get_remaining", "NULL argument");
	*count = vaccel_arg_array_remaining_count(array);
	*args = *count > 0 ? array->args + array->position : nullptr;
	return VACCEL_OK;
}

/* Untyped ---------------------------------------------------------------- */

int vaccel_arg_array_add_raw(struct vaccel_arg_array *array, void *buf, size_t size)
{
	if (array == nullptr || buf == nullptr || size == 0)
		return invalid_arg("vaccel_arg_array_add_raw", "array or buf is NULL, or size is 0");
	return append_borrowed(array, buf, size, VACCEL_ARG_RAW);
}

int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf, size_t *size)
{
	if (buf == nullptr || size == nullptr)
		return invalid_arg("vaccel_arg_array_get_raw", "NULL argument");
	int err = VACCEL_OK;
	vaccel_arg *arg = at_cursor(array, &err); // untyped: any type is accepted
	if (arg == nullptr)
		return err;
	*buf = arg->buf;
	*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, const void *buf, size_t size)
{
	if (array == nullptr || (buf == nullptr && size > 0))
		return invalid_arg("vaccel_arg_array_set_raw", "array or buf is NULL");
	int err = VACCEL_OK;
	vaccel_arg *arg = at_cursor(array, &err);
	if (arg == nullptr)
		return err;
	// Untyped write: only the size is checked.
	return write_at_cursor(array, arg->type, buf, size, "vaccel_arg_array_set_raw");
}

/* Ranges ------------------------------------------------------------------------ */

int vaccel_arg_array_add_range(struct vaccel_arg_array *dst, const struct vaccel_arg_array *src, size_t start, size_t n,
			       bool copy)
{
	VACCEL_OPS_TRY
	return add_range_impl(dst, src, start, n, copy);
	VACCEL_OPS_CATCH("vaccel_arg_array_add_range")
}

int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dst, const struct vaccel_arg_array *src, bool copy)
{
	if (src == nullptr)
		return invalid_arg("vaccel_arg_array_add_remaining", "src is NULL");
	const size_t start = src->position < src->count ? src->position : src->count;
	return vaccel_arg_array_add_range(dst, src, start, src->count - start, copy);
}

int vaccel_arg_array_add_all(struct vaccel_arg_array *dst, const struct vaccel_arg_array *src, bool copy)
{
	if (src == nullptr)
		return invalid_arg("vaccel_arg_array_add_all", "src is NULL");
	return vaccel_arg_array_add_range(dst, src, 0, src->count, copy);
}
