// SPDX-License-Identifier: Apache-2.0
// vaccel_noop: the cheapest op, used to measure dispatch. Hot path: one NULL
// check, two pointer loads, one atomic load for profiling (and one for the
// debug log), then the plugin call. No lock, allocation or formatting.
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion noop_region("vaccel_noop_op");
}

int vaccel_noop(struct vaccel_session *sess)
{
	VACCEL_OPS_TRY
	if (sess == nullptr)
		return invalid_arg("vaccel_noop", "session is NULL");
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing noop operation", sess->id);
	return call_plugin_op<decltype(vaccel_noop)>(sess, VACCEL_OP_NOOP, noop_region);
	VACCEL_OPS_CATCH("vaccel_noop")
}
