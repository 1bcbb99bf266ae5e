// SPDX-License-Identifier: Apache-2.0
// Deprecated FPGA demo ops, kept for seed-era applications.
#include <cinttypes>

#include "op_common.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using namespace vaccel::ops;

namespace {
OpRegion arraycopy_region("vaccel_fpga_arraycopy_op");
OpRegion mmult_region("vaccel_fpga_mmult_op");
OpRegion parallel_region("vaccel_fpga_parallel_op");
OpRegion vadd_region("vaccel_fpga_vadd_op");

// All array pointers must be set and the main length non-zero.
template <typename... Ptrs>
int check_arrays(const char *what, size_t len, Ptrs... ptrs) noexcept
{
	if (((ptrs == nullptr) || ...))
		return invalid_arg(what, "an array argument is NULL");
	if (len == 0)
		return invalid_arg(what, "array length is 0");
	return VACCEL_OK;
}
} // namespace

int vaccel_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[], size_t len_a)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_fpga_arraycopy";
	if (int ret = check_session(sess, what))
		return ret;
	if (int ret = check_arrays(what, len_a, a, out_a))
		return ret;
	return call_plugin_op<decltype(vaccel_fpga_arraycopy)>(sess, VACCEL_OP_FPGA_ARRAYCOPY, arraycopy_region, a,
							       out_a, len_a);
	VACCEL_OPS_CATCH("vaccel_fpga_arraycopy")
}

int vaccel_fpga_mmult(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_fpga_mmult";
	if (int ret = check_session(sess, what))
		return ret;
	if (int ret = check_arrays(what, len_a, a, b, c))
		return ret;
	return call_plugin_op<decltype(vaccel_fpga_mmult)>(sess, VACCEL_OP_FPGA_MMULT, mmult_region, a, b, c, len_a);
	VACCEL_OPS_CATCH("vaccel_fpga_mmult")
}

int vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[], float add_output[], float mult_output[],
			 size_t len_a)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_fpga_parallel";
	if (int ret = check_session(sess, what))
		return ret;
	if (int ret = check_arrays(what, len_a, a, b, add_output, mult_output))
		return ret;
	return call_plugin_op<decltype(vaccel_fpga_parallel)>(sess, VACCEL_OP_FPGA_PARALLEL, parallel_region, a, b,
							      add_output, mult_output, len_a);
	VACCEL_OPS_CATCH("vaccel_fpga_parallel")
}

int vaccel_fpga_vadd(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a, size_t len_b)
{
	VACCEL_OPS_TRY
	constexpr const char *what = "vaccel_fpga_vadd";
	if (int ret = check_session(sess, what))
		return ret;
	if (int ret = check_arrays(what, len_a, a, b, c))
		return ret;
	if (len_b == 0)
		return invalid_arg(what, "len_b is 0");
	return call_plugin_op<decltype(vaccel_fpga_vadd)>(sess, VACCEL_OP_FPGA_VECTORADD, vadd_region, a, b, c, len_a,
							  len_b);
	VACCEL_OPS_CATCH("vaccel_fpga_vadd")
}
