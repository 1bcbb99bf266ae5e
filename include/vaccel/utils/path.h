/* SPDX-License-Identifier: Apache-2.0 */
/* Kinds of resource paths. */
#ifndef VACCEL_UTILS_PATH_H
#define VACCEL_UTILS_PATH_H

#include <stdbool.h>
#include "enum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of the enum's 0.8 items (see utils/enum.h). */
#define VACCEL_PATH_TYPE_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                   \
	VACCEL_ENUM_ITEM(LOCAL_FILE, 0, VACCEL_PATH)                                                                   \
	VACCEL_ENUM_ITEM(LOCAL_DIR, VACCEL_PATH)                                                                       \
	VACCEL_ENUM_ITEM(REMOTE_FILE, VACCEL_PATH)

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
