/* SPDX-License-Identifier: Apache-2.0 */
/* Functions for the exec plugin tests, with the exec signature
 * int fn(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out, size_t nr_out). */
#include <stdint.h>
#include <string.h>

#include <vaccel.h>

__attribute__((visibility("default"))) int vtest_double(struct vaccel_arg *in, size_t nr_in,
							struct vaccel_arg *out, size_t nr_out)
{
	if (nr_in < 1 || nr_out < 1 || in[0].size != 4 || out[0].size != 4)
		return 1;
	int32_t v;
	memcpy(&v, in[0].buf, 4);
	v *= 2;
	memcpy(out[0].buf, &v, 4);
	return 0;
}

__attribute__((visibility("default"))) int vtest_fail(struct vaccel_arg *in, size_t nr_in,
						      struct vaccel_arg *out, size_t nr_out)
{
	(void)in, (void)nr_in, (void)out, (void)nr_out;
	return 3;
}
