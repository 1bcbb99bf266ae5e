/* SPDX-License-Identifier: Apache-2.0 */
/* Library lifecycle.
 *
 * The library constructor calls vaccel_bootstrap() unless
 * VACCEL_BOOTSTRAP_ENABLED=0; the destructor calls vaccel_cleanup() unless
 * VACCEL_CLEANUP_ENABLED=0. Unlike the reference implementation, a plugin
 * that fails to load never terminates the process: it is logged (path and
 * reason) and skipped; sessions then fail with VACCEL_ENOTSUP if no loaded
 * plugin can serve them. */
#ifndef VACCEL_CORE_H
#define VACCEL_CORE_H

#include <stdbool.h>
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the config from the environment and (re)initialises the runtime:
 * log, rundir, then loads config.plugins. If already initialised, cleans up
 * first. Returns VACCEL_OK, or the first plugin load error after loading the
 * remaining plugins (the runtime stays usable). */
int vaccel_bootstrap(void);

/* Same as vaccel_bootstrap() with an explicit config (copied). */
int vaccel_bootstrap_with_config(const struct vaccel_config *config);

/* Releases all sessions, resources and plugins (each plugin's fini, then
 * dlclose), removes the rundir, closes the log. Idempotent. */
int vaccel_cleanup(void);

/* In a child forked from an initialised process (a worker of the agent,
 * forked with its plugins loaded): gives the child its own run directory,
 * run.<random> under `parent` (created 0700 if missing; must belong to the
 * caller), so that its session and resource ids, which start again from the
 * parent's state, never meet the parent's or a sibling's files. Plugins stay
 * loaded. Call it before any other thread exists in the child. Returns
 * VACCEL_OK (also when not initialised) or an error. */
int vaccel_rundir_after_fork(const char *parent);

/* True between a successful bootstrap and cleanup. */
bool vaccel_is_initialized(void);

/* Top-level run directory (/run/user/<uid>/vaccel/<random>, or under
 * $TMPDIR when /run/user/<uid> is not writable), or NULL if not initialised.
 * Valid until vaccel_cleanup(). */
const char *vaccel_rundir(void);

/* The active config, or NULL if not initialised. Read-only. */
const struct vaccel_config *vaccel_config(void);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_CORE_H */
