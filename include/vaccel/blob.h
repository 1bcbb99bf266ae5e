/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs: the files or memory buffers that make up a resource. */
#ifndef VACCEL_BLOB_H
#define VACCEL_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "utils/enum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of the enum's 0.8 items (see utils/enum.h). */
#define VACCEL_BLOB_TYPE_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                   \
	VACCEL_ENUM_ITEM(FILE, 0, VACCEL_BLOB)                                                                         \
	VACCEL_ENUM_ITEM(BUFFER, VACCEL_BLOB)                                                                          \
	VACCEL_ENUM_ITEM(MAPPED, VACCEL_BLOB)

typedef enum vaccel_blob_type {
	VACCEL_BLOB_FILE = 0,   /* a file on disk (path set; data NULL until read) */
	VACCEL_BLOB_BUFFER = 1, /* memory only (data set; path NULL) */
	VACCEL_BLOB_MAPPED = 2, /* file mapped into memory (path and data set) */
	VACCEL_BLOB_MAX
} vaccel_blob_type_t;

VACCEL_ENUM_STR_FUNCS_DECL(vaccel_blob_type_t, vaccel_blob_type)

struct vaccel_blob {
	vaccel_blob_type_t type;
	char *name;      /* file name (basename) */
	char *path;      /* full path, or NULL for BUFFER blobs */
	bool path_owned; /* the file was created by vAccel and is removed on release */
	uint8_t *data;   /* contents, or NULL for an unread FILE blob */
	bool data_owned; /* data is freed on release */
	size_t size;
};

/* FILE blob referring to an existing regular file (not read). VACCEL_EINVAL
 * on NULL args, VACCEL_ENOENT if the file does not exist. */
int vaccel_blob_init(struct vaccel_blob *blob, const char *path);

/* BUFFER blob from `buf`. If `dir` is NULL the blob stays in memory (own:
 * copy the bytes, else borrow them); otherwise the bytes are written to
 * <dir>/<filename> (a random suffix is added if `randomize`) and the blob
 * becomes MAPPED. `filename` is required when persisting. */
int vaccel_blob_init_from_buf(struct vaccel_blob *blob, const uint8_t *buf, size_t size, bool own, const char *filename,
			      const char *dir, bool randomize);

/* Writes a BUFFER blob to <dir>/<filename> and makes it MAPPED. */
int vaccel_blob_persist(struct vaccel_blob *blob, const char *dir, const char *filename, bool randomize);

/* Maps a FILE blob's contents (type becomes MAPPED). No-op for blobs that
 * already have data. */
int vaccel_blob_read(struct vaccel_blob *blob);

/* Contents (reading the file if needed); *size set if size != NULL. NULL on
 * error. Owned by the blob. */
uint8_t *vaccel_blob_data(struct vaccel_blob *blob, size_t *size);

/* Path or NULL. Owned by the blob. */
const char *vaccel_blob_path(const struct vaccel_blob *blob);

/* True if `blob` is a consistent, initialised blob. */
bool vaccel_blob_valid(const struct vaccel_blob *blob);

/* Frees what the blob owns (removing files it created). */
int vaccel_blob_release(struct vaccel_blob *blob);

/* Heap variants; free with vaccel_blob_delete(). */
int vaccel_blob_new(struct vaccel_blob **blob, const char *path);
int vaccel_blob_from_buf(struct vaccel_blob **blob, const uint8_t *buf, size_t size, bool own, const char *filename,
			 const char *dir, bool randomize);
int vaccel_blob_delete(struct vaccel_blob *blob);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_BLOB_H */
