/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal mirror of the vAccel 0.8 public declarations that the ABI test
 * plugin and application use (names, values and layouts from the documented
 * reference; written for these tests, not copied). Building against this
 * instead of include/ is what a reference user does. */
#ifndef ABI_VACCEL_H
#define ABI_VACCEL_H

#include <linux/limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaccel/log.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { VACCEL_OK = 0, VACCEL_EINVAL = 22, VACCEL_ENOTSUP = 95 };

typedef int64_t vaccel_id_t;

struct vaccel_list_entry {
	struct vaccel_list_entry *next;
	struct vaccel_list_entry *prev;
};
#define LIST_ENTRY_INIT(name)                                                                                          \
	{                                                                                                              \
		&(name), &(name)                                                                                       \
	}

typedef enum { VACCEL_OP_NOOP = 0, VACCEL_OP_EXEC, VACCEL_OP_EXEC_WITH_RESOURCE, VACCEL_OP_MAX = 24 } vaccel_op_type_t;

typedef enum { VACCEL_ARG_RAW = 0, VACCEL_ARG_INT32 = 5, VACCEL_ARG_MAX = 30 } vaccel_arg_type_t;

struct vaccel_arg {
	void *buf;
	size_t size;
	vaccel_arg_type_t type;
	uint32_t custom_type_id;
	bool owned;
};

int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size, vaccel_arg_type_t type,
			     uint32_t custom_id);

typedef enum {
	VACCEL_RESOURCE_LIB = 0,
	VACCEL_RESOURCE_DATA,
	VACCEL_RESOURCE_MODEL,
	VACCEL_RESOURCE_MAX
} vaccel_resource_type_t;

struct vaccel_plugin;

struct vaccel_session {
	vaccel_id_t id;
	vaccel_id_t remote_id;
	unsigned int hint;
	bool is_virtio;
	char rundir[PATH_MAX];
	struct vaccel_list_entry entry;
	struct vaccel_list_entry resources[VACCEL_RESOURCE_MAX];
	size_t resource_counts[VACCEL_RESOURCE_MAX];
	pthread_mutex_t resources_lock;
	struct vaccel_plugin *plugin;
	void *priv;
};

int vaccel_session_init(struct vaccel_session *sess, uint32_t flags);
int vaccel_session_release(struct vaccel_session *sess);
int vaccel_noop(struct vaccel_session *sess);
int vaccel_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol, struct vaccel_arg *read,
		size_t nr_read, struct vaccel_arg *write, size_t nr_write);

typedef enum {
	VACCEL_PLUGIN_CPU = 0x0001,
	VACCEL_PLUGIN_GPU = 0x0002,
	VACCEL_PLUGIN_FPGA = 0x0004,
	VACCEL_PLUGIN_SOFTWARE = 0x0008,
	VACCEL_PLUGIN_TENSORFLOW = 0x0010,
	VACCEL_PLUGIN_TORCH = 0x0020,
	VACCEL_PLUGIN_JETSON = 0x0040,
	VACCEL_PLUGIN_GENERIC = 0x0080,
	VACCEL_PLUGIN_DEBUG = 0x0100,
	VACCEL_PLUGIN_REMOTE = 0x4000,
	VACCEL_PLUGIN_ALL = 0xffff,
	VACCEL_PLUGIN_MAX
} vaccel_plugin_type_t;

struct vaccel_resource;

struct vaccel_plugin_info {
	const char *name;
	const char *version;
	const char *vaccel_version;
	int (*init)(void);
	int (*fini)(void);
	bool is_virtio;
	vaccel_plugin_type_t type;
	int (*session_init)(struct vaccel_session *sess, uint32_t flags);
	int (*session_release)(struct vaccel_session *sess);
	int (*session_update)(struct vaccel_session *sess, uint32_t flags);
	int (*resource_register)(struct vaccel_resource *res, struct vaccel_session *sess);
	int (*resource_unregister)(struct vaccel_resource *res, struct vaccel_session *sess);
	int (*resource_sync)(struct vaccel_resource *res, struct vaccel_session *sess);
};

struct vaccel_op {
	vaccel_op_type_t type;
	void *func;
	struct vaccel_plugin *owner;
};

struct vaccel_plugin {
	void *dl_handle;
	struct vaccel_list_entry entry;
	struct vaccel_op *ops[VACCEL_OP_MAX];
	struct vaccel_plugin_info *info;
};

extern struct vaccel_plugin vaccel_this_plugin;
#define VACCEL_OP_INIT(name, type, func)                                                                               \
	{                                                                                                              \
		(type), (func), (&vaccel_this_plugin)                                                                  \
	}
#define VACCEL_PLUGIN(...)                                                                                             \
	static struct vaccel_plugin_info vaccel_this_plugin_info = {__VA_ARGS__};                                      \
	struct vaccel_plugin vaccel_this_plugin = {                                                                    \
		.dl_handle = NULL,                                                                                     \
		.entry = LIST_ENTRY_INIT(vaccel_this_plugin.entry),                                                    \
		.ops = {NULL},                                                                                         \
		.info = &vaccel_this_plugin_info,                                                                      \
	};                                                                                                             \
	__attribute__((visibility("default"))) struct vaccel_plugin *vaccel_plugin = &vaccel_this_plugin;

int vaccel_plugin_register_ops(struct vaccel_op *ops, size_t nr_ops);

#ifdef __cplusplus
}
#endif

#endif /* ABI_VACCEL_H */
