/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal application built against an installed vAccel (pkg-config or
 * find_package). Runs the noop op and one image classification. */
#include <vaccel.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct vaccel_session sess;
	unsigned char tag[128] = {0};
	unsigned char imgname[128] = {0};
	const unsigned char image[] = "not decoded by the noop plugin";

	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "app: session init failed: %s (%d)\n", strerror(ret), ret);
		return 1;
	}
	printf("app: vAccel %s, session %" PRId64 "\n", VACCEL_VERSION, sess.id);
	ret = vaccel_noop(&sess);
	if (!ret)
		ret = vaccel_image_classification(&sess, image, tag, imgname, sizeof(image), sizeof(tag),
						  sizeof(imgname));
	if (ret)
		fprintf(stderr, "app: op failed: %s (%d)\n", strerror(ret), ret);
	else
		printf("app: %s\n", (const char *)tag);
	vaccel_session_release(&sess);
	return ret ? 1 : 0;
}
