/* SPDX-License-Identifier: Apache-2.0 */
/* Kinds of resource paths. */
#ifndef VACCEL_UTILS_PATH_H
#define VACCEL_UTILS_PATH_H

#include <stdbool.h>
#include "enum.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vaccel_path_type {
	VACCEL_PATH_LOCAL_FILE = 0,  /* a file on this machine */
	VACCEL_PATH_LOCAL_DIR = 1,   /* a directory on this machine */
	VACCEL_PATH_REMOTE_FILE = 2, /* http(s):// or ftp:// URL */
	VACCEL_PATH_MAX
} vaccel_path_type_t;

VACCEL_ENUM_STR_FUNCS_DECL(vaccel_path_type_t, vaccel_path_type)

/* True if `path` is an http://, https:// or ftp:// URL. */
bool vaccel_path_is_url(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_UTILS_PATH_H */
