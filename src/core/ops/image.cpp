// SPDX-License-Identifier: Apache-2.0
// Image operations: classify, detect, segment, pose, depth.
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion image_region("vaccel_image_op");

// Signature shared by detect/segment/pose/depth.
using ImageOpFn = int(vaccel_session *, const void *, unsigned char *, size_t, size_t);

int check_image_input(const char *what, const void *img, size_t len_img) noexcept
{
	if (img == nullptr)
		return invalid_arg(what, "image is NULL");
	if (len_img == 0)
		return invalid_arg(what, "image length is 0");
	return VACCEL_OK;
}

int check_output(const char *what, const unsigned char *out, size_t len, const char *name) noexcept
{
	if (out == nullptr || len == 0) {
		vaccel_error("%s: output buffer %s is NULL or empty", what, name);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

// Common path of the four single-output image ops.
int image_op(vaccel_op_type_t type, const char *what, vaccel_session *sess, const void *img, unsigned char *out_imgname,
	     size_t len_img, size_t len_out_imgname)
{
	if (int ret = check_session(sess, what))
		return ret;
	if (int ret = check_image_input(what, img, len_img))
		return ret;
	if (int ret = check_output(what, out_imgname, len_out_imgname, "out_imgname"))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing %s", sess->id,
			 vaccel_op_type_to_str(type));
	return call_plugin_op<ImageOpFn>(sess, type, image_region, img, out_imgname, len_img, len_out_imgname);
}
} // namespace

int vaccel_image_classification(struct vaccel_session *sess, const void *img, unsigned char *out_text,
				unsigned char *out_imgname, size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_image_classification";
	if (int ret = check_session(sess, what))
		return ret;
	if (int ret = check_image_input(what, img, len_img))
		return ret;
	if (int ret = check_output(what, out_text, len_out_text, "out_text"))
		return ret;
	if (int ret = check_output(what, out_imgname, len_out_imgname, "out_imgname"))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing image classification", sess->id);
	return call_plugin_op<decltype(vaccel_image_classification)>(sess, VACCEL_OP_IMAGE_CLASSIFY, image_region, img,
								     out_text, out_imgname, len_img, len_out_text,
								     len_out_imgname);
	VACCEL_OPS_CATCH("vaccel_image_classification")
}

int vaccel_image_detection(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
			   size_t len_out_imgname)
{
	VACCEL_OPS_TRY
	return image_op(VACCEL_OP_IMAGE_DETECT, "vaccel_image_detection", sess, img, out_imgname, len_img,
			len_out_imgname);
	VACCEL_OPS_CATCH("vaccel_image_detection")
}

int vaccel_image_segmentation(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
			      size_t len_out_imgname)
{
	VACCEL_OPS_TRY
	return image_op(VACCEL_OP_IMAGE_SEGMENT, "vaccel_image_segmentation", sess, img, out_imgname, len_img,
			len_out_imgname);
	VACCEL_OPS_CATCH("vaccel_image_segmentation")
}

int vaccel_image_pose(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		      size_t len_out_imgname)
{
	VACCEL_OPS_TRY
	return image_op(VACCEL_OP_IMAGE_POSE, "vaccel_image_pose", sess, img, out_imgname, len_img, len_out_imgname);
	VACCEL_OPS_CATCH("vaccel_image_pose")
}

int vaccel_image_depth(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		       size_t len_out_imgname)
{
	VACCEL_OPS_TRY
	return image_op(VACCEL_OP_IMAGE_DEPTH, "vaccel_image_depth", sess, img, out_imgname, len_img, len_out_imgname);
	VACCEL_OPS_CATCH("vaccel_image_depth")
}
