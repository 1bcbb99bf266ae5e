/* SPDX-License-Identifier: Apache-2.0 */
/* Running a function from a shared library on the plugin's side. */
#ifndef VACCEL_OPS_EXEC_H
#define VACCEL_OPS_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs int fn_symbol(struct vaccel_arg *in, size_t nr_in,
 *                    struct vaccel_arg *out, size_t nr_out)
 * from `library`, a path resolved where the plugin runs. Outputs are written
 * into the write args' buffers. VACCEL_EINVAL on NULL library/symbol or
 * inconsistent arg counts, VACCEL_ENOENT library not loadable, VACCEL_ENOSYS
 * symbol not found, VACCEL_EBACKEND if fn returns non-zero. */
int vaccel_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol, struct vaccel_arg *read,
		size_t nr_read, struct vaccel_arg *write, size_t nr_write);

/* Same with the library shipped as a LIB resource registered with `sess`
 * (its blobs: dependencies first, main library last). VACCEL_EINVAL if the
 * resource is not LIB, VACCEL_EPERM if not registered with the session. */
int vaccel_exec_with_resource(struct vaccel_session *sess, struct vaccel_resource *resource, const char *fn_symbol,
			      struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write, size_t nr_write);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_EXEC_H */
