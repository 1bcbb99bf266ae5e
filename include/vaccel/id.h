/* SPDX-License-Identifier: Apache-2.0 */
/* Object identifiers shared by sessions and resources. */
#ifndef VACCEL_ID_H
#define VACCEL_ID_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Session and resource ids. Valid ids are > 0; 0 means "no id" (e.g. a
 * resource that was never registered remotely has remote_id == 0). */
typedef int64_t vaccel_id_t;

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_ID_H */
