/* SPDX-License-Identifier: Apache-2.0 */
/* C entry point to the shared image decoder of the classification plugins (image.hpp's decode_rgb),
 * so C programs such as the tflite_inference and torch_inference examples decode images with the
 * same formats and limits as the plugins.  Link the `vaccel-plugin-image` target. */
#ifndef VACCEL_PLUGIN_IMAGE_C_H
#define VACCEL_PLUGIN_IMAGE_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes JPEG / PNG / BMP bytes into 8-bit RGB (interleaved), refusing what decode_rgb refuses.
 * Returns 0 with *width, *height and *pixels set (width * height * 3 bytes from malloc, freed by
 * the caller), or EINVAL / ENOMEM with the reason written to `error` (NUL-terminated, may be
 * NULL when error_len is 0). */
int vaccel_image_decode_rgb(const void *data, size_t size, int *width, int *height, unsigned char **pixels, char *error,
			    size_t error_len);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_PLUGIN_IMAGE_C_H */
