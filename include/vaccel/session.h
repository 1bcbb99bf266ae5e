/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions. A session is bound at creation to one plugin (vAccel 0.8 rules):
 *  - flags & VACCEL_PLUGIN_REMOTE: the first loaded transport (is_virtio)
 *    plugin; the plugin's session_init creates the remote session;
 *  - else other type bits set: the first plugin, in load order, whose type
 *    shares a bit with flags; if none does, the rule below applies (as in
 *    vAccel 0.8: the hint is a preference, not a requirement);
 *  - else the first non-transport plugin, or the only plugin if exactly one
 *    is loaded (even a transport one).
 * Every op of the session goes to that plugin (VACCEL_ENOTSUP if it lacks
 * it). Each session owns <rundir>/session.<id>. Thread-safe. */
#ifndef VACCEL_SESSION_H
#define VACCEL_SESSION_H

#include <limits.h>
#include <linux/limits.h> /* PATH_MAX */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "id.h"
#include "list.h"
#include "resource.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_plugin;

struct vaccel_session {
	/* The session id (1..capacity). `session_id` is the seed-era (vaccelrt)
	 * name of the same field, kept so that old sources compile unchanged. */
	union {
		vaccel_id_t id;
		vaccel_id_t session_id;
	};
	vaccel_id_t remote_id; /* agent-side id for remote sessions */
	unsigned int hint;     /* flags given at creation */
	bool is_virtio;        /* served by a transport plugin */
	char rundir[PATH_MAX];
	vaccel_list_entry entry;                          /* runtime-internal */
	vaccel_list_entry resources[VACCEL_RESOURCE_MAX]; /* runtime-internal */
	size_t resource_counts[VACCEL_RESOURCE_MAX];
	pthread_mutex_t resources_lock;
	struct vaccel_plugin *plugin;
	void *priv; /* free for the plugin / application */
};

/* Initialises `sess` and binds it to a plugin chosen by `flags` (above).
 * VACCEL_EINVAL on NULL, VACCEL_ENOTSUP if no plugin can be chosen,
 * VACCEL_EUSERS if 1024 sessions exist, or the plugin's session_init error. */
int vaccel_session_init(struct vaccel_session *sess, uint32_t flags);

/* Unregisters all resources, releases the remote session, removes the
 * session rundir. */
int vaccel_session_release(struct vaccel_session *sess);

/* Heap variants; free with vaccel_session_delete(). */
int vaccel_session_new(struct vaccel_session **sess, uint32_t flags);
int vaccel_session_delete(struct vaccel_session *sess);

/* Looks up a live session by id. VACCEL_ENOENT if none. */
int vaccel_session_get_by_id(struct vaccel_session **sess, vaccel_id_t id);

/* True if `res` is registered with `sess`. */
bool vaccel_session_has_resource(const struct vaccel_session *sess, const struct vaccel_resource *res);

/* Resource lookups within the session. VACCEL_ENOENT if nothing matches.
 * by_type returns the first registered of that type; resources_by_type a
 * malloc'd array (caller frees the array only). */
int vaccel_session_resource_by_id(struct vaccel_session *sess, struct vaccel_resource **res, vaccel_id_t id);
int vaccel_session_resource_by_type(struct vaccel_session *sess, struct vaccel_resource **res,
				    vaccel_resource_type_t type);
int vaccel_session_resources_by_type(struct vaccel_session *sess, struct vaccel_resource ***res, size_t *nr_found,
				     vaccel_resource_type_t type);

/* Deprecated: changes the hint. Refused (VACCEL_EBUSY) for local sessions
 * with registered resources; forwarded to session_update for remote ones. */
int vaccel_session_update(struct vaccel_session *sess, uint32_t flags) __attribute__((deprecated));

/* Seed-era names. */
int vaccel_sess_init(struct vaccel_session *sess, uint32_t flags)
	__attribute__((deprecated("use vaccel_session_init")));
int vaccel_sess_update(struct vaccel_session *sess, uint32_t flags)
	__attribute__((deprecated("use vaccel_session_update")));
int vaccel_sess_free(struct vaccel_session *sess) __attribute__((deprecated("use vaccel_session_release")));
bool vaccel_sess_has_resource(struct vaccel_session *sess, struct vaccel_resource *res)
	__attribute__((deprecated("use vaccel_session_has_resource")));

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_SESSION_H */
