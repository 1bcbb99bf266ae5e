// SPDX-License-Identifier: Apache-2.0
// vaccel_arg_array's typed families: add/get/set for the scalar and array types (one template,
// TypedOps, instantiated per C type by VACCEL_ARG_ARRAY_TYPED_DEF), strings, buffers, custom
// args and serialized args. Semantics (cursor, ownership, type checks): see arg_array.cpp; the
// cursor helpers used here are declared in arg_internal.hpp.
#include <cstdlib>
#include <cstring>
#include <limits>

#include "arg_internal.hpp"
#include "ops/op_common.hpp"

using vaccel::ops::invalid_arg;
using namespace vaccel::args;

namespace {
template <typename T, vaccel_arg_type_t ScalarType, vaccel_arg_type_t ArrayType>
struct TypedOps {
	static int add(vaccel_arg_array *a, T *value) noexcept
	{
		if (a == nullptr || value == nullptr)
			return invalid_arg("vaccel_arg_array_add", "array or value is NULL");
		return append_borrowed(a, value, sizeof(T), ScalarType);
	}

	static int add_array(vaccel_arg_array *a, T *value, size_t count) noexcept
	{
		if (a == nullptr || (value == nullptr && count > 0))
			return invalid_arg("vaccel_arg_array_add_array", "array or value is NULL");
		if (count > std::numeric_limits<size_t>::max() / sizeof(T))
			return invalid_arg("vaccel_arg_array_add_array", "count too large");
		return append_borrowed(a, value, count * sizeof(T), ArrayType);
	}

	static int get(vaccel_arg_array *a, T *value) noexcept
	{
		if (a == nullptr || value == nullptr)
			return invalid_arg("vaccel_arg_array_get", "array or value is NULL");
		int err = VACCEL_OK;
		vaccel_arg *arg = typed_at_cursor(a, ScalarType, &err, "vaccel_arg_array_get");
		if (arg == nullptr)
			return err;
		if (arg->size != sizeof(T) || arg->buf == nullptr) {
			vaccel_error("vaccel_arg_array_get: arg %zu has %zu bytes, expected %zu", a->position,
				     arg->size, sizeof(T));
			return VACCEL_EINVAL;
		}
		std::memcpy(value, arg->buf, sizeof(T));
		a->position++;
		return VACCEL_OK;
	}

	static int get_array(vaccel_arg_array *a, T **value, size_t *count) noexcept
	{
		// vAccel 0.8 accepts a NULL count (the caller knows the length).
		if (a == nullptr || value == nullptr)
			return invalid_arg("vaccel_arg_array_get_array", "NULL argument");
		int err = VACCEL_OK;
		vaccel_arg *arg = typed_at_cursor(a, ArrayType, &err, "vaccel_arg_array_get_array");
		if (arg == nullptr)
			return err;
		if (arg->size % sizeof(T) != 0 || (arg->size > 0 && arg->buf == nullptr)) {
			vaccel_error("vaccel_arg_array_get_array: arg %zu size %zu is not a "
				     "multiple of %zu",
				     a->position, arg->size, sizeof(T));
			return VACCEL_EINVAL;
		}
		*value = static_cast<T *>(arg->buf);
		if (count != nullptr)
			*count = arg->size / sizeof(T);
		a->position++;
		return VACCEL_OK;
	}

	static int set(vaccel_arg_array *a, const T *value) noexcept
	{
		if (a == nullptr || value == nullptr)
			return invalid_arg("vaccel_arg_array_set", "array or value is NULL");
		return write_at_cursor(a, ScalarType, value, sizeof(T), "vaccel_arg_array_set");
	}

	static int set_array(vaccel_arg_array *a, const T *value, size_t count) noexcept
	{
		if (a == nullptr || (value == nullptr && count > 0))
			return invalid_arg("vaccel_arg_array_set_array", "array or value is NULL");
		if (count > std::numeric_limits<size_t>::max() / sizeof(T))
			return invalid_arg("vaccel_arg_array_set_array", "count too large");
		return write_at_cursor(a, ArrayType, value, count * sizeof(T), "vaccel_arg_array_set_array");
	}
};

} // namespace

/* Typed scalars and arrays ------------------------------------------------ */

#define VACCEL_ARG_ARRAY_TYPED_DEF(name, ctype, scalar_type, array_type)                                               \
	using name##_ops = TypedOps<ctype, scalar_type, array_type>;                                                   \
	int vaccel_arg_array_add_##name(struct vaccel_arg_array *array, ctype *value)                                  \
	{                                                                                                              \
		return name##_ops::add(array, value);                                                                  \
	}                                                                                                              \
	int vaccel_arg_array_add_##name##_array(struct vaccel_arg_array *array, ctype *value, size_t count)            \
	{                                                                                                              \
		return name##_ops::add_array(array, value, count);                                                     \
	}                                                                                                              \
	int vaccel_arg_array_get_##name(struct vaccel_arg_array *array, ctype *value)                                  \
	{                                                                                                              \
		return name##_ops::get(array, value);                                                                  \
	}                                                                                                              \
	int vaccel_arg_array_get_##name##_array(struct vaccel_arg_array *array, ctype **value, size_t *count)          \
	{                                                                                                              \
		return name##_ops::get_array(array, value, count);                                                     \
	}                                                                                                              \
	int vaccel_arg_array_set_##name(struct vaccel_arg_array *array, const ctype *value)                            \
	{                                                                                                              \
		return name##_ops::set(array, value);                                                                  \
	}                                                                                                              \
	int vaccel_arg_array_set_##name##_array(struct vaccel_arg_array *array, const ctype *value, size_t count)      \
	{                                                                                                              \
		return name##_ops::set_array(array, value, count);                                                     \
	}

VACCEL_ARG_ARRAY_TYPED_DEF(int8, int8_t, VACCEL_ARG_INT8, VACCEL_ARG_INT8_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(int16, int16_t, VACCEL_ARG_INT16, VACCEL_ARG_INT16_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(int32, int32_t, VACCEL_ARG_INT32, VACCEL_ARG_INT32_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(int64, int64_t, VACCEL_ARG_INT64, VACCEL_ARG_INT64_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(uint8, uint8_t, VACCEL_ARG_UINT8, VACCEL_ARG_UINT8_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(uint16, uint16_t, VACCEL_ARG_UINT16, VACCEL_ARG_UINT16_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(uint32, uint32_t, VACCEL_ARG_UINT32, VACCEL_ARG_UINT32_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(uint64, uint64_t, VACCEL_ARG_UINT64, VACCEL_ARG_UINT64_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(float, float, VACCEL_ARG_FLOAT32, VACCEL_ARG_FLOAT32_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(double, double, VACCEL_ARG_FLOAT64, VACCEL_ARG_FLOAT64_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(bool, bool, VACCEL_ARG_BOOL, VACCEL_ARG_BOOL_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(char, char, VACCEL_ARG_CHAR, VACCEL_ARG_CHAR_ARRAY)
VACCEL_ARG_ARRAY_TYPED_DEF(uchar, unsigned char, VACCEL_ARG_UCHAR, VACCEL_ARG_UCHAR_ARRAY)

/* Strings and buffers ------------------------------------------------------ */

int vaccel_arg_array_add_string(struct vaccel_arg_array *array, char *value)
{
	if (array == nullptr || value == nullptr)
		return invalid_arg("vaccel_arg_array_add_string", "array or value is NULL");
	return append_borrowed(array, value, std::strlen(value) + 1, VACCEL_ARG_STRING);
}

int vaccel_arg_array_get_string(struct vaccel_arg_array *array, char **value)
{
	if (value == nullptr)
		return invalid_arg("vaccel_arg_array_get_string", "value is NULL");
	int err = VACCEL_OK;
	vaccel_arg *arg = typed_at_cursor(array, VACCEL_ARG_STRING, &err, "vaccel_arg_array_get_string");
	if (arg == nullptr)
		return err;
	// The NUL must lie inside the buffer, or readers would overrun it.
	if (arg->buf == nullptr || arg->size == 0 || std::memchr(arg->buf, '\0', arg->size) == nullptr)
		return invalid_arg("vaccel_arg_array_get_string", "string arg is not NUL-terminated");
	*value = static_cast<char *>(arg->buf);
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_string(struct vaccel_arg_array *array, const char *value)
{
	if (array == nullptr || value == nullptr)
		return invalid_arg("vaccel_arg_array_set_string", "array or value is NULL");
	return write_at_cursor(array, VACCEL_ARG_STRING, value, std::strlen(value) + 1, "vaccel_arg_array_set_string");
}

int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf, size_t size)
{
	if (array == nullptr || buf == nullptr || size == 0)
		return invalid_arg("vaccel_arg_array_add_buffer", "array or buf is NULL, or size is 0");
	return append_borrowed(array, buf, size, VACCEL_ARG_BUFFER);
}

int vaccel_arg_array_get_buffer(struct vaccel_arg_array *array, void **buf, size_t *size)
{
	if (buf == nullptr || size == nullptr)
		return invalid_arg("vaccel_arg_array_get_buffer", "NULL argument");
	int err = VACCEL_OK;
	vaccel_arg *arg = typed_at_cursor(array, VACCEL_ARG_BUFFER, &err, "vaccel_arg_array_get_buffer");
	if (arg == nullptr)
		return err;
	*buf = arg->buf;
	*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, const void *buf, size_t size)
{
	if (array == nullptr || (buf == nullptr && size > 0))
		return invalid_arg("vaccel_arg_array_set_buffer", "array or buf is NULL");
	return write_at_cursor(array, VACCEL_ARG_BUFFER, buf, size, "vaccel_arg_array_set_buffer");
}

/* Custom ---------------------------------------------------------------------- */

int vaccel_arg_array_add_custom(struct vaccel_arg_array *array, uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	if (array == nullptr || buf == nullptr || size == 0)
		return invalid_arg("vaccel_arg_array_add_custom", "array or buf is NULL, or size is 0");
	if (validator == nullptr)
		return invalid_arg("vaccel_arg_array_add_custom", "validator is NULL");
	if (!validator(buf, size, custom_id))
		return invalid_arg("vaccel_arg_array_add_custom", "validator rejected the data");
	return append_borrowed(array, buf, size, VACCEL_ARG_CUSTOM, custom_id);
}

int vaccel_arg_array_get_custom(struct vaccel_arg_array *array, uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator)
{
	if (buf == nullptr || size == nullptr || validator == nullptr)
		return invalid_arg("vaccel_arg_array_get_custom", "NULL argument or validator");
	int err = VACCEL_OK;
	vaccel_arg *arg = typed_at_cursor(array, VACCEL_ARG_CUSTOM, &err, "vaccel_arg_array_get_custom");
	if (arg == nullptr)
		return err;
	if (arg->custom_type_id != expected_id) {
		vaccel_error("vaccel_arg_array_get_custom: custom id %u, expected %u", arg->custom_type_id,
			     expected_id);
		return VACCEL_EINVAL;
	}
	if (arg->buf == nullptr || arg->size == 0 || !validator(arg->buf, arg->size, arg->custom_type_id))
		return invalid_arg("vaccel_arg_array_get_custom", "validator rejected the data");
	*buf = arg->buf;
	*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_custom(struct vaccel_arg_array *array, uint32_t custom_id, const void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	if (array == nullptr || (buf == nullptr && size > 0) || validator == nullptr)
		return invalid_arg("vaccel_arg_array_set_custom", "array, buf or validator is NULL");
	int err = VACCEL_OK;
	vaccel_arg *arg = at_cursor(array, &err);
	if (arg == nullptr)
		return err;
	if (arg->type == VACCEL_ARG_CUSTOM && arg->custom_type_id != custom_id) {
		vaccel_error("vaccel_arg_array_set_custom: custom id %u, expected %u", arg->custom_type_id, custom_id);
		return VACCEL_EINVAL;
	}
	if (!validator(buf, size, custom_id))
		return invalid_arg("vaccel_arg_array_set_custom", "validator rejected the data");
	return write_at_cursor(array, VACCEL_ARG_CUSTOM, buf, size, "vaccel_arg_array_set_custom");
}

/* Serialized ------------------------------------------------------------------ */

namespace {

// Owns a serializer's malloc'd output until handed over.
struct SerializedBuf {
	void *buf = nullptr;
	size_t size = 0;
	~SerializedBuf() { std::free(buf); }
	void *release() noexcept
	{
		void *b = buf;
		buf = nullptr;
		return b;
	}
};

int serialize(const char *what, vaccel_arg_type_t type, uint32_t custom_id, const void *data, size_t data_size,
	      vaccel_arg_serializer_t serializer, SerializedBuf &out)
{
	if (!valid_arg_type(type))
		return invalid_arg(what, "invalid arg type");
	if (serializer == nullptr)
		return invalid_arg(what, "serializer is NULL");
	if (int ret = serializer(data, data_size, custom_id, &out.buf, &out.size)) {
		vaccel_error("%s: serializer failed (%d)", what, ret);
		return ret;
	}
	if (out.buf == nullptr && out.size > 0)
		return invalid_arg(what, "serializer returned no buffer");
	return VACCEL_OK;
}

} // namespace

int vaccel_arg_array_add_serialized(struct vaccel_arg_array *array, vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size, vaccel_arg_serializer_t serializer)
{
	if (array == nullptr)
		return invalid_arg("vaccel_arg_array_add_serialized", "array is NULL");
	SerializedBuf out;
	if (int ret = serialize("vaccel_arg_array_add_serialized", type, custom_id, data, data_size, serializer, out))
		return ret;
	if (int ret = append(array, vaccel_arg{out.buf, out.size, type, custom_id, true}))
		return ret;
	out.release(); // now owned by the array
	return VACCEL_OK;
}

int vaccel_arg_array_get_serialized(struct vaccel_arg_array *array, vaccel_arg_type_t type, uint32_t custom_id,
				    void *data, size_t data_size, vaccel_arg_deserializer_t deserializer)
{
	constexpr const char *what = "vaccel_arg_array_get_serialized";
	if (deserializer == nullptr || (data == nullptr && data_size > 0))
		return invalid_arg(what, "deserializer or data is NULL");
	int err = VACCEL_OK;
	vaccel_arg *arg = typed_at_cursor(array, type, &err, what);
	if (arg == nullptr)
		return err;
	if (type == VACCEL_ARG_CUSTOM && arg->custom_type_id != custom_id) {
		vaccel_error("%s: custom id %u, expected %u", what, arg->custom_type_id, custom_id);
		return VACCEL_EINVAL;
	}
	if (int ret = deserializer(arg->buf, arg->size, custom_id, data_size, data)) {
		vaccel_error("%s: deserializer failed (%d)", what, ret);
		return ret;
	}
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array, vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size, vaccel_arg_serializer_t serializer)
{
	constexpr const char *what = "vaccel_arg_array_set_serialized";
	if (array == nullptr)
		return invalid_arg(what, "array is NULL");
	SerializedBuf out;
	if (int ret = serialize(what, type, custom_id, data, data_size, serializer, out))
		return ret;
	return write_at_cursor(array, type, out.buf, out.size, what);
}
