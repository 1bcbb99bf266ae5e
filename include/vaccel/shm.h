/* SPDX-License-Identifier: Apache-2.0 */
/* Shared buffers: memory that a transport plugin can hand to a remote agent without
 * copying it. An extension (not part of vAccel 0.8): an application that allocates its
 * large inputs here runs unchanged with any plugin (the memory is ordinary memory to a
 * local plugin), and with the rpc plugin over a unix socket the agent maps the very same
 * pages instead of receiving a copy. Each buffer is backed by its own memfd, sealed
 * against shrinking and growing so that a peer mapping it can never fault (SIGBUS). */
#ifndef VACCEL_SHM_H
#define VACCEL_SHM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Allocates `size` (> 0) zero-filled, readable and writable bytes, page-aligned. Returns
 * NULL (and logs why) when size is 0 or memory/memfds are exhausted. The buffer belongs to
 * the caller until vaccel_shm_free(). Thread-safe. */
void *vaccel_shm_alloc(size_t size);

/* Frees a buffer returned by vaccel_shm_alloc (the exact pointer). NULL is accepted and
 * ignored (VACCEL_OK). Any other pointer, or a second free, returns VACCEL_EINVAL and
 * logs, touching nothing. The caller must not free a buffer that an operation in flight
 * is still reading. Thread-safe. */
int vaccel_shm_free(void *ptr);

/* Usable size of a buffer from vaccel_shm_alloc (the size asked for), or 0 if `ptr` is not
 * the start of a live buffer. Thread-safe. */
size_t vaccel_shm_size(const void *ptr);

/* For transport plugins: when [ptr, ptr + len) lies entirely inside one live shared buffer
 * (len > 0), stores the buffer's memfd in *fd and the offset of `ptr` from the start of the
 * memfd in *offset and returns VACCEL_OK. The fd stays owned by libvaccel and is valid
 * until the buffer is freed: send or dup it, never close it. Returns VACCEL_ENOENT when the
 * range is not (wholly) inside one shared buffer, VACCEL_EINVAL on NULL arguments or
 * len == 0; *fd and *offset are left untouched then. ENOENT is the ordinary "copy it"
 * answer and is not logged. The range is checked against the size asked for, not the
 * page-rounded mapping. Thread-safe; costs a shared (reader) lock and a tree lookup. */
int vaccel_shm_lookup(const void *ptr, size_t len, int *fd, size_t *offset);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_SHM_H */
