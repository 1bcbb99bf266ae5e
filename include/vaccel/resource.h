/* SPDX-License-Identifier: Apache-2.0 */
/* Resources: models, data and libraries that operations use. A resource is
 * created from a path/URL/directory/buffer/blobs, then registered with one or
 * more sessions (refcounted). Its files live under <rundir>/resource.<id>
 * when vAccel has to create them, and are removed on release. All functions
 * are thread-safe. */
#ifndef VACCEL_RESOURCE_H
#define VACCEL_RESOURCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "blob.h"
#include "id.h"
#include "list.h"
#include "utils/enum.h"
#include "utils/path.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of the enum's 0.8 items (see utils/enum.h). */
#define VACCEL_RESOURCE_TYPE_ENUM_LIST(VACCEL_ENUM_ITEM)                                                               \
	VACCEL_ENUM_ITEM(LIB, 0, VACCEL_RESOURCE)                                                                      \
	VACCEL_ENUM_ITEM(DATA, VACCEL_RESOURCE)                                                                        \
	VACCEL_ENUM_ITEM(MODEL, VACCEL_RESOURCE)

typedef enum vaccel_resource_type {
	VACCEL_RESOURCE_LIB = 0,   /* shared objects for exec_with_resource (deps first, main lib last) */
	VACCEL_RESOURCE_DATA = 1,  /* arbitrary data (e.g. labels) */
	VACCEL_RESOURCE_MODEL = 2, /* a model file or directory */
	VACCEL_RESOURCE_MAX
} vaccel_resource_type_t;

VACCEL_ENUM_STR_FUNCS_DECL(vaccel_resource_type_t, vaccel_resource_type)

#ifdef __cplusplus
typedef unsigned int vaccel_atomic_uint; /* same layout as C11 atomic_uint */
#else
#include <stdatomic.h>
typedef atomic_uint vaccel_atomic_uint;
#endif

struct vaccel_session;

struct vaccel_resource {
	vaccel_id_t id;        /* > 0 once initialised */
	vaccel_id_t remote_id; /* id on the agent, set by a transport plugin */
	vaccel_resource_type_t type;
	vaccel_path_type_t path_type;
	char **paths; /* original paths (NULL for buffer/blob resources) */
	size_t nr_paths;
	char *rundir;               /* <rundir>/resource.<id>, created on demand */
	struct vaccel_blob **blobs; /* filled on init (files, buffers) or register (dirs, URLs) */
	size_t nr_blobs;
	vaccel_list_entry entry; /* runtime-internal */
	vaccel_list_t sessions;  /* runtime-internal */
	pthread_mutex_t sessions_lock;
	vaccel_atomic_uint refcount; /* number of sessions it is registered with */
	void *plugin_priv;           /* free for the plugin serving it */
};

/* From a path: `file://` prefix optional (a bare path logs a warning as in
 * the reference), a regular file or a directory; or an http(s):// / ftp://
 * URL, downloaded with libcurl at registration. VACCEL_ENOENT if a local
 * path does not exist, VACCEL_EINVAL on bad args. */
int vaccel_resource_init(struct vaccel_resource *res, const char *path, vaccel_resource_type_t type);

/* From several paths of the same kind (files or URLs, no directories). */
int vaccel_resource_init_multi(struct vaccel_resource *res, const char **paths, size_t nr_paths,
			       vaccel_resource_type_t type);

/* From a memory buffer (copied). mem_only=false persists it to
 * <rundir>/resource.<id>/<filename> (random name if filename is NULL);
 * mem_only=true keeps it in memory only. */
int vaccel_resource_init_from_buf(struct vaccel_resource *res, const void *buf, size_t nr_bytes,
				  vaccel_resource_type_t type, const char *filename, bool mem_only);

/* From blobs (copied): FILE blobs are referenced by path, BUFFER blobs kept
 * in memory, MAPPED blobs persisted to the resource's rundir. */
int vaccel_resource_init_from_blobs(struct vaccel_resource *res, const struct vaccel_blob **blobs, size_t nr_blobs,
				    vaccel_resource_type_t type);

/* Unregisters from every session, deletes blobs and rundir, frees the id. */
int vaccel_resource_release(struct vaccel_resource *res);

/* Heap variants; free with vaccel_resource_delete(). */
int vaccel_resource_new(struct vaccel_resource **res, const char *path, vaccel_resource_type_t type);
int vaccel_resource_multi_new(struct vaccel_resource **res, const char **paths, size_t nr_paths,
			      vaccel_resource_type_t type);
int vaccel_resource_from_buf(struct vaccel_resource **res, const void *buf, size_t nr_bytes,
			     vaccel_resource_type_t type, const char *filename, bool mem_only);
int vaccel_resource_from_blobs(struct vaccel_resource **res, const struct vaccel_blob **blobs, size_t nr_blobs,
			       vaccel_resource_type_t type);
int vaccel_resource_delete(struct vaccel_resource *res);

/* Registers `res` with `sess`: loads its data (directory listing, URL
 * download, or for remote sessions the bytes) and calls the session
 * plugin's resource_register hook. Registering twice with one session is a
 * warning and returns VACCEL_OK. */
int vaccel_resource_register(struct vaccel_resource *res, struct vaccel_session *sess);

/* Reverse of register. VACCEL_EPERM if not registered with `sess`. */
int vaccel_resource_unregister(struct vaccel_resource *res, struct vaccel_session *sess);

/* Refreshes BUFFER blobs from the remote side (remote sessions only). */
int vaccel_resource_sync(struct vaccel_resource *res, struct vaccel_session *sess);

/* Directory of a directory resource: written to out_path (size
 * out_path_size) or, if out_path is NULL, malloc'd into *alloc_path.
 * VACCEL_ENOTSUP for non-directory resources. */
int vaccel_resource_directory(struct vaccel_resource *res, char *out_path, size_t out_path_size, char **alloc_path);

/* Global lookups. VACCEL_ENOENT if nothing matches. get_all_by_type returns
 * a malloc'd array (caller frees the array, not the resources). */
int vaccel_resource_get_by_id(struct vaccel_resource **res, vaccel_id_t id);
int vaccel_resource_get_by_type(struct vaccel_resource **res, vaccel_resource_type_t type);
int vaccel_resource_get_all_by_type(struct vaccel_resource ***res, size_t *nr_found, vaccel_resource_type_t type);

/* Number of sessions `res` is registered with, or -VACCEL_EINVAL. */
long int vaccel_resource_refcount(const struct vaccel_resource *res);

/* Seed-era name. */
int vaccel_sess_register(struct vaccel_session *sess, struct vaccel_resource *res)
	__attribute__((deprecated("use vaccel_resource_register")));
int vaccel_sess_unregister(struct vaccel_session *sess, struct vaccel_resource *res)
	__attribute__((deprecated("use vaccel_resource_unregister")));

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_RESOURCE_H */
