/* SPDX-License-Identifier: Apache-2.0 */
/* Intrusive doubly linked list node embedded in public structs (layout
 * compatibility with vAccel 0.8). Applications should not walk these lists:
 * use the lookup functions of session.h and resource.h instead. */
#ifndef VACCEL_LIST_H
#define VACCEL_LIST_H

#ifdef __cplusplus
extern "C" {
#endif

/* Static initialiser of an empty (self-linked) entry, as in vAccel 0.8. */
#define LIST_ENTRY_INIT(name)                                                                                          \
	{                                                                                                              \
		&(name), &(name)                                                                                       \
	}

typedef struct vaccel_list_entry {
	struct vaccel_list_entry *next;
	struct vaccel_list_entry *prev;
} vaccel_list_entry;

typedef vaccel_list_entry vaccel_list_t;

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_LIST_H */
