/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the example programs. Header-only (static
 * functions) so that any example still builds with one compiler command:
 *   cc -I<examples dir> ex.c $(pkg-config --cflags --libs vaccel)
 * Only the public vAccel API is used. */
#ifndef VACCEL_EXAMPLES_COMMON_H
#define VACCEL_EXAMPLES_COMMON_H

#include <vaccel.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Upper bound for [iterations]: every example loop stays bounded. */
#define EXAMPLE_MAX_ITERATIONS 10000000L

/* Reads a whole file into a malloc'd buffer (NUL-terminated for convenience,
 * the NUL is not counted in *size). Prints the reason and returns an errno
 * value on failure. */
static inline int example_read_file(const char *path, unsigned char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int err = errno;
		fprintf(stderr, "Could not open %s: %s\n", path, strerror(err));
		return err;
	}
	int ret = 0;
	unsigned char *buf = NULL;
	long len = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		len = ftell(f);
	if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
		ret = errno ? errno : EIO;
		fprintf(stderr, "Could not get the size of %s: %s\n", path, strerror(ret));
		goto out;
	}
	buf = malloc((size_t)len + 1);
	if (!buf) {
		ret = ENOMEM;
		fprintf(stderr, "Out of memory reading %s (%ld bytes)\n", path, len);
		goto out;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		ret = EIO;
		fprintf(stderr, "Could not read %s\n", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
	*data = buf;
	*size = (size_t)len;
out:
	fclose(f);
	return ret;
}

/* Parses a count in [1, max]; prints a message naming `what` on error. */
static inline int example_parse_count(const char *text, const char *what, long max, long *out)
{
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < 1 || value > max) {
		fprintf(stderr, "Invalid %s '%s': expected a number from 1 to %ld\n", what, text, max);
		return EINVAL;
	}
	*out = value;
	return 0;
}

/* Parses the optional [iterations] argument (default 1). */
static inline int example_iterations(int argc, char **argv, int index, long *iterations)
{
	*iterations = 1;
	if (argc > index)
		return example_parse_count(argv[index], "iterations", EXAMPLE_MAX_ITERATIONS, iterations);
	return 0;
}

/* Creates a session (flags = plugin-type hint, 0 = default plugin) and prints
 * its id the way the reference examples do. */
static inline int example_session_init(struct vaccel_session *sess, uint32_t flags)
{
	int ret = vaccel_session_init(sess, flags);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %s (%d)\n", strerror(ret), ret);
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess->id);
	fflush(stdout); /* visible even when stdout is a pipe or file */
	return 0;
}

static inline void example_session_release(struct vaccel_session *sess)
{
	int ret = vaccel_session_release(sess);
	if (ret)
		fprintf(stderr, "Could not release session: %s (%d)\n", strerror(ret), ret);
}

/* Creates a resource of `type` from a path or URL and registers it with
 * `sess`. On failure nothing is left allocated. */
static inline int example_resource_register(struct vaccel_resource *res, const char *path, vaccel_resource_type_t type,
					    struct vaccel_session *sess)
{
	int ret = vaccel_resource_init(res, path, type);
	if (ret) {
		fprintf(stderr, "Could not create %s resource from %s: %s (%d)\n",
			vaccel_resource_type_to_base_str(type), path, strerror(ret), ret);
		return ret;
	}
	ret = vaccel_resource_register(res, sess);
	if (ret) {
		fprintf(stderr, "Could not register %s resource %" PRId64 " with session %" PRId64 ": %s (%d)\n",
			vaccel_resource_type_to_base_str(type), res->id, sess->id, strerror(ret), ret);
		vaccel_resource_release(res);
		return ret;
	}
	return 0;
}

/* Unregisters and releases a resource made by example_resource_register. */
static inline void example_resource_release(struct vaccel_resource *res, struct vaccel_session *sess)
{
	int ret = vaccel_resource_unregister(res, sess);
	if (ret)
		fprintf(stderr, "Could not unregister resource %" PRId64 ": %s (%d)\n", res->id, strerror(ret), ret);
	ret = vaccel_resource_release(res);
	if (ret)
		fprintf(stderr, "Could not release resource: %s (%d)\n", strerror(ret), ret);
}

/* Monotonic time in nanoseconds. */
static inline uint64_t example_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* VACCEL_EXAMPLES_COMMON_H */
