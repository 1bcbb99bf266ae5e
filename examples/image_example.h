/* SPDX-License-Identifier: Apache-2.0 */
/* Shared driver of the image examples (detect, segment, pose, depth and the
 * *_generic forms, classify_generic included):
 *
 *   <prog> <image> [iterations] [model_path]
 *
 * The typed form calls vaccel_image_<op>(); the generic form builds the
 * genop argument layout (read: UINT8 op code, BUFFER image; write:
 * UCHAR_ARRAY out_imgname [, UCHAR_ARRAY out_text for classify]) and calls
 * vaccel_genop(). Prints the session id and the first result; exit status 0
 * on success, 1 on error. */
#ifndef VACCEL_EXAMPLES_IMAGE_EXAMPLE_H
#define VACCEL_EXAMPLES_IMAGE_EXAMPLE_H

#include "common.h"

#include <stdbool.h>

/* Text used in the printed result lines. */
static inline const char *image_op_title(vaccel_op_type_t op)
{
	switch (op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		return "classification";
	case VACCEL_OP_IMAGE_DETECT:
		return "detection";
	case VACCEL_OP_IMAGE_SEGMENT:
		return "segmentation";
	case VACCEL_OP_IMAGE_POSE:
		return "pose estimation";
	case VACCEL_OP_IMAGE_DEPTH:
		return "depth estimation";
	default:
		return "unknown";
	}
}

static inline int image_op_typed(struct vaccel_session *sess, vaccel_op_type_t op, unsigned char *image,
				 size_t image_size, unsigned char *out_text, size_t text_len,
				 unsigned char *out_imgname, size_t imgname_len)
{
	switch (op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		return vaccel_image_classification(sess, image, out_text, out_imgname, image_size, text_len,
						   imgname_len);
	case VACCEL_OP_IMAGE_DETECT:
		return vaccel_image_detection(sess, image, out_imgname, image_size, imgname_len);
	case VACCEL_OP_IMAGE_SEGMENT:
		return vaccel_image_segmentation(sess, image, out_imgname, image_size, imgname_len);
	case VACCEL_OP_IMAGE_POSE:
		return vaccel_image_pose(sess, image, out_imgname, image_size, imgname_len);
	case VACCEL_OP_IMAGE_DEPTH:
		return vaccel_image_depth(sess, image, out_imgname, image_size, imgname_len);
	default:
		return VACCEL_EINVAL;
	}
}

static inline int image_op_generic(struct vaccel_session *sess, vaccel_op_type_t op, unsigned char *image,
				   size_t image_size, unsigned char *out_text, size_t text_len,
				   unsigned char *out_imgname, size_t imgname_len)
{
	struct vaccel_arg_array read_args;
	struct vaccel_arg_array write_args;
	uint8_t op_code = (uint8_t)op;
	int ret = vaccel_arg_array_init(&read_args, 2);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&write_args, 2);
	if (ret) {
		vaccel_arg_array_release(&read_args);
		return ret;
	}
	/* The arrays borrow op_code, image and the output buffers. */
	ret = vaccel_arg_array_add_uint8(&read_args, &op_code);
	if (!ret)
		ret = vaccel_arg_array_add_buffer(&read_args, image, image_size);
	if (!ret)
		ret = vaccel_arg_array_add_uchar_array(&write_args, out_imgname, imgname_len);
	if (!ret && op == VACCEL_OP_IMAGE_CLASSIFY)
		ret = vaccel_arg_array_add_uchar_array(&write_args, out_text, text_len);
	if (ret)
		fprintf(stderr, "Could not build genop arguments: %s (%d)\n", strerror(ret), ret);
	else
		ret = vaccel_genop(sess, vaccel_arg_array_raw(&read_args), (int)vaccel_arg_array_count(&read_args),
				   vaccel_arg_array_raw(&write_args), (int)vaccel_arg_array_count(&write_args));
	vaccel_arg_array_release(&write_args);
	vaccel_arg_array_release(&read_args);
	return ret;
}

static inline int run_image_example(int argc, char **argv, vaccel_op_type_t op, bool generic)
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
	bool have_model = false;
	const char *title = image_op_title(op);

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "Usage: %s <image> [iterations] [model_path]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 2, &iterations))
		return 1;
	if (example_read_file(argv[1], &image, &image_size))
		return 1;
	if (image_size == 0) {
		fprintf(stderr, "Image %s is empty\n", argv[1]);
		goto free_image;
	}
	printf("Image size: %zuB\n", image_size);

	if (example_session_init(&sess, 0))
		goto free_image;
	if (argc > 3) {
		if (example_resource_register(&model, argv[3], VACCEL_RESOURCE_MODEL, &sess))
			goto release_session;
		have_model = true;
	}

	for (long i = 0; i < iterations; i++) {
		memset(out_text, 0, sizeof(out_text));
		memset(out_imgname, 0, sizeof(out_imgname));
		if (generic)
			ret = image_op_generic(&sess, op, image, image_size, out_text, sizeof(out_text), out_imgname,
					       sizeof(out_imgname));
		else
			ret = image_op_typed(&sess, op, image, image_size, out_text, sizeof(out_text), out_imgname,
					     sizeof(out_imgname));
		if (ret) {
			fprintf(stderr, "Could not run image %s%s: %s (%d)\n", title, generic ? " (genop)" : "",
				strerror(ret), ret);
			goto release_model;
		}
		if (i == 0) {
			if (op == VACCEL_OP_IMAGE_CLASSIFY)
				printf("%s tags: %s\n", title, (const char *)out_text);
			printf("%s imagename: %s\n", title, (const char *)out_imgname);
			fflush(stdout);
		}
	}
	status = 0;

release_model:
	if (have_model)
		example_resource_release(&model, &sess);
release_session:
	example_session_release(&sess);
free_image:
	free(image);
	return status;
}

#endif /* VACCEL_EXAMPLES_IMAGE_EXAMPLE_H */
