/* SPDX-License-Identifier: Apache-2.0 */
/* Enum helpers.
 *
 * 1. String functions exported by libvaccel for every public enum X_t:
 *   const char *X_to_str(X_t v);       full constant name, e.g. "VACCEL_OP_NOOP"
 *   const char *X_to_base_str(X_t v);  name without prefix, e.g. "NOOP"
 *   char *X_name(X_t v, char *buf, size_t size);
 *                                       lower-case base name written to buf
 *                                       (e.g. "noop"); returns buf, or NULL if
 *                                       buf is NULL or too small.
 * Out-of-range values give "UNKNOWN" / "unknown". Thread-safe, no allocation.
 * VACCEL_ENUM_STR_MAX is a buffer size that fits every name.
 *
 * 2. The vAccel 0.8 X-macro helpers, for code that defines its own enums the
 * way the 0.8 headers do. A list macro takes an item macro and applies it to
 * (NAME, [VALUE,] PREFIX) triples:
 *
 *   #define MY_COLOR_ENUM_LIST(VACCEL_ENUM_ITEM) \
 *           VACCEL_ENUM_ITEM(RED, 1, MY_COLOR) VACCEL_ENUM_ITEM(BLUE, MY_COLOR)
 *   VACCEL_ENUM_DEF_WITH_STR_FUNCS(my_color, MY_COLOR, MY_COLOR_ENUM_LIST)
 *
 * defines `typedef enum {MY_COLOR_RED = 1, MY_COLOR_BLUE, MY_COLOR_MAX}
 * my_color_t;` and static inline my_color_to_str() ("MY_COLOR_RED"; unknown
 * values give "MY_COLOR_MAX") and my_color_to_base_str() ("RED"; "MAX").
 * The public enums' lists are VACCEL_<ENUM>_ENUM_LIST in their headers (e.g.
 * VACCEL_OP_TYPE_ENUM_LIST); they hold the 0.8 items only. */
#ifndef VACCEL_UTILS_ENUM_H
#define VACCEL_UTILS_ENUM_H

#include <stddef.h>

#define VACCEL_ENUM_STR_MAX 256

#define VACCEL_ENUM_STR_FUNCS_DECL(enum_t, prefix)                                                                     \
	const char *prefix##_to_str(enum_t value);                                                                     \
	const char *prefix##_to_base_str(enum_t value);                                                                \
	char *prefix##_name(enum_t value, char *buf, size_t size);

/* Picks the 3-argument (NAME, VALUE, PREFIX) or 2-argument (NAME, PREFIX)
 * form of a helper by counting arguments. */
#define VACCEL_ENUM_GET_MACRO(_1, _2, _3, NAME, ...) NAME

#define VACCEL_ENUM_ITEM_NO_VALUE(name, prefix) prefix##_##name
#define VACCEL_ENUM_ITEM_WITH_VALUE(name, value, prefix) prefix##_##name = value
/* One enumerator followed by a comma. */
#define VACCEL_ENUM_ITEM(...)                                                                                          \
	VACCEL_ENUM_GET_MACRO(__VA_ARGS__, VACCEL_ENUM_ITEM_WITH_VALUE, VACCEL_ENUM_ITEM_NO_VALUE, unused)(__VA_ARGS__),

/* "PREFIX_NAME" as a string literal. */
#define VACCEL_ENUM_STR(name, prefix) #prefix "_" #name

#define VACCEL_ENUM_STR_CASE_NO_VALUE(name, prefix)                                                                    \
	case prefix##_##name:                                                                                          \
		return VACCEL_ENUM_STR(name, prefix);
#define VACCEL_ENUM_STR_CASE_WITH_VALUE(name, value, prefix) VACCEL_ENUM_STR_CASE_NO_VALUE(name, prefix)
/* A switch case returning "PREFIX_NAME". */
#define VACCEL_ENUM_STR_CASE(...)                                                                                      \
	VACCEL_ENUM_GET_MACRO(__VA_ARGS__, VACCEL_ENUM_STR_CASE_WITH_VALUE, VACCEL_ENUM_STR_CASE_NO_VALUE, unused)     \
	(__VA_ARGS__)

#define VACCEL_ENUM_BASE_STR_CASE_NO_VALUE(name, prefix)                                                               \
	case prefix##_##name:                                                                                          \
		return #name;
#define VACCEL_ENUM_BASE_STR_CASE_WITH_VALUE(name, value, prefix) VACCEL_ENUM_BASE_STR_CASE_NO_VALUE(name, prefix)
/* A switch case returning "NAME". */
#define VACCEL_ENUM_BASE_STR_CASE(...)                                                                                 \
	VACCEL_ENUM_GET_MACRO(__VA_ARGS__, VACCEL_ENUM_BASE_STR_CASE_WITH_VALUE, VACCEL_ENUM_BASE_STR_CASE_NO_VALUE,   \
			      unused)                                                                                  \
	(__VA_ARGS__)

/* The items of a list plus a PREFIX_MAX sentinel. */
#define VACCEL_ENUM_DEF_ITEMS(prefix, VACCEL_ENUM_LIST)                                                                \
	VACCEL_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                             \
	VACCEL_ENUM_ITEM(MAX, prefix)

/* static inline name_to_str() / name_to_base_str() over a list. */
#define VACCEL_ENUM_DEF_STR_FUNCS(name, prefix, VACCEL_ENUM_LIST)                                                      \
	static inline const char *name##_to_str(name##_t value)                                                        \
	{                                                                                                              \
		switch (value) {                                                                                       \
			VACCEL_ENUM_LIST(VACCEL_ENUM_STR_CASE)                                                         \
		default:                                                                                               \
			return VACCEL_ENUM_STR(MAX, prefix);                                                           \
		}                                                                                                      \
	}                                                                                                              \
	static inline const char *name##_to_base_str(name##_t value)                                                   \
	{                                                                                                              \
		switch (value) {                                                                                       \
			VACCEL_ENUM_LIST(VACCEL_ENUM_BASE_STR_CASE)                                                    \
		default:                                                                                               \
			return "MAX";                                                                                  \
		}                                                                                                      \
	}

/* typedef enum {...} name_t; plus the string functions. */
#define VACCEL_ENUM_DEF_WITH_STR_FUNCS(name, prefix, VACCEL_ENUM_LIST)                                                 \
	typedef enum { VACCEL_ENUM_DEF_ITEMS(prefix, VACCEL_ENUM_LIST) } name##_t;                                     \
	VACCEL_ENUM_DEF_STR_FUNCS(name, prefix, VACCEL_ENUM_LIST)

#endif /* VACCEL_UTILS_ENUM_H */
