// SPDX-License-Identifier: Apache-2.0
// vaccel/arg.h: single args, the typed vaccel_arg_array API (every type,
// custom validators, serializers, ranges) and the deprecated arg list.
#include "vtest.hpp"
#include "vtest_c_calls.h"

#include <cstring>

namespace {

// ---- single arg ------------------------------------------------------------------------------------

TEST(Arg, InitCopies)
{
	int32_t v = 41;
	vaccel_arg arg{};
	ASSERT_OK(vaccel_arg_init(&arg, &v, sizeof(v), VACCEL_ARG_INT32, 0));
	EXPECT_TRUE(arg.owned);
	EXPECT_NE(static_cast<void *>(&v), arg.buf);
	EXPECT_EQ(sizeof(v), arg.size);
	EXPECT_EQ(VACCEL_ARG_INT32, arg.type);
	v = 0;
	EXPECT_EQ(41, *static_cast<int32_t *>(arg.buf));
	EXPECT_OK(vaccel_arg_release(&arg));
	EXPECT_EQ(nullptr, arg.buf);
	EXPECT_EQ(0u, arg.size);
}

TEST(Arg, InitFromBufBorrows)
{
	char text[] = "hello";
	vaccel_arg arg{};
	ASSERT_OK(vaccel_arg_init_from_buf(&arg, text, sizeof(text), VACCEL_ARG_CUSTOM, 77));
	EXPECT_FALSE(arg.owned);
	EXPECT_EQ(static_cast<void *>(text), arg.buf);
	EXPECT_EQ(77u, arg.custom_type_id);
	EXPECT_OK(vaccel_arg_release(&arg));
	EXPECT_STREQ("hello", text);
}

TEST(Arg, NullBufferWithZeroSize)
{
	vaccel_arg arg{};
	EXPECT_OK(vaccel_arg_init(&arg, nullptr, 0, VACCEL_ARG_RAW, 0));
	EXPECT_OK(vaccel_arg_release(&arg));
}

TEST(Arg, Errors)
{
	int v = 0;
	vaccel_arg arg{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init(nullptr, &v, sizeof(v), VACCEL_ARG_INT32, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init(&arg, &v, 0, VACCEL_ARG_RAW, 0)) << "size 0 (vAccel 0.8)";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init_from_buf(&arg, nullptr, 4, VACCEL_ARG_RAW, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init(&arg, &v, sizeof(v), VACCEL_ARG_MAX, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init_from_buf(nullptr, &v, sizeof(v), VACCEL_ARG_INT32, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_release(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_delete(nullptr));
	vaccel_arg *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_new(nullptr, &v, sizeof(v), VACCEL_ARG_INT32, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_from_buf(nullptr, &v, sizeof(v), VACCEL_ARG_INT32, 0));
	(void)heap;
}

TEST(Arg, NewAndFromBuf)
{
	double d = 2.5;
	vaccel_arg *a = nullptr, *b = nullptr;
	ASSERT_OK(vaccel_arg_new(&a, &d, sizeof(d), VACCEL_ARG_FLOAT64, 0));
	ASSERT_OK(vaccel_arg_from_buf(&b, &d, sizeof(d), VACCEL_ARG_FLOAT64, 0));
	EXPECT_TRUE(a->owned);
	EXPECT_FALSE(b->owned);
	EXPECT_EQ(static_cast<void *>(&d), b->buf);
	EXPECT_EQ(2.5, *static_cast<double *>(a->buf));
	EXPECT_OK(vaccel_arg_delete(a));
	EXPECT_OK(vaccel_arg_delete(b));
}

TEST(Arg, TypeNames)
{
	EXPECT_EQ(29, VACCEL_ARG_CUSTOM);
	EXPECT_EQ(27, VACCEL_ARG_STRING);
	EXPECT_STREQ("VACCEL_ARG_FLOAT32_ARRAY", vaccel_arg_type_to_str(VACCEL_ARG_FLOAT32_ARRAY));
	EXPECT_STREQ("UINT8", vaccel_arg_type_to_base_str(VACCEL_ARG_UINT8));
	char buf[32];
	EXPECT_STREQ("buffer", vaccel_arg_type_name(VACCEL_ARG_BUFFER, buf, sizeof(buf)));
	EXPECT_STREQ("UNKNOWN", vtest_c_arg_type_base_str(300)); // from C: any int is allowed
	EXPECT_STREQ("unknown", vtest_c_arg_type_name(300, buf, sizeof(buf)));
}

// ---- arg array: containers and cursor ---------------------------------------------------------------

TEST(ArgArray, InitGrowAndRelease)
{
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 1));
	EXPECT_EQ(0u, vaccel_arg_array_count(&a));
	int32_t v[5] = {1, 2, 3, 4, 5};
	for (auto &x : v)
		ASSERT_OK(vaccel_arg_array_add_int32(&a, &x)); // grows past the capacity
	EXPECT_EQ(5u, vaccel_arg_array_count(&a));
	EXPECT_GE(a.capacity, 5u);
	ASSERT_NE(nullptr, vaccel_arg_array_raw(&a));
	EXPECT_EQ(&v[2], vaccel_arg_array_raw(&a)[2].buf) << "add borrows";
	EXPECT_OK(vaccel_arg_array_release(&a));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_init(nullptr, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_release(nullptr));
}

TEST(ArgArray, NewDeleteWrapClear)
{
	vaccel_arg_array *a = nullptr;
	ASSERT_OK(vaccel_arg_array_new(&a, 0));
	int8_t x = 1;
	ASSERT_OK(vaccel_arg_array_add_int8(a, &x));
	vaccel_arg_array_clear(a);
	EXPECT_EQ(0u, vaccel_arg_array_count(a));
	EXPECT_EQ(0u, vaccel_arg_array_position(a));
	EXPECT_OK(vaccel_arg_array_delete(a));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_new(nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_delete(nullptr));

	int32_t in = 5;
	vaccel_arg args[2] = {};
	ASSERT_OK(vaccel_arg_init_from_buf(&args[0], &in, sizeof(in), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_arg_init_from_buf(&args[1], &in, sizeof(in), VACCEL_ARG_INT32, 0));
	vaccel_arg_array w{};
	ASSERT_OK(vaccel_arg_array_wrap(&w, args, 2));
	EXPECT_FALSE(w.owned);
	EXPECT_EQ(2u, vaccel_arg_array_count(&w));
	EXPECT_EQ(args, vaccel_arg_array_raw(&w));
	int32_t got = 0;
	ASSERT_OK(vaccel_arg_array_get_int32(&w, &got));
	EXPECT_EQ(5, got);
	EXPECT_OK(vaccel_arg_array_release(&w)); // does not free args[]
	EXPECT_EQ(&in, args[0].buf);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_wrap(nullptr, args, 2));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_wrap(&w, nullptr, 2));
}

TEST(ArgArray, CursorOperations)
{
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 4));
	int16_t v[3] = {10, 20, 30};
	for (auto &x : v)
		ASSERT_OK(vaccel_arg_array_add_int16(&a, &x));
	EXPECT_EQ(3u, vaccel_arg_array_remaining_count(&a));
	int16_t got = 0;
	ASSERT_OK(vaccel_arg_array_get_int16(&a, &got));
	EXPECT_EQ(10, got);
	EXPECT_EQ(1u, vaccel_arg_array_position(&a));
	EXPECT_EQ(2u, vaccel_arg_array_remaining_count(&a));
	vaccel_arg *rest = nullptr;
	size_t n = 0;
	ASSERT_OK(vaccel_arg_array_get_remaining(&a, &rest, &n));
	EXPECT_EQ(2u, n);
	EXPECT_EQ(&v[1], rest[0].buf);
	vaccel_arg_array_set_position(&a, 2);
	ASSERT_OK(vaccel_arg_array_get_int16(&a, &got));
	EXPECT_EQ(30, got);
	EXPECT_EQ(VACCEL_ERANGE, vaccel_arg_array_get_int16(&a, &got)) << "past the end";
	vaccel_arg_array_set_position(&a, 4); // clamped to the count (vAccel 0.8)
	EXPECT_EQ(3u, vaccel_arg_array_position(&a));
	vaccel_arg_array_reset_position(&a);
	EXPECT_EQ(0u, vaccel_arg_array_position(&a));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_remaining(nullptr, &rest, &n));
	EXPECT_EQ(0u, vaccel_arg_array_count(nullptr));
	EXPECT_EQ(nullptr, vaccel_arg_array_raw(nullptr));
	EXPECT_OK(vaccel_arg_array_release(&a));
}

// ---- every typed scalar/array: add, get, set ---------------------------------------------------------

template <typename T>
struct TypedApi;
#define VTEST_TYPED(ctype, name, argtype)                                                                              \
	template <>                                                                                                    \
	struct TypedApi<ctype> {                                                                                       \
		static constexpr vaccel_arg_type_t scalar = argtype;                                                   \
		static constexpr vaccel_arg_type_t array = static_cast<vaccel_arg_type_t>(argtype + 1);                \
		static int add(vaccel_arg_array *a, ctype *v) { return vaccel_arg_array_add_##name(a, v); }            \
		static int add_array(vaccel_arg_array *a, ctype *v, size_t n)                                          \
		{                                                                                                      \
			return vaccel_arg_array_add_##name##_array(a, v, n);                                           \
		}                                                                                                      \
		static int get(vaccel_arg_array *a, ctype *v) { return vaccel_arg_array_get_##name(a, v); }            \
		static int get_array(vaccel_arg_array *a, ctype **v, size_t *n)                                        \
		{                                                                                                      \
			return vaccel_arg_array_get_##name##_array(a, v, n);                                           \
		}                                                                                                      \
		static int set(vaccel_arg_array *a, const ctype *v) { return vaccel_arg_array_set_##name(a, v); }      \
		static int set_array(vaccel_arg_array *a, const ctype *v, size_t n)                                    \
		{                                                                                                      \
			return vaccel_arg_array_set_##name##_array(a, v, n);                                           \
		}                                                                                                      \
	};
VTEST_TYPED(int8_t, int8, VACCEL_ARG_INT8)
VTEST_TYPED(int16_t, int16, VACCEL_ARG_INT16)
VTEST_TYPED(int32_t, int32, VACCEL_ARG_INT32)
VTEST_TYPED(int64_t, int64, VACCEL_ARG_INT64)
VTEST_TYPED(uint8_t, uint8, VACCEL_ARG_UINT8)
VTEST_TYPED(uint16_t, uint16, VACCEL_ARG_UINT16)
VTEST_TYPED(uint32_t, uint32, VACCEL_ARG_UINT32)
VTEST_TYPED(uint64_t, uint64, VACCEL_ARG_UINT64)
VTEST_TYPED(float, float, VACCEL_ARG_FLOAT32)
VTEST_TYPED(double, double, VACCEL_ARG_FLOAT64)
VTEST_TYPED(bool, bool, VACCEL_ARG_BOOL)
VTEST_TYPED(char, char, VACCEL_ARG_CHAR)
#undef VTEST_TYPED
// unsigned char is uint8_t in C++: its UCHAR API is tested separately.

template <typename T>
class ArgArrayTyped : public ::testing::Test {
};
using AllTypes = ::testing::Types<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, float,
				  double, bool, char>;
TYPED_TEST_SUITE(ArgArrayTyped, AllTypes);

TYPED_TEST(ArgArrayTyped, RoundTrip)
{
	using T = TypeParam;
	using Api = TypedApi<T>;
	T scalar = static_cast<T>(1);
	T values[3] = {static_cast<T>(0), static_cast<T>(1), static_cast<T>(1)};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 2));
	ASSERT_OK(Api::add(&a, &scalar));
	ASSERT_OK(Api::add_array(&a, values, 3));
	ASSERT_EQ(2u, vaccel_arg_array_count(&a));
	EXPECT_EQ(Api::scalar, vaccel_arg_array_raw(&a)[0].type);
	EXPECT_EQ(sizeof(T), vaccel_arg_array_raw(&a)[0].size);
	EXPECT_EQ(Api::array, vaccel_arg_array_raw(&a)[1].type);
	EXPECT_EQ(3 * sizeof(T), vaccel_arg_array_raw(&a)[1].size);

	T got{};
	ASSERT_OK(Api::get(&a, &got));
	EXPECT_EQ(scalar, got);
	T *arr = nullptr;
	size_t n = 0;
	ASSERT_OK(Api::get_array(&a, &arr, &n));
	EXPECT_EQ(3u, n);
	EXPECT_EQ(values, arr) << "array get points into the arg";

	// set writes into the borrowed buffers.
	vaccel_arg_array_reset_position(&a);
	const T new_scalar = static_cast<T>(0);
	const T new_values[3] = {static_cast<T>(1), static_cast<T>(0), static_cast<T>(1)};
	ASSERT_OK(Api::set(&a, &new_scalar));
	ASSERT_OK(Api::set_array(&a, new_values, 3));
	EXPECT_EQ(new_scalar, scalar);
	EXPECT_EQ(0, memcmp(values, new_values, sizeof(values)));

	// Type checks: reading the scalar as an array (and vice versa) is EINVAL.
	vaccel_arg_array_reset_position(&a);
	EXPECT_EQ(VACCEL_EINVAL, Api::get_array(&a, &arr, &n));
	vaccel_arg_array_set_position(&a, 1);
	EXPECT_EQ(VACCEL_EINVAL, Api::get(&a, &got));
	// Too many elements for set.
	vaccel_arg_array_set_position(&a, 1);
	const T four[4] = {};
	EXPECT_NE(VACCEL_OK, Api::set_array(&a, four, 4));
	// Past the end.
	vaccel_arg_array_set_position(&a, 2);
	EXPECT_EQ(VACCEL_ERANGE, Api::get(&a, &got));
	EXPECT_EQ(VACCEL_ERANGE, Api::set(&a, &new_scalar));
	// NULLs.
	EXPECT_EQ(VACCEL_EINVAL, Api::add(&a, nullptr));
	EXPECT_EQ(VACCEL_EINVAL, Api::add(nullptr, &scalar));
	EXPECT_EQ(VACCEL_EINVAL, Api::add_array(&a, nullptr, 3));
	vaccel_arg_array_reset_position(&a);
	EXPECT_EQ(VACCEL_EINVAL, Api::get(&a, nullptr));
	EXPECT_EQ(VACCEL_EINVAL, Api::get_array(&a, nullptr, &n));
	EXPECT_EQ(VACCEL_EINVAL, Api::set(&a, nullptr));
	EXPECT_OK(vaccel_arg_array_release(&a));
}

TEST(ArgArray, WrongTypeIsEinval)
{
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 2));
	int32_t i = 3;
	ASSERT_OK(vaccel_arg_array_add_int32(&a, &i));
	uint32_t u = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_uint32(&a, &u));
	EXPECT_EQ(0u, vaccel_arg_array_position(&a)) << "a failed get does not advance";
	float f = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_float(&a, &f));
	int32_t ok = 0;
	EXPECT_OK(vaccel_arg_array_get_int32(&a, &ok));
	EXPECT_EQ(3, ok);
	EXPECT_OK(vaccel_arg_array_release(&a));
}

TEST(ArgArray, UnsignedChar)
{
	unsigned char c = 'z';
	unsigned char arr[2] = {'a', 'b'};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 2));
	ASSERT_OK(vaccel_arg_array_add_uchar(&a, &c));
	ASSERT_OK(vaccel_arg_array_add_uchar_array(&a, arr, 2));
	EXPECT_EQ(VACCEL_ARG_UCHAR, a.args[0].type);
	EXPECT_EQ(VACCEL_ARG_UCHAR_ARRAY, a.args[1].type);
	unsigned char got = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_uint8(&a, &got)) << "UCHAR is not UINT8";
	ASSERT_OK(vaccel_arg_array_get_uchar(&a, &got));
	EXPECT_EQ('z', got);
	unsigned char *p = nullptr;
	size_t n = 0;
	ASSERT_OK(vaccel_arg_array_get_uchar_array(&a, &p, &n));
	EXPECT_EQ(2u, n);
	vaccel_arg_array_reset_position(&a);
	const unsigned char nc = 'y';
	const unsigned char narr[2] = {'c', 'd'};
	ASSERT_OK(vaccel_arg_array_set_uchar(&a, &nc));
	ASSERT_OK(vaccel_arg_array_set_uchar_array(&a, narr, 2));
	EXPECT_EQ('y', c);
	EXPECT_EQ('d', arr[1]);
	EXPECT_OK(vaccel_arg_array_release(&a));
}

TEST(ArgArray, StringBufferRaw)
{
	char text[] = "abc";
	char bytes[6] = {1, 2, 3, 4, 5, 6};
	char raw[2] = {7, 8};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 0));
	ASSERT_OK(vaccel_arg_array_add_string(&a, text));
	ASSERT_OK(vaccel_arg_array_add_buffer(&a, bytes, sizeof(bytes)));
	ASSERT_OK(vaccel_arg_array_add_raw(&a, raw, sizeof(raw)));
	EXPECT_EQ(VACCEL_ARG_STRING, a.args[0].type);
	EXPECT_EQ(4u, a.args[0].size) << "size includes the NUL";
	EXPECT_EQ(VACCEL_ARG_BUFFER, a.args[1].type);
	EXPECT_EQ(VACCEL_ARG_RAW, a.args[2].type);

	char *s = nullptr;
	ASSERT_OK(vaccel_arg_array_get_string(&a, &s));
	EXPECT_STREQ("abc", s);
	void *buf = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_arg_array_get_buffer(&a, &buf, &size));
	EXPECT_EQ(6u, size);
	EXPECT_EQ(static_cast<void *>(bytes), buf);
	ASSERT_OK(vaccel_arg_array_get_raw(&a, &buf, &size));
	EXPECT_EQ(2u, size);

	vaccel_arg_array_reset_position(&a);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_buffer(&a, &buf, &size)) << "STRING is not BUFFER";
	ASSERT_OK(vaccel_arg_array_set_string(&a, "xyz"));
	EXPECT_STREQ("xyz", text);
	const char nb[3] = {9, 9, 9};
	ASSERT_OK(vaccel_arg_array_set_buffer(&a, nb, sizeof(nb)));
	EXPECT_EQ(9, bytes[2]);
	const char nr[2] = {0, 0};
	ASSERT_OK(vaccel_arg_array_set_raw(&a, nr, sizeof(nr)));
	EXPECT_EQ(0, raw[1]);

	vaccel_arg_array_reset_position(&a);
	EXPECT_NE(VACCEL_OK, vaccel_arg_array_set_string(&a, "too long for it")) << "no room";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_string(&a, nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_buffer(&a, nullptr, 3));
	EXPECT_OK(vaccel_arg_array_release(&a));
}

// ---- custom args and validators ----------------------------------------------------------------------

struct Point {
	int32_t x, y;
};
constexpr uint32_t kPointId = 1234;

bool accept_any(const void *, size_t, uint32_t)
{
	return true;
}

bool point_validator(const void *buf, size_t size, uint32_t id)
{
	if (id != kPointId || size != sizeof(Point))
		return false;
	Point p;
	memcpy(&p, buf, sizeof(p));
	return p.x >= 0 && p.y >= 0;
}

TEST(ArgArray, CustomWithValidator)
{
	Point good{1, 2}, bad{-1, 0};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 2));
	ASSERT_OK(vaccel_arg_array_add_custom(&a, kPointId, &good, sizeof(good), point_validator));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_custom(&a, kPointId, &bad, sizeof(bad), point_validator));
	EXPECT_EQ(1u, vaccel_arg_array_count(&a)) << "a rejected arg is not appended";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_custom(&a, kPointId, &bad, sizeof(bad), nullptr))
		<< "a validator is required (vAccel 0.8)";
	ASSERT_OK(vaccel_arg_array_add_custom(&a, kPointId, &bad, sizeof(bad), accept_any));
	EXPECT_EQ(VACCEL_ARG_CUSTOM, a.args[0].type);
	EXPECT_EQ(kPointId, a.args[0].custom_type_id);

	void *buf = nullptr;
	size_t size = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_custom(&a, kPointId + 1, &buf, &size, accept_any))
		<< "id mismatch";
	ASSERT_OK(vaccel_arg_array_get_custom(&a, kPointId, &buf, &size, point_validator));
	EXPECT_EQ(sizeof(Point), size);
	EXPECT_EQ(1, static_cast<Point *>(buf)->x);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_custom(&a, kPointId, &buf, &size, point_validator))
		<< "validator rejects the stored bad point";

	vaccel_arg_array_reset_position(&a);
	Point next{5, 6};
	ASSERT_OK(vaccel_arg_array_set_custom(&a, kPointId, &next, sizeof(next), point_validator));
	EXPECT_EQ(5, good.x);
	Point neg{-5, 6};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_set_custom(&a, kPointId, &neg, sizeof(neg), point_validator));
	EXPECT_OK(vaccel_arg_array_release(&a));
}

// ---- serialized args ------------------------------------------------------------------------------------

// Serializes a Point as "x,y" text.
int point_serializer(const void *data, size_t data_size, uint32_t id, void **buf, size_t *size)
{
	if (data_size != sizeof(Point) || id != kPointId)
		return VACCEL_EINVAL;
	const Point *p = static_cast<const Point *>(data);
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%d,%d", p->x, p->y);
	*buf = malloc(static_cast<size_t>(n) + 1);
	if (*buf == nullptr)
		return VACCEL_ENOMEM;
	memcpy(*buf, tmp, static_cast<size_t>(n) + 1);
	*size = static_cast<size_t>(n) + 1;
	return VACCEL_OK;
}

int point_deserializer(const void *buf, size_t size, uint32_t id, size_t data_size, void *data)
{
	if (data_size != sizeof(Point) || id != kPointId || size == 0)
		return VACCEL_EINVAL;
	Point *p = static_cast<Point *>(data);
	return sscanf(static_cast<const char *>(buf), "%d,%d", &p->x, &p->y) == 2 ? VACCEL_OK : VACCEL_EINVAL;
}

TEST(ArgArray, SerializedRoundTrip)
{
	Point in{12, 34};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 1));
	ASSERT_OK(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_CUSTOM, kPointId, &in, sizeof(in), point_serializer));
	ASSERT_EQ(1u, vaccel_arg_array_count(&a));
	EXPECT_TRUE(a.args[0].owned) << "serializer output is owned by the array";
	EXPECT_STREQ("12,34", static_cast<char *>(a.args[0].buf));
	Point out{};
	ASSERT_OK(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_CUSTOM, kPointId, &out, sizeof(out),
						  point_deserializer));
	EXPECT_EQ(12, out.x);
	EXPECT_EQ(34, out.y);

	vaccel_arg_array_reset_position(&a);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_serialized(&a, VACCEL_ARG_BUFFER, kPointId, &out, sizeof(out),
								 point_deserializer))
		<< "type mismatch";
	vaccel_arg_array_reset_position(&a);
	Point small{1, 2}; // "1,2" fits in the "12,34" slot
	ASSERT_OK(vaccel_arg_array_set_serialized(&a, VACCEL_ARG_CUSTOM, kPointId, &small, sizeof(small),
						  point_serializer));
	vaccel_arg_array_reset_position(&a);
	ASSERT_OK(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_CUSTOM, kPointId, &out, sizeof(out),
						  point_deserializer));
	EXPECT_EQ(1, out.x);
	EXPECT_EQ(2, out.y);
	// A serializer error propagates and appends nothing.
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_serialized(&a, VACCEL_ARG_CUSTOM, kPointId + 1, &in, sizeof(in),
								 point_serializer));
	EXPECT_EQ(1u, vaccel_arg_array_count(&a));
	EXPECT_EQ(VACCEL_EINVAL,
		  vaccel_arg_array_add_serialized(&a, VACCEL_ARG_CUSTOM, kPointId, &in, sizeof(in), nullptr));
	EXPECT_OK(vaccel_arg_array_release(&a));
}

// ---- ranges ------------------------------------------------------------------------------------------

TEST(ArgArray, AddRangeRemainingAll)
{
	int32_t v[4] = {1, 2, 3, 4};
	vaccel_arg_array src{}, borrowed{}, copied{}, all{};
	ASSERT_OK(vaccel_arg_array_init(&src, 4));
	for (auto &x : v)
		ASSERT_OK(vaccel_arg_array_add_int32(&src, &x));
	ASSERT_OK(vaccel_arg_array_init(&borrowed, 0));
	ASSERT_OK(vaccel_arg_array_add_range(&borrowed, &src, 1, 2, false));
	ASSERT_EQ(2u, vaccel_arg_array_count(&borrowed));
	EXPECT_EQ(&v[1], borrowed.args[0].buf);

	ASSERT_OK(vaccel_arg_array_init(&copied, 0));
	int32_t skip = 0;
	ASSERT_OK(vaccel_arg_array_get_int32(&src, &skip));
	ASSERT_OK(vaccel_arg_array_add_remaining(&copied, &src, true));
	ASSERT_EQ(3u, vaccel_arg_array_count(&copied));
	EXPECT_NE(static_cast<void *>(&v[1]), copied.args[0].buf);
	EXPECT_TRUE(copied.args[0].owned);
	v[1] = 200;
	int32_t got = 0;
	ASSERT_OK(vaccel_arg_array_get_int32(&copied, &got));
	EXPECT_EQ(2, got) << "deep copy";

	ASSERT_OK(vaccel_arg_array_init(&all, 0));
	ASSERT_OK(vaccel_arg_array_add_all(&all, &src, false));
	EXPECT_EQ(4u, vaccel_arg_array_count(&all));

	EXPECT_EQ(VACCEL_ERANGE, vaccel_arg_array_add_range(&all, &src, 3, 2, false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_range(nullptr, &src, 0, 1, false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_all(&all, nullptr, false));
	for (auto *arr : {&src, &borrowed, &copied, &all})
		EXPECT_OK(vaccel_arg_array_release(arr));
}

// ---- deprecated arg list ---------------------------------------------------------------------------

void *int_to_text(void *in, uint32_t *size)
{
	char *out = static_cast<char *>(malloc(16));
	*size = static_cast<uint32_t>(snprintf(out, 16, "%d", *static_cast<int *>(in)) + 1);
	return out;
}

// For write_nonserial: the runtime copies the result and does not free it
// (seed-era serializers may return memory they own), so return static storage.
void *int_to_static_text(void *in, uint32_t *size)
{
	static thread_local char out[16];
	*size = static_cast<uint32_t>(snprintf(out, sizeof(out), "%d", *static_cast<int *>(in)) + 1);
	return out;
}

void *text_to_int(void *buf, uint32_t size)
{
	(void)size;
	static thread_local int value;
	value = atoi(static_cast<char *>(buf));
	return &value;
}

TEST(ArgList, SeedEraHelpers)
{
	vaccel_arg_list *list = vaccel_args_init(4);
	ASSERT_NE(nullptr, list);
	EXPECT_EQ(4u, list->size);
	int in = 21, out = 0, number = 77;
	ASSERT_OK(vaccel_add_serial_arg(list, &in, sizeof(in)));
	ASSERT_OK(vaccel_add_nonserial_arg(list, &number, 0, int_to_text));
	ASSERT_OK(vaccel_expect_serial_arg(list, &out, sizeof(out)));
	ASSERT_OK(vaccel_expect_nonserial_arg(list, 16));
	EXPECT_EQ(4, list->curr_idx);
	EXPECT_NE(VACCEL_OK, vaccel_add_serial_arg(list, &in, sizeof(in))) << "list is full";

	EXPECT_EQ(&in, vaccel_extract_serial_arg(list->list, 0));
	EXPECT_STREQ("77", static_cast<char *>(list->list[1].buf));
	EXPECT_EQ(77, *static_cast<int *>(vaccel_extract_nonserial_arg(list->list, 1, text_to_int)));

	int result = 42;
	ASSERT_OK(vaccel_write_serial_arg(list->list, 2, &result));
	EXPECT_EQ(42, out);
	int produced = 1234;
	ASSERT_OK(vaccel_write_nonserial_arg(list->list, 3, &produced, int_to_static_text));
	EXPECT_STREQ("1234", static_cast<char *>(list->list[3].buf));
	EXPECT_OK(vaccel_delete_args(list));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_delete_args(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_add_serial_arg(nullptr, &in, sizeof(in)));
}

} // namespace
