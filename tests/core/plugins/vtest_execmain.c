/* SPDX-License-Identifier: Apache-2.0 */
/* Main library of a multi-blob LIB resource: needs vtest_dep_factor from
 * libvtest-execdep.so (not a DT_NEEDED entry). */
#include <stdint.h>
#include <string.h>

#include <vaccel.h>

extern int vtest_dep_factor(void);

__attribute__((visibility("default"))) int vtest_triple(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out,
							size_t nr_out)
{
	if (nr_in < 1 || nr_out < 1 || in[0].size != 4 || out[0].size != 4)
		return 1;
	int32_t v;
	memcpy(&v, in[0].buf, 4);
	v *= vtest_dep_factor();
	memcpy(out[0].buf, &v, 4);
	return 0;
}
