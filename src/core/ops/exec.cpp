// SPDX-License-Identifier: Apache-2.0
// vaccel_exec / vaccel_exec_with_resource: run a function of a shared
// library on the plugin's side.
#include <cinttypes>

#include "op_common.hpp"

using namespace vaccel::ops;

namespace {
OpRegion exec_region("vaccel_exec_op");
OpRegion exec_with_resource_region("vaccel_exec_with_resource_op");

// An arg vector is consistent if it is NULL only when empty.
int check_arg_vectors(const char *what, const vaccel_arg *read, size_t nr_read, const vaccel_arg *write,
		      size_t nr_write) noexcept
{
	if (read == nullptr && nr_read > 0)
		return invalid_arg(what, "read args are NULL but nr_read > 0");
	if (write == nullptr && nr_write > 0)
		return invalid_arg(what, "write args are NULL but nr_write > 0");
	return VACCEL_OK;
}
} // namespace

int vaccel_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol, struct vaccel_arg *read,
		size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_exec";
	if (int ret = check_session(sess, what))
		return ret;
	if (library == nullptr)
		return invalid_arg(what, "library is NULL");
	if (fn_symbol == nullptr)
		return invalid_arg(what, "fn_symbol is NULL");
	if (int ret = check_arg_vectors(what, read, nr_read, write, nr_write))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing exec (%s:%s)", sess->id, library,
			 fn_symbol);
	return call_plugin_op<decltype(vaccel_exec)>(sess, VACCEL_OP_EXEC, exec_region, library, fn_symbol, read,
						     nr_read, write, nr_write);
	VACCEL_OPS_CATCH("vaccel_exec")
}

int vaccel_exec_with_resource(struct vaccel_session *sess, struct vaccel_resource *resource, const char *fn_symbol,
			      struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_exec_with_resource";
	if (int ret = check_session(sess, what))
		return ret;
	if (fn_symbol == nullptr)
		return invalid_arg(what, "fn_symbol is NULL");
	if (int ret = check_arg_vectors(what, read, nr_read, write, nr_write))
		return ret;
	if (int ret = check_resource(sess, resource, VACCEL_RESOURCE_LIB, what))
		return ret;
	VACCEL_OPS_DEBUG("session:%" PRId64 " Looking for plugin implementing exec_with_resource (resource %" PRId64
			 ", %s)",
			 sess->id, resource->id, fn_symbol);
	return call_plugin_op<decltype(vaccel_exec_with_resource)>(sess, VACCEL_OP_EXEC_WITH_RESOURCE,
								   exec_with_resource_region, resource, fn_symbol, read,
								   nr_read, write, nr_write);
	VACCEL_OPS_CATCH("vaccel_exec_with_resource")
}
