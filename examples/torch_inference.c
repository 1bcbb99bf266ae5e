/* SPDX-License-Identifier: Apache-2.0 */
/* torch_inference: image classification with a TorchScript model through
 * the vAccel Torch model load/run API.
 *
 *   torch_inference <image> <model> <labels> [iterations]
 *
 * ImageNet preprocessing: decode to RGB, centre-crop a square of 224/256 of
 * the shorter side, resize it to 224x224 bilinearly, convert to NCHW float
 * with (x/255 - mean) / std. The output logits go through softmax. The model
 * is a MODEL resource (path or URL). Prints the output tensor shape and
 *   Prediction: <label> (index <i>, probability <p>) */
#define _POSIX_C_SOURCE 200809L

#include "image_prep.h"

#define INPUT_SIDE 224

static const float kMean[3] = {0.485f, 0.456f, 0.406f};
static const float kStd[3] = {0.229f, 0.224f, 0.225f};

/* HWC uint8 -> normalised CHW float (malloc'd). */
static float *to_nchw(const struct ex_image *img)
{
	const size_t plane = (size_t)img->width * (size_t)img->height;
	float *out = malloc(plane * 3 * sizeof(float));
	if (!out)
		return NULL;
	for (int c = 0; c < 3; c++)
		for (size_t i = 0; i < plane; i++)
			out[c * plane + i] = ((float)img->pixels[i * 3 + c] / 255.0f - kMean[c]) / kStd[c];
	return out;
}

static int print_prediction(const struct vaccel_torch_tensor *out, const struct ex_labels *labels)
{
	printf("Output tensor => type:%d nr_dims:%" PRId64 " size:%zuB\n", (int)out->data_type, out->nr_dims,
	       out->size);
	if (out->data_type != VACCEL_TORCH_FLOAT || !out->data || out->size < sizeof(float)) {
		fprintf(stderr, "Expected a float output tensor\n");
		return EINVAL;
	}
	const float *logits = out->data;
	const size_t count = out->size / sizeof(float);
	if (count != labels->count) {
		/* e.g. the noop plugin echoes the input tensor back */
		printf("No prediction: the output has %zu scores but the labels file %zu lines\n", count,
		       labels->count);
		return 0;
	}
	const size_t best = ex_argmax_f32(logits, count);
	double sum = 0.0;
	for (size_t i = 0; i < count; i++)
		sum += exp((double)logits[i] - (double)logits[best]);
	printf("Prediction: %s (index %zu, probability %.4f)\n", labels->lines[best], best, 1.0 / sum);
	return 0;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_resource model;
	struct vaccel_torch_tensor *in = NULL;
	struct vaccel_torch_tensor *out = NULL;
	struct ex_image image = {0}, input = {0};
	struct ex_labels labels = {0};
	float *chw = NULL;
	long iterations = 1;
	int status = 1;
	int ret;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "Usage: %s <image> <model> <labels> [iterations]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 4, &iterations))
		return 1;
	if (ex_image_load(argv[1], &image) || ex_labels_load(argv[3], &labels))
		goto free_data;
	if (ex_image_crop_resize(&image, 224.0 / 256.0, INPUT_SIDE, INPUT_SIDE, &input) || !(chw = to_nchw(&input))) {
		fprintf(stderr, "Out of memory preparing the input\n");
		goto free_data;
	}

	if (example_session_init(&sess, 0))
		goto free_data;
	if (example_resource_register(&model, argv[2], VACCEL_RESOURCE_MODEL, &sess))
		goto release_session;
	printf("Initialized model resource %" PRId64 "\n", model.id);

	ret = vaccel_torch_model_load(&sess, &model);
	if (ret) {
		fprintf(stderr, "Could not load model: %s (%d)\n", strerror(ret), ret);
		goto release_model;
	}

	const int64_t dims[4] = {1, 3, INPUT_SIDE, INPUT_SIDE};
	ret = vaccel_torch_tensor_new(&in, 4, dims, VACCEL_TORCH_FLOAT);
	if (!ret) /* borrows chw */
		ret = vaccel_torch_tensor_set_data(in, chw, (size_t)3 * INPUT_SIDE * INPUT_SIDE * sizeof(float));
	if (ret) {
		fprintf(stderr, "Could not create input tensor: %s (%d)\n", strerror(ret), ret);
		goto free_tensors;
	}

	for (long i = 0; i < iterations; i++) {
		if (out) {
			vaccel_torch_tensor_delete(out);
			out = NULL;
		}
		ret = vaccel_torch_model_run(&sess, &model, NULL, &in, 1, &out, 1);
		if (ret || !out) {
			fprintf(stderr, "Could not run model: %s (%d)\n", strerror(ret ? ret : EINVAL), ret);
			goto free_tensors;
		}
	}
	if (print_prediction(out, &labels))
		goto free_tensors;
	status = 0;

free_tensors:
	if (out)
		vaccel_torch_tensor_delete(out);
	if (in)
		vaccel_torch_tensor_delete(in);
release_model:
	example_resource_release(&model, &sess);
release_session:
	example_session_release(&sess);
free_data:
	free(chw);
	ex_image_free(&input);
	ex_image_free(&image);
	ex_labels_free(&labels);
	return status;
}
