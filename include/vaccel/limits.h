/* SPDX-License-Identifier: Apache-2.0 */
/* Capacities of the runtime's process-wide id pools. An extension (not part of vAccel 0.8):
 * every session and every resource of the process takes one id until it is released, and
 * creating one more than the capacity fails with VACCEL_EUSERS. A server that creates
 * objects on behalf of several tenants (vaccel-agent) checks at start that its per-tenant
 * quotas, times its tenant count, fit these capacities, so that no tenant can use up the
 * ids another one is promised. The values are fixed for the life of the library. */
#ifndef VACCEL_LIMITS_H
#define VACCEL_LIMITS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How many sessions may exist at the same time in this process. */
size_t vaccel_session_capacity(void);

/* How many resources may exist at the same time in this process. */
size_t vaccel_resource_capacity(void);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_LIMITS_H */
