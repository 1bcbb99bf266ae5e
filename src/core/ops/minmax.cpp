// SPDX-License-Identifier: Apache-2.0
// Deprecated min/max demo op, kept for seed-era applications.
#include <cinttypes>

#include "op_common.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using namespace vaccel::ops;

namespace {
OpRegion minmax_region("vaccel_minmax_op");
}

int vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata, int low_threshold, int high_threshold,
		  double *outdata, double *min, double *max)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_minmax";
	if (int ret = check_session(sess, what))
		return ret;
	if (indata == nullptr || outdata == nullptr || min == nullptr || max == nullptr)
		return invalid_arg(what, "indata, outdata, min or max is NULL");
	if (ndata <= 0)
		return invalid_arg(what, "ndata must be positive");
	return call_plugin_op<decltype(vaccel_minmax)>(sess, VACCEL_OP_MINMAX, minmax_region, indata, ndata,
						       low_threshold, high_threshold, outdata, min, max);
	VACCEL_OPS_CATCH("vaccel_minmax")
}
