/* SPDX-License-Identifier: Apache-2.0 */
/* Image operations. img is the encoded image (JPEG/PNG/BMP...); outputs
 * are NUL-terminated strings written into caller buffers. */
#ifndef VACCEL_OPS_IMAGE_H
#define VACCEL_OPS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Classification: top result text into out_text, an output image name into
 * out_imgname. VACCEL_EINVAL on NULL/zero-length args. */
int vaccel_image_classification(struct vaccel_session *sess, const void *img, unsigned char *out_text,
				unsigned char *out_imgname, size_t len_img, size_t len_out_text,
				size_t len_out_imgname);
int vaccel_image_detection(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
			   size_t len_out_imgname);
int vaccel_image_segmentation(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
			      size_t len_out_imgname);
int vaccel_image_pose(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		      size_t len_out_imgname);
int vaccel_image_depth(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		       size_t len_out_imgname);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_IMAGE_H */
