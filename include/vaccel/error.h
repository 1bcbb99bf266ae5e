/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes. Every int-returning function returns VACCEL_OK (0) on success
 * or one of these positive Linux errno values (vAccel 0.8 numbering). */
#ifndef VACCEL_ERROR_H
#define VACCEL_ERROR_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	VACCEL_OK = 0,
	VACCEL_EINVAL = EINVAL,             /* 22: invalid argument */
	VACCEL_ENOMEM = ENOMEM,             /* 12: out of memory */
	VACCEL_ENOTSUP = ENOTSUP,           /* 95: operation not supported by the session's plugin */
	VACCEL_EINPROGRESS = EINPROGRESS,   /* 115 */
	VACCEL_EBUSY = EBUSY,               /* 16 */
	VACCEL_EEXIST = EEXIST,             /* 17: already exists / already registered */
	VACCEL_ENOENT = ENOENT,             /* 2: no such file, object or plugin */
	VACCEL_ELIBBAD = ELIBBAD,           /* 80: plugin has no valid vaccel_plugin symbol */
	VACCEL_ENODEV = ENODEV,             /* 19 */
	VACCEL_EIO = EIO,                   /* 5: I/O error (transport failure included) */
	VACCEL_ESESS = ECONNRESET,          /* 104: session error */
	VACCEL_EBACKEND = EPROTO,           /* 71: the backend (plugin/engine) failed */
	VACCEL_ENOEXEC = ENOEXEC,           /* 8 */
	VACCEL_ENAMETOOLONG = ENAMETOOLONG, /* 36 */
	VACCEL_EUSERS = EUSERS,             /* 87: id pool exhausted */
	VACCEL_EPERM = EPERM,               /* 1: not permitted (e.g. resource not registered with the session) */
	VACCEL_ELOOP = ELOOP,               /* 40 */
	VACCEL_EMLINK = EMLINK,             /* 31 */
	VACCEL_ENOSPC = ENOSPC,             /* 28 */
	VACCEL_ENOTDIR = ENOTDIR,           /* 20 */
	VACCEL_EROFS = EROFS,               /* 30 */
	VACCEL_EACCES = EACCES,             /* 13 */
	VACCEL_EBADF = EBADF,               /* 9 */
	VACCEL_EREMOTEIO = EREMOTEIO,       /* 121 */
	VACCEL_EFAULT = EFAULT,             /* 14 */
	VACCEL_ERANGE = ERANGE,             /* 34 */
	VACCEL_EAGAIN = EAGAIN,             /* 11 */
	VACCEL_ENOSYS = ENOSYS,             /* 38: symbol not found */
};

/* Seed-era spelling. */
#define VACCEL_EEXISTS VACCEL_EEXIST

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_ERROR_H */
