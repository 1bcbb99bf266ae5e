/* SPDX-License-Identifier: Apache-2.0 */
/* What a vtest plugin saw: the core tests read it through the plugin's
 * exported vtest_get_record() (looked up with dlopen(RTLD_NOLOAD) + dlsym on
 * the plugin's own handle, so every plugin built from vtest_plugin.c keeps its
 * own record). */
#ifndef VTEST_RECORD_H
#define VTEST_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define VTEST_MAX_OPS 32
#define VTEST_TEXT 256

struct vtest_record {
	unsigned op_calls[VTEST_MAX_OPS]; /* per vaccel_op_type_t */
	int last_op;
	int64_t last_session_id;
	int64_t last_resource_id;
	size_t last_nr_read;
	size_t last_nr_write;
	char last_library[VTEST_TEXT];
	char last_symbol[VTEST_TEXT];
	unsigned init_calls;
	unsigned fini_calls;
	unsigned session_init_calls;
	unsigned session_release_calls;
	unsigned session_update_calls;
	unsigned resource_register_calls;
	unsigned resource_unregister_calls;
	unsigned resource_sync_calls;
	uint32_t last_session_flags;
	/* Number of blobs the last registered resource had at hook time. */
	size_t last_register_nr_blobs;
};

typedef const struct vtest_record *(*vtest_get_record_fn)(void);
typedef void (*vtest_reset_record_fn)(void);

#endif /* VTEST_RECORD_H */
