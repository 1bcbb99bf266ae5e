/* SPDX-License-Identifier: Apache-2.0 */
/* libvxmain.so: needs libvxdep.so (DT_NEEDED, no RPATH), so it only loads
 * when the dependency was loaded first, e.g. as an earlier blob of a LIB
 * resource. Functions have the exec plugin's signature. */
#include <vaccel.h>

#include <stdint.h>
#include <string.h>

int vx_dep_triple(int value);

/* out[0] = 3 * in[0] (int32), computed by the dependency. */
int vx_triple(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out, size_t nr_out)
{
	int32_t v;
	if (nr_in < 1 || nr_out < 1 || in[0].size != sizeof(v) || out[0].size < sizeof(v))
		return VACCEL_EINVAL;
	memcpy(&v, in[0].buf, sizeof(v));
	v = vx_dep_triple(v);
	memcpy(out[0].buf, &v, sizeof(v));
	return 0;
}

/* Always reports failure (the exec op must turn it into VACCEL_EBACKEND). */
int vx_fail(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out, size_t nr_out)
{
	(void)in;
	(void)nr_in;
	(void)out;
	(void)nr_out;
	return 7;
}
