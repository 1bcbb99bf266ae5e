/* SPDX-License-Identifier: Apache-2.0 */
/* The C side of bench/python: the same loops as bench_python.py, timed the same way, so the
 * Python bindings' overhead is read side by side in one run.
 *   vaccel-python-cloop noop <iterations>
 *   vaccel-python-cloop classify <image> <model> <iterations>
 * Prints "<what> <ns per call>". The plugin comes from VACCEL_PLUGINS. */
#define _POSIX_C_SOURCE 200809L
#include <vaccel.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long parse_count(const char *s)
{
	char *end = NULL;
	long n = strtol(s, &end, 10);
	return (end && *end == '\0' && n > 0 && n <= 100000000) ? n : -1;
}

static int bench_noop(struct vaccel_session *sess, long n)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; ++i)
		if (vaccel_noop(sess))
			return 1;
	printf("noop %.1f\n", (double)(now_ns() - t0) / (double)n);
	return 0;
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long len;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)len;
	}
	fclose(f);
	return buf;
}

static int bench_classify(struct vaccel_session *sess, const char *image, const char *model, long n)
{
	struct vaccel_resource *res = NULL;
	unsigned char text[4096], name[4096];
	size_t size = 0;
	unsigned char *img = read_file(image, &size);
	int ret = 1;
	if (!img || vaccel_resource_new(&res, model, VACCEL_RESOURCE_MODEL) || vaccel_resource_register(res, sess)) {
		fprintf(stderr, "cannot read %s or register %s\n", image, model);
		goto out;
	}
	/* One warm-up call, as the Python side does. */
	if (vaccel_image_classification(sess, img, text, name, size, sizeof(text), sizeof(name)))
		goto out;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; ++i)
		if (vaccel_image_classification(sess, img, text, name, size, sizeof(text), sizeof(name)))
			goto out;
	printf("classify %.1f\n", (double)(now_ns() - t0) / (double)n);
	ret = 0;
out:
	if (res) {
		vaccel_resource_unregister(res, sess);
		vaccel_resource_delete(res);
	}
	free(img);
	return ret;
}

int main(int argc, char *argv[])
{
	struct vaccel_session *sess = NULL;
	long n = argc > 1 ? parse_count(argv[argc - 1]) : -1;
	int ret = 1;
	if (n < 0 || !((argc == 3 && !strcmp(argv[1], "noop")) || (argc == 5 && !strcmp(argv[1], "classify")))) {
		fprintf(stderr, "usage: %s noop <n> | classify <image> <model> <n>\n", argv[0]);
		return 2;
	}
	if (vaccel_session_new(&sess, 0)) {
		fprintf(stderr, "no session (VACCEL_PLUGINS?)\n");
		return 1;
	}
	ret = argc == 3 ? bench_noop(sess, n) : bench_classify(sess, argv[2], argv[3], n);
	vaccel_session_delete(sess);
	return ret;
}
