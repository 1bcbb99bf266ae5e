/* SPDX-License-Identifier: Apache-2.0 */
/* File helpers kept for code written against vAccel 0.8, whose examples read
 * their inputs with fs_file_read() from the library's utils/fs.h. Only that
 * function is provided. Thread-safe. */
#ifndef VACCEL_UTILS_FS_H
#define VACCEL_UTILS_FS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the whole regular file `path` into a new malloc'd buffer stored in
 * *data (caller frees with free()) and its length in *size. VACCEL_EINVAL on
 * NULL arguments or a path that is not a regular file, VACCEL_ENOENT if it
 * does not exist, another errno value (VACCEL_EACCES, VACCEL_EIO, ...) if it
 * cannot be read, VACCEL_ENOMEM. On failure *data and *size are untouched. */
int fs_file_read(const char *path, void **data, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_UTILS_FS_H */
