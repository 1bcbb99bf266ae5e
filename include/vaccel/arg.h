/* SPDX-License-Identifier: Apache-2.0 */
/* Operation arguments: typed byte buffers, and vaccel_arg_array, a
 * sequential typed builder/reader used by genop, exec and plugins.
 *
 * Ownership: an arg with owned=true frees its buf on release; owned=false
 * borrows the caller's memory (which must outlive the arg). Write args of an
 * op must borrow the caller's output memory so results land there. */
#ifndef VACCEL_ARG_H
#define VACCEL_ARG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "utils/enum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of the enum's 0.8 items (see utils/enum.h). */
#define VACCEL_ARG_TYPE_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                    \
	VACCEL_ENUM_ITEM(RAW, 0, VACCEL_ARG)                                                                           \
	VACCEL_ENUM_ITEM(INT8, VACCEL_ARG)                                                                             \
	VACCEL_ENUM_ITEM(INT8_ARRAY, VACCEL_ARG)                                                                       \
	VACCEL_ENUM_ITEM(INT16, VACCEL_ARG)                                                                            \
	VACCEL_ENUM_ITEM(INT16_ARRAY, VACCEL_ARG)                                                                      \
	VACCEL_ENUM_ITEM(INT32, VACCEL_ARG)                                                                            \
	VACCEL_ENUM_ITEM(INT32_ARRAY, VACCEL_ARG)                                                                      \
	VACCEL_ENUM_ITEM(INT64, VACCEL_ARG)                                                                            \
	VACCEL_ENUM_ITEM(INT64_ARRAY, VACCEL_ARG)                                                                      \
	VACCEL_ENUM_ITEM(UINT8, VACCEL_ARG)                                                                            \
	VACCEL_ENUM_ITEM(UINT8_ARRAY, VACCEL_ARG)                                                                      \
	VACCEL_ENUM_ITEM(UINT16, VACCEL_ARG)                                                                           \
	VACCEL_ENUM_ITEM(UINT16_ARRAY, VACCEL_ARG)                                                                     \
	VACCEL_ENUM_ITEM(UINT32, VACCEL_ARG)                                                                           \
	VACCEL_ENUM_ITEM(UINT32_ARRAY, VACCEL_ARG)                                                                     \
	VACCEL_ENUM_ITEM(UINT64, VACCEL_ARG)                                                                           \
	VACCEL_ENUM_ITEM(UINT64_ARRAY, VACCEL_ARG)                                                                     \
	VACCEL_ENUM_ITEM(FLOAT32, VACCEL_ARG)                                                                          \
	VACCEL_ENUM_ITEM(FLOAT32_ARRAY, VACCEL_ARG)                                                                    \
	VACCEL_ENUM_ITEM(FLOAT64, VACCEL_ARG)                                                                          \
	VACCEL_ENUM_ITEM(FLOAT64_ARRAY, VACCEL_ARG)                                                                    \
	VACCEL_ENUM_ITEM(BOOL, VACCEL_ARG)                                                                             \
	VACCEL_ENUM_ITEM(BOOL_ARRAY, VACCEL_ARG)                                                                       \
	VACCEL_ENUM_ITEM(CHAR, VACCEL_ARG)                                                                             \
	VACCEL_ENUM_ITEM(CHAR_ARRAY, VACCEL_ARG)                                                                       \
	VACCEL_ENUM_ITEM(UCHAR, VACCEL_ARG)                                                                            \
	VACCEL_ENUM_ITEM(UCHAR_ARRAY, VACCEL_ARG)                                                                      \
	VACCEL_ENUM_ITEM(STRING, VACCEL_ARG)                                                                           \
	VACCEL_ENUM_ITEM(BUFFER, VACCEL_ARG)                                                                           \
	VACCEL_ENUM_ITEM(CUSTOM, VACCEL_ARG)

typedef enum vaccel_arg_type {
	VACCEL_ARG_RAW = 0,
	VACCEL_ARG_INT8 = 1,
	VACCEL_ARG_INT8_ARRAY = 2,
	VACCEL_ARG_INT16 = 3,
	VACCEL_ARG_INT16_ARRAY = 4,
	VACCEL_ARG_INT32 = 5,
	VACCEL_ARG_INT32_ARRAY = 6,
	VACCEL_ARG_INT64 = 7,
	VACCEL_ARG_INT64_ARRAY = 8,
	VACCEL_ARG_UINT8 = 9,
	VACCEL_ARG_UINT8_ARRAY = 10,
	VACCEL_ARG_UINT16 = 11,
	VACCEL_ARG_UINT16_ARRAY = 12,
	VACCEL_ARG_UINT32 = 13,
	VACCEL_ARG_UINT32_ARRAY = 14,
	VACCEL_ARG_UINT64 = 15,
	VACCEL_ARG_UINT64_ARRAY = 16,
	VACCEL_ARG_FLOAT32 = 17,
	VACCEL_ARG_FLOAT32_ARRAY = 18,
	VACCEL_ARG_FLOAT64 = 19,
	VACCEL_ARG_FLOAT64_ARRAY = 20,
	VACCEL_ARG_BOOL = 21,
	VACCEL_ARG_BOOL_ARRAY = 22,
	VACCEL_ARG_CHAR = 23,
	VACCEL_ARG_CHAR_ARRAY = 24,
	VACCEL_ARG_UCHAR = 25,
	VACCEL_ARG_UCHAR_ARRAY = 26,
	VACCEL_ARG_STRING = 27, /* NUL-terminated; size includes the NUL */
	VACCEL_ARG_BUFFER = 28, /* opaque bytes */
	VACCEL_ARG_CUSTOM = 29, /* opaque bytes tagged with custom_type_id */
	VACCEL_ARG_MAX
} vaccel_arg_type_t;

VACCEL_ENUM_STR_FUNCS_DECL(vaccel_arg_type_t, vaccel_arg_type)

struct vaccel_arg {
	void *buf;
	size_t size;
	vaccel_arg_type_t type;
	uint32_t custom_type_id;
	bool owned;
};

/* Callbacks for custom and serialized args. The *_fn names are vAccel 0.8's;
 * the *_t names are this runtime's older spelling of the same types. */
typedef bool (*vaccel_arg_type_validator_fn)(const void *buf, size_t size, uint32_t custom_id);
/* Serializes `data` into a malloc'd *buf of *size bytes. */
typedef int (*vaccel_arg_serializer_fn)(const void *data, size_t data_size, uint32_t custom_id, void **buf,
					size_t *size);
/* Deserializes `buf` into caller memory `data` of data_size bytes. */
typedef int (*vaccel_arg_deserializer_fn)(const void *buf, size_t size, uint32_t custom_id, size_t data_size,
					  void *data);
typedef vaccel_arg_type_validator_fn vaccel_arg_custom_validator_t;
typedef vaccel_arg_serializer_fn vaccel_arg_serializer_t;
typedef vaccel_arg_deserializer_fn vaccel_arg_deserializer_t;

/* X-macro over the numeric arg types: X(name, C type, scalar type, array type). */
#define VACCEL_ARG_NUMERIC_TYPES(X)                                                                                    \
	X(int8, int8_t, VACCEL_ARG_INT8, VACCEL_ARG_INT8_ARRAY)                                                        \
	X(int16, int16_t, VACCEL_ARG_INT16, VACCEL_ARG_INT16_ARRAY)                                                    \
	X(int32, int32_t, VACCEL_ARG_INT32, VACCEL_ARG_INT32_ARRAY)                                                    \
	X(int64, int64_t, VACCEL_ARG_INT64, VACCEL_ARG_INT64_ARRAY)                                                    \
	X(uint8, uint8_t, VACCEL_ARG_UINT8, VACCEL_ARG_UINT8_ARRAY)                                                    \
	X(uint16, uint16_t, VACCEL_ARG_UINT16, VACCEL_ARG_UINT16_ARRAY)                                                \
	X(uint32, uint32_t, VACCEL_ARG_UINT32, VACCEL_ARG_UINT32_ARRAY)                                                \
	X(uint64, uint64_t, VACCEL_ARG_UINT64, VACCEL_ARG_UINT64_ARRAY)                                                \
	X(float, float, VACCEL_ARG_FLOAT32, VACCEL_ARG_FLOAT32_ARRAY)                                                  \
	X(double, double, VACCEL_ARG_FLOAT64, VACCEL_ARG_FLOAT64_ARRAY)                                                \
	X(bool, bool, VACCEL_ARG_BOOL, VACCEL_ARG_BOOL_ARRAY)                                                          \
	X(char, char, VACCEL_ARG_CHAR, VACCEL_ARG_CHAR_ARRAY)                                                          \
	X(uchar, unsigned char, VACCEL_ARG_UCHAR, VACCEL_ARG_UCHAR_ARRAY)

/* Copies `buf` (owned=true). As in vAccel 0.8, size 0 or a NULL buf is
 * VACCEL_EINVAL (init_from_buf too). */
int vaccel_arg_init(struct vaccel_arg *arg, const void *buf, size_t size, vaccel_arg_type_t type,
		    uint32_t custom_type_id);
/* Borrows `buf` (owned=false). */
int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size, vaccel_arg_type_t type,
			     uint32_t custom_type_id);
/* Frees buf if owned; resets the arg (buf NULL, size 0, type VACCEL_ARG_MAX,
 * as in vAccel 0.8). */
int vaccel_arg_release(struct vaccel_arg *arg);
int vaccel_arg_new(struct vaccel_arg **arg, const void *buf, size_t size, vaccel_arg_type_t type,
		   uint32_t custom_type_id);
int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size, vaccel_arg_type_t type,
			uint32_t custom_type_id);
int vaccel_arg_delete(struct vaccel_arg *arg);

/* ---- vaccel_arg_array -------------------------------------------------
 * A growable array of args with a read/write cursor (`position`). add_*
 * appends (borrowing the caller's memory unless stated), get_* reads the
 * arg at the cursor with a type check and advances (VACCEL_EINVAL on type
 * or size mismatch, VACCEL_ERANGE past the end), set_* copies a value into
 * the buffer of the arg at the cursor (which must be large enough) and
 * advances. Not thread-safe per array. */
struct vaccel_arg_array {
	struct vaccel_arg *args;
	size_t count;
	size_t capacity;
	size_t position;
	bool owned; /* args storage allocated by the array */
};

/* Allocates room for `capacity` args; capacity 0 still allocates a minimal
 * array (vAccel 0.8). */
int vaccel_arg_array_init(struct vaccel_arg_array *array, size_t capacity);
int vaccel_arg_array_release(struct vaccel_arg_array *array);
int vaccel_arg_array_new(struct vaccel_arg_array **array, size_t capacity);
int vaccel_arg_array_delete(struct vaccel_arg_array *array);
/* Wraps an existing args[] (not owned) for reading/writing. */
int vaccel_arg_array_wrap(struct vaccel_arg_array *array, struct vaccel_arg *args, size_t count);
/* Releases all args (owned buffers freed), count and position back to 0.
 * NULL: nothing (logged). */
void vaccel_arg_array_clear(struct vaccel_arg_array *array);
size_t vaccel_arg_array_count(const struct vaccel_arg_array *array);
struct vaccel_arg *vaccel_arg_array_raw(struct vaccel_arg_array *array);
size_t vaccel_arg_array_position(const struct vaccel_arg_array *array);
/* Moves the cursor; a position past the end is clamped to the count
 * (vAccel 0.8). NULL: nothing (logged). */
void vaccel_arg_array_set_position(struct vaccel_arg_array *array, size_t position);
void vaccel_arg_array_reset_position(struct vaccel_arg_array *array);
size_t vaccel_arg_array_remaining_count(const struct vaccel_arg_array *array);
/* Points *args at the args from the cursor on; *count = how many. */
int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array, struct vaccel_arg **args, size_t *count);

/* Untyped. */
int vaccel_arg_array_add_raw(struct vaccel_arg_array *array, void *buf, size_t size);
int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf, size_t *size);
int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, const void *buf, size_t size);

/* Typed scalars and arrays: add borrows `value`; get copies the scalar out,
 * or points *value into the arg's buffer for arrays; set writes into the
 * next arg's buffer. */
#define VACCEL_ARG_ARRAY_DECLARE_ADD_FUNCS(TYPE_NAME, C_TYPE, ARG_TYPE, ARRAY_TYPE)                                    \
	int vaccel_arg_array_add_##TYPE_NAME(struct vaccel_arg_array *array, C_TYPE *value);                           \
	int vaccel_arg_array_add_##TYPE_NAME##_array(struct vaccel_arg_array *array, C_TYPE *values, size_t count);
/* get_<T>_array: `count` may be NULL (vAccel 0.8). */
#define VACCEL_ARG_ARRAY_DECLARE_GET_FUNCS(TYPE_NAME, C_TYPE, ARG_TYPE, ARRAY_TYPE)                                    \
	int vaccel_arg_array_get_##TYPE_NAME(struct vaccel_arg_array *array, C_TYPE *value);                           \
	int vaccel_arg_array_get_##TYPE_NAME##_array(struct vaccel_arg_array *array, C_TYPE **values, size_t *count);
#define VACCEL_ARG_ARRAY_DECLARE_SET_FUNCS(TYPE_NAME, C_TYPE, ARG_TYPE, ARRAY_TYPE)                                    \
	int vaccel_arg_array_set_##TYPE_NAME(struct vaccel_arg_array *array, const C_TYPE *value);                     \
	int vaccel_arg_array_set_##TYPE_NAME##_array(struct vaccel_arg_array *array, const C_TYPE *values,             \
						     size_t count);

VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_ADD_FUNCS)
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_GET_FUNCS)
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_SET_FUNCS)

/* Strings (STRING, size includes the NUL) and buffers (BUFFER). */
int vaccel_arg_array_add_string(struct vaccel_arg_array *array, char *value);
int vaccel_arg_array_get_string(struct vaccel_arg_array *array, char **value);
int vaccel_arg_array_set_string(struct vaccel_arg_array *array, const char *value);
int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf, size_t size);
int vaccel_arg_array_get_buffer(struct vaccel_arg_array *array, void **buf, size_t *size);
int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, const void *buf, size_t size);

/* CUSTOM args: the validator must accept the bytes; as in vAccel 0.8 a NULL
 * validator is VACCEL_EINVAL. get checks custom_type_id == expected_id. */
int vaccel_arg_array_add_custom(struct vaccel_arg_array *array, uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator);
int vaccel_arg_array_get_custom(struct vaccel_arg_array *array, uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator);
int vaccel_arg_array_set_custom(struct vaccel_arg_array *array, uint32_t custom_id, const void *buf, size_t size,
				vaccel_arg_type_validator_fn validator);

/* Serialized args: the serializer output is owned by the array; get
 * deserializes into caller memory `data` of `data_size` bytes. */
int vaccel_arg_array_add_serialized(struct vaccel_arg_array *array, vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size, vaccel_arg_serializer_fn serializer);
int vaccel_arg_array_get_serialized(struct vaccel_arg_array *array, vaccel_arg_type_t type, uint32_t custom_id,
				    void *data, size_t data_size, vaccel_arg_deserializer_fn deserializer);
int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array, vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size, vaccel_arg_serializer_fn serializer);

/* Appends src args [start, start+n) / from src's cursor / all of src to
 * dst. copy=true deep-copies buffers (owned), else borrows them. */
int vaccel_arg_array_add_range(struct vaccel_arg_array *dst, const struct vaccel_arg_array *src, size_t start, size_t n,
			       bool copy);
int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dst, const struct vaccel_arg_array *src, bool copy);
int vaccel_arg_array_add_all(struct vaccel_arg_array *dst, const struct vaccel_arg_array *src, bool copy);

/* ---- Deprecated seed-era arg list --------------------------------------
 * Kept so that vaccelrt-era applications build and run. */
struct vaccel_arg_list {
	uint32_t size;
	struct vaccel_arg *list;
	int curr_idx;
	int *idcs_allocated_space; /* 1 where the list allocated buf */
};

/* NULL on allocation failure. */
struct vaccel_arg_list *vaccel_args_init(uint32_t size) __attribute__((deprecated));
/* Appends a borrowed buffer. */
int vaccel_add_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size) __attribute__((deprecated));
/* Appends serializer(buf, &size) (allocated, owned by the list). */
int vaccel_add_nonserial_arg(struct vaccel_arg_list *args, void *buf, uint32_t argtype,
			     void *(*serializer)(void *, uint32_t *)) __attribute__((deprecated));
/* Appends an output slot borrowing `buf`. */
int vaccel_expect_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size) __attribute__((deprecated));
/* Appends an allocated output slot of expected_size bytes. */
int vaccel_expect_nonserial_arg(struct vaccel_arg_list *args, uint32_t expected_size) __attribute__((deprecated));
/* Pointer to args[idx].buf (NULL if out of range is not detectable: caller
 * passes a valid idx). */
void *vaccel_extract_serial_arg(struct vaccel_arg *args, int idx) __attribute__((deprecated));
/* deserializer(args[idx].buf, size). */
void *vaccel_extract_nonserial_arg(struct vaccel_arg *args, int idx, void *(*deserializer)(void *, uint32_t))
	__attribute__((deprecated));
/* Copies args[idx].size bytes of buf into args[idx].buf. */
int vaccel_write_serial_arg(struct vaccel_arg *args, int idx, void *buf) __attribute__((deprecated));
/* Serializes buf into args[idx].buf (must fit). */
int vaccel_write_nonserial_arg(struct vaccel_arg *args, int idx, void *buf, void *(*serializer)(void *, uint32_t *))
	__attribute__((deprecated));
/* Frees the list and everything it allocated. */
int vaccel_delete_args(struct vaccel_arg_list *args) __attribute__((deprecated));

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_ARG_H */
