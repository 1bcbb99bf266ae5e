// SPDX-License-Identifier: Apache-2.0
// vaccel_opencv: generic hook, args handed to the plugin unchecked (only the
// session and the NULL-vs-count consistency are checked, to avoid crashes).
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion opencv_region("vaccel_opencv_op");
}

int vaccel_opencv(struct vaccel_session *sess, struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
		  size_t nr_write)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_opencv";
	if (int ret = check_session(sess, what))
		return ret;
	if ((read == nullptr && nr_read > 0) || (write == nullptr && nr_write > 0))
		return invalid_arg(what, "args are NULL but their count is not 0");
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing opencv", sess->id);
	return call_plugin_op<decltype(vaccel_opencv)>(sess, VACCEL_OP_OPENCV, opencv_region, read, nr_read, write,
						       nr_write);
	VACCEL_OPS_CATCH("vaccel_opencv")
}

int vaccel_opencv_unpack(struct vaccel_session *sess, struct vaccel_arg *read, int nr_read, struct vaccel_arg *write,
			 int nr_write)
{
	// The vAccel 0.8 genop-style entry point: int counts, same pass-through.
	if (nr_read < 0 || nr_write < 0)
		return invalid_arg("vaccel_opencv_unpack", "negative arg count");
	return vaccel_opencv(sess, read, static_cast<size_t>(nr_read), write, static_cast<size_t>(nr_write));
}
