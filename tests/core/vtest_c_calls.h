/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VTEST_C_CALLS_H
#define VTEST_C_CALLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_config;
int vtest_c_config_init_level(struct vaccel_config *cfg, int level);
const char *vtest_c_arg_type_base_str(int value);
const char *vtest_c_arg_type_name(int value, char *buf, size_t size);
const char *vtest_c_resource_type_base_str(int value);

#ifdef __cplusplus
}
#endif

#endif /* VTEST_C_CALLS_H */
