/* SPDX-License-Identifier: Apache-2.0 */
/* pose: image pose through the typed image API.
 *   pose <image> [iterations] [model_path]   (see image_example.h) */
#define _POSIX_C_SOURCE 200809L

#include "image_example.h"

int main(int argc, char *argv[])
{
	return run_image_example(argc, argv, VACCEL_OP_IMAGE_POSE, false);
}
