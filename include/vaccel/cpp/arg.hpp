// SPDX-License-Identifier: Apache-2.0
// vaccel::Arg (one owning/borrowing vaccel_arg) and vaccel::ArgArray (the
// typed sequential builder/reader of vaccel/arg.h) with std::span views.
//
// Type mapping for the typed API: int8_t..uint64_t, float, double, bool and
// char map to the matching VACCEL_ARG_* type. uint8_t and unsigned char are
// the same C++ type and map to UINT8; use add_uchar() for UCHAR args.
// add*() borrow the caller's memory (it must outlive the array), exactly as
// the C API does.
#ifndef VACCEL_CPP_ARG_HPP
#define VACCEL_CPP_ARG_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../arg.h"
#include "error.hpp"

namespace vaccel {

namespace detail {

template <typename T>
struct ArgTraits; // only the specialisations below exist

#define VACCEL_CPP_ARG_TRAITS(ctype, cname, argtype)                                                                   \
	template <>                                                                                                    \
	struct ArgTraits<ctype> {                                                                                      \
		static constexpr vaccel_arg_type_t scalar_type = VACCEL_ARG_##argtype;                                 \
		static constexpr vaccel_arg_type_t array_type = VACCEL_ARG_##argtype##_ARRAY;                          \
		static int add(vaccel_arg_array *a, ctype *v) { return vaccel_arg_array_add_##cname(a, v); }           \
		static int add_array(vaccel_arg_array *a, ctype *v, std::size_t n)                                     \
		{                                                                                                      \
			return vaccel_arg_array_add_##cname##_array(a, v, n);                                          \
		}                                                                                                      \
		static int get(vaccel_arg_array *a, ctype *v) { return vaccel_arg_array_get_##cname(a, v); }           \
		static int get_array(vaccel_arg_array *a, ctype **v, std::size_t *n)                                   \
		{                                                                                                      \
			return vaccel_arg_array_get_##cname##_array(a, v, n);                                          \
		}                                                                                                      \
		static int set(vaccel_arg_array *a, const ctype *v) { return vaccel_arg_array_set_##cname(a, v); }     \
		static int set_array(vaccel_arg_array *a, const ctype *v, std::size_t n)                               \
		{                                                                                                      \
			return vaccel_arg_array_set_##cname##_array(a, v, n);                                          \
		}                                                                                                      \
	};

VACCEL_CPP_ARG_TRAITS(std::int8_t, int8, INT8)
VACCEL_CPP_ARG_TRAITS(std::int16_t, int16, INT16)
VACCEL_CPP_ARG_TRAITS(std::int32_t, int32, INT32)
VACCEL_CPP_ARG_TRAITS(std::int64_t, int64, INT64)
VACCEL_CPP_ARG_TRAITS(std::uint8_t, uint8, UINT8)
VACCEL_CPP_ARG_TRAITS(std::uint16_t, uint16, UINT16)
VACCEL_CPP_ARG_TRAITS(std::uint32_t, uint32, UINT32)
VACCEL_CPP_ARG_TRAITS(std::uint64_t, uint64, UINT64)
VACCEL_CPP_ARG_TRAITS(float, float, FLOAT32)
VACCEL_CPP_ARG_TRAITS(double, double, FLOAT64)
VACCEL_CPP_ARG_TRAITS(bool, bool, BOOL)
VACCEL_CPP_ARG_TRAITS(char, char, CHAR)
#undef VACCEL_CPP_ARG_TRAITS

template <typename T>
concept ArgScalar = requires
{
	ArgTraits<std::remove_cv_t<T>>::scalar_type;
};

} // namespace detail

// One argument. Arg::copy() owns a copy of the bytes; Arg::borrow() points at
// caller memory (the form op write args need, so results land there).
class Arg {
public:
	static Arg copy(std::span<const std::byte> bytes, vaccel_arg_type_t type = VACCEL_ARG_RAW,
			std::uint32_t custom_id = 0)
	{
		Arg a;
		check(vaccel_arg_init(&a.arg_, bytes.empty() ? nullptr : bytes.data(), bytes.size(), type, custom_id),
		      "vaccel_arg_init");
		a.valid_ = true;
		return a;
	}
	static Arg borrow(std::span<std::byte> bytes, vaccel_arg_type_t type = VACCEL_ARG_RAW,
			  std::uint32_t custom_id = 0)
	{
		Arg a;
		check(vaccel_arg_init_from_buf(&a.arg_, bytes.empty() ? nullptr : bytes.data(), bytes.size(), type,
					       custom_id),
		      "vaccel_arg_init_from_buf");
		a.valid_ = true;
		return a;
	}
	template <detail::ArgScalar T>
	static Arg copy_of(const T &value)
	{
		return copy(std::as_bytes(std::span<const T, 1>(&value, 1)),
			    detail::ArgTraits<std::remove_cv_t<T>>::scalar_type);
	}

	Arg(Arg &&o) noexcept : arg_(o.arg_), valid_(std::exchange(o.valid_, false)) { o.arg_ = {}; }
	Arg &operator=(Arg &&o) noexcept
	{
		if (this != &o) {
			reset();
			arg_ = o.arg_;
			valid_ = std::exchange(o.valid_, false);
			o.arg_ = {};
		}
		return *this;
	}
	~Arg() { reset(); }

	vaccel_arg *get() noexcept { return &arg_; }
	const vaccel_arg &raw() const noexcept { return arg_; }
	vaccel_arg_type_t type() const noexcept { return arg_.type; }
	bool owned() const noexcept { return arg_.owned; }
	std::span<const std::byte> bytes() const noexcept
	{
		return {static_cast<const std::byte *>(arg_.buf), arg_.size};
	}

private:
	Arg() = default;
	void reset() noexcept
	{
		if (valid_)
			vaccel_arg_release(&arg_);
		valid_ = false;
	}
	vaccel_arg arg_{};
	bool valid_ = false;
};

class ArgArray {
public:
	explicit ArgArray(std::size_t capacity = 0)
	{
		check(vaccel_arg_array_init(&arr_, capacity), "vaccel_arg_array_init");
		valid_ = true;
	}
	ArgArray(ArgArray &&o) noexcept : arr_(o.arr_), valid_(std::exchange(o.valid_, false)) { o.arr_ = {}; }
	ArgArray &operator=(ArgArray &&o) noexcept
	{
		if (this != &o) {
			reset();
			arr_ = o.arr_;
			valid_ = std::exchange(o.valid_, false);
			o.arr_ = {};
		}
		return *this;
	}
	ArgArray(const ArgArray &) = delete;
	ArgArray &operator=(const ArgArray &) = delete;
	~ArgArray() { reset(); }

	// ---- building (borrowing) ----
	template <detail::ArgScalar T>
	ArgArray &add(T &value)
	{
		check(detail::ArgTraits<T>::add(&arr_, &value), "vaccel_arg_array_add");
		return *this;
	}
	template <detail::ArgScalar T>
	ArgArray &add(std::span<T> values)
	{
		check(detail::ArgTraits<T>::add_array(&arr_, values.data(), values.size()),
		      "vaccel_arg_array_add_array");
		return *this;
	}
	ArgArray &add_uchar(unsigned char &value)
	{
		check(vaccel_arg_array_add_uchar(&arr_, &value), "vaccel_arg_array_add_uchar");
		return *this;
	}
	ArgArray &add_uchar(std::span<unsigned char> values)
	{
		check(vaccel_arg_array_add_uchar_array(&arr_, values.data(), values.size()),
		      "vaccel_arg_array_add_uchar_array");
		return *this;
	}
	// STRING arg over the string's own NUL-terminated storage.
	ArgArray &add_string(std::string &value)
	{
		check(vaccel_arg_array_add_string(&arr_, value.data()), "vaccel_arg_array_add_string");
		return *this;
	}
	ArgArray &add_buffer(std::span<std::byte> bytes)
	{
		check(vaccel_arg_array_add_buffer(&arr_, bytes.data(), bytes.size()), "vaccel_arg_array_add_buffer");
		return *this;
	}
	ArgArray &add_raw(std::span<std::byte> bytes)
	{
		check(vaccel_arg_array_add_raw(&arr_, bytes.data(), bytes.size()), "vaccel_arg_array_add_raw");
		return *this;
	}
	ArgArray &add_custom(std::uint32_t custom_id, std::span<std::byte> bytes,
			     vaccel_arg_custom_validator_t validator = nullptr)
	{
		check(vaccel_arg_array_add_custom(&arr_, custom_id, bytes.data(), bytes.size(),
						  validator ? validator : &accept_any),
		      "vaccel_arg_array_add_custom");
		return *this;
	}

	// ---- reading at the cursor (type-checked, advances) ----
	template <detail::ArgScalar T>
	T get()
	{
		T value{};
		check(detail::ArgTraits<T>::get(&arr_, &value), "vaccel_arg_array_get");
		return value;
	}
	template <detail::ArgScalar T>
	std::span<T> get_array()
	{
		T *values = nullptr;
		std::size_t count = 0;
		check(detail::ArgTraits<T>::get_array(&arr_, &values, &count), "vaccel_arg_array_get_array");
		return {values, count};
	}
	std::string_view get_string()
	{
		char *value = nullptr;
		check(vaccel_arg_array_get_string(&arr_, &value), "vaccel_arg_array_get_string");
		return value ? std::string_view(value) : std::string_view();
	}
	std::span<std::byte> get_buffer()
	{
		void *buf = nullptr;
		std::size_t size = 0;
		check(vaccel_arg_array_get_buffer(&arr_, &buf, &size), "vaccel_arg_array_get_buffer");
		return {static_cast<std::byte *>(buf), size};
	}
	std::span<std::byte> get_custom(std::uint32_t expected_id, vaccel_arg_custom_validator_t validator = nullptr)
	{
		void *buf = nullptr;
		std::size_t size = 0;
		check(vaccel_arg_array_get_custom(&arr_, expected_id, &buf, &size, validator ? validator : &accept_any),
		      "vaccel_arg_array_get_custom");
		return {static_cast<std::byte *>(buf), size};
	}

	// ---- writing into the arg at the cursor (advances) ----
	template <detail::ArgScalar T>
	ArgArray &set(const T &value)
	{
		check(detail::ArgTraits<T>::set(&arr_, &value), "vaccel_arg_array_set");
		return *this;
	}
	template <detail::ArgScalar T>
	ArgArray &set(std::span<const T> values)
	{
		check(detail::ArgTraits<T>::set_array(&arr_, values.data(), values.size()),
		      "vaccel_arg_array_set_array");
		return *this;
	}
	ArgArray &set_string(const std::string &value)
	{
		check(vaccel_arg_array_set_string(&arr_, value.c_str()), "vaccel_arg_array_set_string");
		return *this;
	}
	ArgArray &set_buffer(std::span<const std::byte> bytes)
	{
		check(vaccel_arg_array_set_buffer(&arr_, bytes.data(), bytes.size()), "vaccel_arg_array_set_buffer");
		return *this;
	}

	// ---- cursor and views ----
	std::size_t size() const noexcept { return vaccel_arg_array_count(&arr_); }
	std::size_t position() const noexcept { return vaccel_arg_array_position(&arr_); }
	std::size_t remaining() const noexcept { return vaccel_arg_array_remaining_count(&arr_); }
	void rewind() noexcept { vaccel_arg_array_reset_position(&arr_); }
	// Stricter than the C call (which clamps, as vAccel 0.8 does): a position
	// past the end throws VACCEL_ERANGE.
	void seek(std::size_t position)
	{
		if (position > size())
			check(VACCEL_ERANGE, "vaccel_arg_array_set_position");
		vaccel_arg_array_set_position(&arr_, position);
	}
	void clear() noexcept { vaccel_arg_array_clear(&arr_); }

	// The args as the op entry points take them.
	std::span<vaccel_arg> args() noexcept
	{
		vaccel_arg *raw = vaccel_arg_array_raw(&arr_);
		return raw ? std::span<vaccel_arg>(raw, size()) : std::span<vaccel_arg>();
	}
	vaccel_arg_array *get() noexcept { return &arr_; }

private:
	// The C API requires a validator (vAccel 0.8); nullptr here means "any bytes".
	static bool accept_any(const void *, std::size_t, std::uint32_t) noexcept { return true; }
	void reset() noexcept
	{
		if (valid_)
			vaccel_arg_array_release(&arr_);
		valid_ = false;
	}
	vaccel_arg_array arr_{};
	bool valid_ = false;
};

} // namespace vaccel

#endif // VACCEL_CPP_ARG_HPP
