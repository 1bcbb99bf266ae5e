/* SPDX-License-Identifier: Apache-2.0 */
/* classify: image classification through vAccel.
 *
 *   classify <image> [iterations] [model_path]
 *
 * With model_path, a MODEL resource is created from it (a path, file:// or
 * http(s):// URL) and registered with the session first: that is how real
 * plugins get their model. Prints the image size, the session id, and the
 * result of the first classification. Exit status 0 on success, 1 on any
 * error (with a message on stderr).
 *
 * Self-contained on purpose: it builds with just
 *   gcc classification.c -o classify -lvaccel -ldl
 */
#define _POSIX_C_SOURCE 200809L

#include <vaccel.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITERATIONS 10000000L

static int read_image(const char *path, unsigned char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "Could not open image %s: %s\n", path, strerror(errno));
		return 1;
	}
	long len = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		len = ftell(f);
	if (len <= 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "Image %s is empty or unreadable\n", path);
		fclose(f);
		return 1;
	}
	*data = malloc((size_t)len);
	if (!*data || fread(*data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "Could not read image %s\n", path);
		free(*data);
		*data = NULL;
		fclose(f);
		return 1;
	}
	fclose(f);
	*size = (size_t)len;
	return 0;
}

static int parse_iterations(const char *text, long *iterations)
{
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < 1 || value > MAX_ITERATIONS) {
		fprintf(stderr, "Invalid iterations '%s': expected 1..%ld\n", text, MAX_ITERATIONS);
		return 1;
	}
	*iterations = value;
	return 0;
}

int main(int argc, char *argv[])
{
	int status = 1;
	int ret;
	long iterations = 1;
	unsigned char *image = NULL;
	size_t image_size = 0;
	unsigned char out_text[512];
	unsigned char out_imgname[512];
	struct vaccel_session sess;
	struct vaccel_resource model;
	int have_model = 0;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "Usage: %s <image> [iterations] [model_path]\n", argv[0]);
		return 1;
	}
	if (argc > 2 && parse_iterations(argv[2], &iterations))
		return 1;
	if (read_image(argv[1], &image, &image_size))
		return 1;
	printf("Image size: %zuB\n", image_size);

	ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %s (%d)\n", strerror(ret), ret);
		goto free_image;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);
	fflush(stdout); /* progress is visible even when stdout is a pipe or file */

	if (argc > 3) {
		ret = vaccel_resource_init(&model, argv[3], VACCEL_RESOURCE_MODEL);
		if (ret) {
			fprintf(stderr, "Could not create model resource from %s: %s (%d)\n", argv[3], strerror(ret),
				ret);
			goto release_session;
		}
		ret = vaccel_resource_register(&model, &sess);
		if (ret) {
			fprintf(stderr, "Could not register model resource with session: %s (%d)\n", strerror(ret),
				ret);
			vaccel_resource_release(&model);
			goto release_session;
		}
		have_model = 1;
	}

	for (long i = 0; i < iterations; i++) {
		memset(out_text, 0, sizeof(out_text));
		memset(out_imgname, 0, sizeof(out_imgname));
		ret = vaccel_image_classification(&sess, image, out_text, out_imgname, image_size, sizeof(out_text),
						  sizeof(out_imgname));
		if (ret) {
			fprintf(stderr, "Could not run image classification: %s (%d)\n", strerror(ret), ret);
			goto release_model;
		}
		if (i == 0) {
			printf("classification tags: %s\n", (const char *)out_text);
			printf("classification imagename: %s\n", (const char *)out_imgname);
			fflush(stdout);
		}
	}
	status = 0;

release_model:
	if (have_model) {
		ret = vaccel_resource_unregister(&model, &sess);
		if (ret) {
			fprintf(stderr, "Could not unregister model resource: %s (%d)\n", strerror(ret), ret);
			status = 1;
		}
		vaccel_resource_release(&model);
	}
release_session:
	ret = vaccel_session_release(&sess);
	if (ret) {
		fprintf(stderr, "Could not release session: %s (%d)\n", strerror(ret), ret);
		status = 1;
	}
free_image:
	free(image);
	return status;
}
