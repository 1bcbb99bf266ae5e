/* SPDX-License-Identifier: Apache-2.0 */
/* Image decoding (JPEG/PNG/BMP, with the plugins' own decoder and limits), resizing and labels for
 * the tflite_inference and torch_inference examples. Plain C, header-only.
 * Link with the vaccel-plugin-image target (plugins/common/image_c.h). */
#ifndef VACCEL_EXAMPLES_IMAGE_PREP_H
#define VACCEL_EXAMPLES_IMAGE_PREP_H

#include "common.h"

#include <math.h>
#include <image_c.h>

/* 8-bit RGB, interleaved (HWC). */
struct ex_image {
	int width;
	int height;
	unsigned char *pixels;
};

static inline void ex_image_free(struct ex_image *img)
{
	free(img->pixels);
	img->pixels = NULL;
	img->width = img->height = 0;
}

/* Decodes a JPEG, PNG or BMP file into RGB, refusing what the plugins refuse. */
static inline int ex_image_load(const char *path, struct ex_image *img)
{
	unsigned char *bytes = NULL;
	size_t size = 0;
	int ret = example_read_file(path, &bytes, &size);
	if (ret)
		return ret;
	char why[256];
	ret = vaccel_image_decode_rgb(bytes, size, &img->width, &img->height, &img->pixels, why, sizeof(why));
	free(bytes);
	if (ret)
		fprintf(stderr, "Could not decode image %s: %s\n", path, why);
	return ret;
}

/* Source coordinate of destination pixel `d` with half-pixel centres (the
 * convention of OpenCV INTER_LINEAR), split into two taps and a weight. */
static inline void ex_tap(int d, int src_len, int dst_len, int *lo, int *hi, float *w_hi)
{
	double s = ((double)d + 0.5) * (double)src_len / (double)dst_len - 0.5;
	if (s < 0.0)
		s = 0.0;
	int l = (int)floor(s);
	if (l > src_len - 1)
		l = src_len - 1;
	*lo = l;
	*hi = l + 1 < src_len ? l + 1 : src_len - 1;
	*w_hi = (float)(s - (double)l);
}

/* Bilinear resize of the region (x0, y0, w, h) of src to dst_w x dst_h. */
static inline int ex_image_resize_region(const struct ex_image *src, int x0, int y0, int w, int h, int dst_w, int dst_h,
					 struct ex_image *dst)
{
	dst->pixels = malloc((size_t)dst_w * (size_t)dst_h * 3);
	if (!dst->pixels)
		return ENOMEM;
	dst->width = dst_w;
	dst->height = dst_h;
	const size_t stride = (size_t)src->width * 3;
	unsigned char *out = dst->pixels;
	for (int y = 0; y < dst_h; y++) {
		int ylo, yhi;
		float wy;
		ex_tap(y, h, dst_h, &ylo, &yhi, &wy);
		const unsigned char *r0 = src->pixels + (size_t)(y0 + ylo) * stride;
		const unsigned char *r1 = src->pixels + (size_t)(y0 + yhi) * stride;
		for (int x = 0; x < dst_w; x++) {
			int xlo, xhi;
			float wx;
			ex_tap(x, w, dst_w, &xlo, &xhi, &wx);
			const size_t a = (size_t)(x0 + xlo) * 3, b = (size_t)(x0 + xhi) * 3;
			for (int c = 0; c < 3; c++) {
				float top = r0[a + c] + wx * (float)(r0[b + c] - r0[a + c]);
				float bot = r1[a + c] + wx * (float)(r1[b + c] - r1[a + c]);
				float v = top + wy * (bot - top);
				v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
				*out++ = (unsigned char)lrintf(v);
			}
		}
	}
	return 0;
}

/* Whole image resized (TFLite MobileNet preprocessing). */
static inline int ex_image_resize(const struct ex_image *src, int dst_w, int dst_h, struct ex_image *dst)
{
	return ex_image_resize_region(src, 0, 0, src->width, src->height, dst_w, dst_h, dst);
}

/* Centre square of `fraction` of the shorter side, resized (torchvision-style
 * Resize(256) + CenterCrop(224) with fraction = 224/256). */
static inline int ex_image_crop_resize(const struct ex_image *src, double fraction, int dst_w, int dst_h,
				       struct ex_image *dst)
{
	int shorter = src->width < src->height ? src->width : src->height;
	int side = (int)lround(shorter * fraction);
	if (side < 1)
		side = 1;
	return ex_image_resize_region(src, (src->width - side) / 2, (src->height - side) / 2, side, side, dst_w, dst_h,
				      dst);
}

/* Labels file: one label per line; line i names class i. */
struct ex_labels {
	char *text; /* file contents, split in place */
	char **lines;
	size_t count;
};

static inline void ex_labels_free(struct ex_labels *labels)
{
	free(labels->lines);
	free(labels->text);
	memset(labels, 0, sizeof(*labels));
}

static inline int ex_labels_load(const char *path, struct ex_labels *labels)
{
	size_t size = 0;
	memset(labels, 0, sizeof(*labels));
	int ret = example_read_file(path, (unsigned char **)&labels->text, &size);
	if (ret)
		return ret;
	size_t max_lines = 1;
	for (size_t i = 0; i < size; i++)
		max_lines += labels->text[i] == '\n';
	labels->lines = calloc(max_lines, sizeof(char *));
	if (!labels->lines) {
		ex_labels_free(labels);
		return ENOMEM;
	}
	char *p = labels->text;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		size_t len = strlen(p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
			p[--len] = '\0';
		labels->lines[labels->count++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (labels->count == 0) {
		fprintf(stderr, "Labels file %s is empty\n", path);
		ex_labels_free(labels);
		return EINVAL;
	}
	return 0;
}

/* Index of the largest of n floats. */
static inline size_t ex_argmax_f32(const float *v, size_t n)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

#endif /* VACCEL_EXAMPLES_IMAGE_PREP_H */
