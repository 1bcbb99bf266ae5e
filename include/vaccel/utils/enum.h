/* SPDX-License-Identifier: Apache-2.0 */
/* String helpers declared for every public enum X_t:
 *   const char *X_to_str(X_t v);       full constant name, e.g. "VACCEL_OP_NOOP"
 *   const char *X_to_base_str(X_t v);  name without prefix, e.g. "NOOP"
 *   const char *X_name(X_t v, char *buf, size_t size);
 *                                       lower-case base name written to buf
 *                                       (e.g. "noop"); returns buf, or NULL if
 *                                       buf is NULL or too small.
 * Out-of-range values give "UNKNOWN" / "unknown". Thread-safe, no allocation. */
#ifndef VACCEL_UTILS_ENUM_H
#define VACCEL_UTILS_ENUM_H

#include <stddef.h>

#define VACCEL_ENUM_STR_FUNCS_DECL(enum_t, prefix)                        \
	const char *prefix##_to_str(enum_t value);                          \
	const char *prefix##_to_base_str(enum_t value);                     \
	const char *prefix##_name(enum_t value, char *buf, size_t size);

#endif /* VACCEL_UTILS_ENUM_H */
