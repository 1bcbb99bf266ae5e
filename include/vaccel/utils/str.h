/* SPDX-License-Identifier: Apache-2.0 */
/* String utilities. */
#ifndef VACCEL_UTILS_STR_H
#define VACCEL_UTILS_STR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the lower-case copy of `str` into `lower` (of `size` bytes) or, if
 * `lower` is NULL and `alloc_lower` is non-NULL, into a new malloc'd string
 * stored in *alloc_lower (caller frees). As in vAccel 0.8, a `lower` buffer
 * too small for the whole string receives the first size-1 characters and
 * the call still returns VACCEL_OK. VACCEL_EINVAL on NULL input or a `lower`
 * of size 0, VACCEL_ENOMEM. Thread-safe. */
int vaccel_str_to_lower(const char *str, char *lower, size_t size, char **alloc_lower);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_UTILS_STR_H */
