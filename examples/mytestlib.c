/* SPDX-License-Identifier: Apache-2.0 */
/* libmytestlib.so: functions for the exec examples and tests, with the
 * signature the exec plugin calls:
 *   int fn(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out, size_t nr_out)
 * Non-zero return = failure (the exec op then reports VACCEL_EBACKEND). */
#include <vaccel.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* in[0]: one int32; out[0]: room for one int32, receives 2 * in[0]. */
int mytestfunc(struct vaccel_arg *input, size_t nr_in, struct vaccel_arg *output, size_t nr_out)
{
	int32_t in_value;
	int32_t out_value;

	printf("I got nr_in: %zu, nr_out: %zu\n", nr_in, nr_out);
	if (nr_in < 1 || nr_out < 1 || !input || !output) {
		fprintf(stderr, "mytestfunc: need one input and one output arg\n");
		return VACCEL_EINVAL;
	}
	if (!input[0].buf || input[0].size != sizeof(int32_t) || !output[0].buf || output[0].size < sizeof(int32_t)) {
		fprintf(stderr, "mytestfunc: input must be 4 bytes (got %zu), output at least 4 (got %zu)\n",
			input[0].size, output[0].size);
		return VACCEL_EINVAL;
	}
	memcpy(&in_value, input[0].buf, sizeof(in_value));
	printf("I got input: %d\n", (int)in_value);
	out_value = (int32_t)(in_value * 2);
	printf("Will return output: %d\n", (int)out_value);
	memcpy(output[0].buf, &out_value, sizeof(out_value));
	fflush(stdout);
	return VACCEL_OK;
}

/* "Non-serial" variant: in[0] holds a serialized int array, a uint32 count
 * followed by that many int32 values; out[0] receives the same layout with
 * every value doubled (it must be at least as large as the input). */
int mytestfunc_nonser(struct vaccel_arg *input, size_t nr_in, struct vaccel_arg *output, size_t nr_out)
{
	uint32_t count;

	printf("I got nr_in: %zu, nr_out: %zu\n", nr_in, nr_out);
	if (nr_in < 1 || nr_out < 1 || !input || !output || !input[0].buf || !output[0].buf ||
	    input[0].size < sizeof(uint32_t)) {
		fprintf(stderr, "mytestfunc_nonser: need one serialized input and one output arg\n");
		return VACCEL_EINVAL;
	}
	memcpy(&count, input[0].buf, sizeof(count));
	const size_t needed = sizeof(uint32_t) + (size_t)count * sizeof(int32_t);
	if (input[0].size != needed || output[0].size < needed) {
		fprintf(stderr, "mytestfunc_nonser: %u values need %zu bytes (input %zu, output %zu)\n", count, needed,
			input[0].size, output[0].size);
		return VACCEL_EINVAL;
	}
	const unsigned char *src = (const unsigned char *)input[0].buf + sizeof(uint32_t);
	unsigned char *dst = (unsigned char *)output[0].buf + sizeof(uint32_t);
	memcpy(output[0].buf, &count, sizeof(count));
	printf("I got %u values\n", count);
	for (uint32_t i = 0; i < count; i++) {
		int32_t v;
		memcpy(&v, src + i * sizeof(v), sizeof(v));
		v = (int32_t)(v * 2);
		memcpy(dst + i * sizeof(v), &v, sizeof(v));
	}
	fflush(stdout);
	return VACCEL_OK;
}
