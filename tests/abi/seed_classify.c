// SPDX-License-Identifier: Apache-2.0
// A seed-era (vaccelrt) style program: sess.session_id, vaccel_sess_init /
// vaccel_sess_free and an image classification, compiled unchanged against
// our public headers. Usage: seed_classify <image>.
#include <stdio.h>
#include <stdlib.h>
#include <vaccel.h>

int main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <image>\n", argv[0]);
		return 1;
	}
	struct vaccel_session sess;
	int ret = vaccel_sess_init(&sess, 0);
	if (ret != VACCEL_OK) {
		fprintf(stderr, "Could not initialize session\n");
		return 1;
	}
	printf("Initialized session with id: %u\n", (unsigned)sess.session_id);

	void *image = NULL;
	size_t image_size = 0;
	ret = fs_file_read(argv[1], &image, &image_size);
	if (ret != VACCEL_OK) {
		fprintf(stderr, "Could not read image %s\n", argv[1]);
		vaccel_sess_free(&sess);
		return 1;
	}
	unsigned char out_text[512], out_imagename[512];
	ret = vaccel_image_classification(&sess, image, out_text, out_imagename, image_size, sizeof(out_text),
					  sizeof(out_imagename));
	free(image);
	if (ret != VACCEL_OK) {
		fprintf(stderr, "Could not run op: %d\n", ret);
		vaccel_sess_free(&sess);
		return 1;
	}
	printf("classification tags: %s\n", out_text);
	if (vaccel_sess_free(&sess) != VACCEL_OK) {
		fprintf(stderr, "Could not clear session %u\n", (unsigned)sess.session_id);
		return 1;
	}
	return 0;
}
