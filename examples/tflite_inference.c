/* SPDX-License-Identifier: Apache-2.0 */
/* tflite_inference: image classification with a TFLite model through the
 * vAccel TFLite model load/run/unload API.
 *
 *   tflite_inference <image> <model> <labels> [iterations] [input_size]
 *
 * Preprocessing for uint8 (quantized) MobileNet-style models: decode to RGB,
 * resize the whole image to input_size x input_size (default 224) bilinearly,
 * feed the raw uint8 NHWC bytes. The model is a MODEL resource (path or URL).
 * Prints the output tensor shape and the top-1 label of the last run:
 *   Prediction: <label> (index <i>, score <s>)
 * The score is the raw output value (uint8 models: 0..255). */
#define _POSIX_C_SOURCE 200809L

#include "image_prep.h"

/* Top-1 of an output tensor of uint8, int8 or float32 scores. */
static int top1(const struct vaccel_tflite_tensor *t, size_t *index, double *score, size_t *count)
{
	switch (t->data_type) {
	case VACCEL_TFLITE_UINT8: {
		const uint8_t *v = t->data;
		*count = t->size;
		*index = 0;
		for (size_t i = 1; i < *count; i++)
			if (v[i] > v[*index])
				*index = i;
		*score = *count ? v[*index] : 0;
		return 0;
	}
	case VACCEL_TFLITE_INT8: {
		const int8_t *v = t->data;
		*count = t->size;
		*index = 0;
		for (size_t i = 1; i < *count; i++)
			if (v[i] > v[*index])
				*index = i;
		*score = *count ? v[*index] : 0;
		return 0;
	}
	case VACCEL_TFLITE_FLOAT32:
		*count = t->size / sizeof(float);
		*index = ex_argmax_f32(t->data, *count);
		*score = *count ? ((const float *)t->data)[*index] : 0;
		return 0;
	default:
		fprintf(stderr, "Unsupported output tensor type %d\n", (int)t->data_type);
		return EINVAL;
	}
}

static int print_prediction(const struct vaccel_tflite_tensor *out, const struct ex_labels *labels)
{
	size_t index = 0, count = 0;
	double score = 0;
	printf("Output tensor => type:%d nr_dims:%d size:%zuB\n", (int)out->data_type, out->nr_dims, out->size);
	if (!out->data || out->size == 0) {
		fprintf(stderr, "Output tensor has no data\n");
		return EINVAL;
	}
	if (top1(out, &index, &score, &count))
		return EINVAL;
	if (count != labels->count) {
		/* e.g. the noop plugin echoes the input tensor back */
		printf("No prediction: the output has %zu scores but the labels file %zu lines\n", count,
		       labels->count);
		return 0;
	}
	printf("Prediction: %s (index %zu, score %g)\n", labels->lines[index], index, score);
	return 0;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_resource model;
	struct vaccel_tflite_tensor *in = NULL;
	struct vaccel_tflite_tensor *out = NULL;
	struct ex_image image = {0}, input = {0};
	struct ex_labels labels = {0};
	long iterations = 1, input_size = 224;
	int status = 1;
	int ret;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "Usage: %s <image> <model> <labels> [iterations] [input_size]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 4, &iterations))
		return 1;
	if (argc > 5 && example_parse_count(argv[5], "input_size", 4096, &input_size))
		return 1;
	if (ex_image_load(argv[1], &image) || ex_labels_load(argv[3], &labels))
		goto free_data;
	if (ex_image_resize(&image, (int)input_size, (int)input_size, &input)) {
		fprintf(stderr, "Out of memory resizing the image\n");
		goto free_data;
	}

	if (example_session_init(&sess, 0))
		goto free_data;
	if (example_resource_register(&model, argv[2], VACCEL_RESOURCE_MODEL, &sess))
		goto release_session;
	printf("Initialized model resource %" PRId64 "\n", model.id);

	ret = vaccel_tflite_model_load(&sess, &model);
	if (ret) {
		fprintf(stderr, "Could not load model: %s (%d)\n", strerror(ret), ret);
		goto release_model;
	}

	const int32_t dims[4] = {1, (int32_t)input_size, (int32_t)input_size, 3};
	ret = vaccel_tflite_tensor_new(&in, 4, dims, VACCEL_TFLITE_UINT8);
	if (!ret) /* borrows the pixels */
		ret = vaccel_tflite_tensor_set_data(in, input.pixels, (size_t)input_size * (size_t)input_size * 3);
	if (ret) {
		fprintf(stderr, "Could not create input tensor: %s (%d)\n", strerror(ret), ret);
		goto unload_model;
	}

	for (long i = 0; i < iterations; i++) {
		uint8_t run_status = 0;
		if (out) {
			vaccel_tflite_tensor_delete(out);
			out = NULL;
		}
		ret = vaccel_tflite_model_run(&sess, &model, &in, 1, &out, 1, &run_status);
		if (ret || !out) {
			fprintf(stderr, "Could not run model: %s (%d), status %u\n", strerror(ret ? ret : EINVAL), ret,
				(unsigned)run_status);
			goto free_tensors;
		}
	}
	if (print_prediction(out, &labels))
		goto free_tensors;
	status = 0;

free_tensors:
	if (out)
		vaccel_tflite_tensor_delete(out);
	if (in)
		vaccel_tflite_tensor_delete(in);
unload_model:
	ret = vaccel_tflite_model_unload(&sess, &model);
	if (ret) {
		fprintf(stderr, "Could not unload model: %s (%d)\n", strerror(ret), ret);
		status = 1;
	}
release_model:
	example_resource_release(&model, &sess);
release_session:
	example_session_release(&sess);
free_data:
	ex_image_free(&input);
	ex_image_free(&image);
	ex_labels_free(&labels);
	return status;
}
