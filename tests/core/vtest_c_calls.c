/* SPDX-License-Identifier: Apache-2.0 */
/* Calls made from C on purpose: in C an enum parameter may carry any int
 * (e.g. a log level of 99 or an unknown type value), while producing such a
 * value in C++ is undefined behaviour. The tests use these to check how the
 * library handles out-of-range values that real C callers can pass. */
#include <vaccel.h>

#include "vtest_c_calls.h"

int vtest_c_config_init_level(struct vaccel_config *cfg, int level)
{
	return vaccel_config_init(cfg, NULL, (vaccel_log_level_t)level, NULL, false, false);
}

const char *vtest_c_arg_type_base_str(int value)
{
	return vaccel_arg_type_to_base_str((vaccel_arg_type_t)value);
}

const char *vtest_c_arg_type_name(int value, char *buf, size_t size)
{
	return vaccel_arg_type_name((vaccel_arg_type_t)value, buf, size);
}

const char *vtest_c_resource_type_base_str(int value)
{
	return vaccel_resource_type_to_base_str((vaccel_resource_type_t)value);
}
