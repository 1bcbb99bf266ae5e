/* SPDX-License-Identifier: Apache-2.0 */
/* Functions for the exec plugin tests, with the exec signature
 * int fn(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out, size_t nr_out). */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <vaccel.h>

__attribute__((visibility("default"))) int vtest_double(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out,
							size_t nr_out)
{
	if (nr_in < 1 || nr_out < 1 || in[0].size != 4 || out[0].size != 4)
		return 1;
	int32_t v;
	memcpy(&v, in[0].buf, 4);
	v *= 2;
	memcpy(out[0].buf, &v, 4);
	return 0;
}

__attribute__((visibility("default"))) int vtest_fail(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out,
						      size_t nr_out)
{
	(void)in, (void)nr_in, (void)out, (void)nr_out;
	return 3;
}

/* Returns 0 once `in[0]` (int32 N) callers are inside it together, 1 if that does not happen
 * within 5 s: proves that calls overlap (used through the agent by the rpc tests). Callers
 * arrive in rounds of N; a ticket counter tells each caller which round it belongs to. */
__attribute__((visibility("default"))) int vtest_rendezvous(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out,
							    size_t nr_out)
{
	static unsigned arrived;
	(void)out, (void)nr_out;
	if (nr_in < 1 || in[0].size != 4)
		return 2;
	int32_t n;
	memcpy(&n, in[0].buf, 4);
	if (n < 1 || n > 64)
		return 2;
	unsigned ticket = __atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	unsigned round_end = ticket - ticket % (unsigned)n + (unsigned)n;
	for (int waited_ms = 0; waited_ms < 5000; ++waited_ms) {
		if (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) >= round_end)
			return 0;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return 1;
}
