/* SPDX-License-Identifier: Apache-2.0 */
/* exec_serialized: exec with a structured argument that travels serialized.
 * A struct with a pointer (struct mydata) cannot be sent as raw bytes, so a
 * serializer flattens it into [uint32 count][int32 values...] (what
 * mytestfunc_nonser of libmytestlib.so expects), and a deserializer turns the
 * output back into a struct.
 *   exec_serialized <library> [iterations]
 * Prints "output: 2 4 6 8 10" with the exec plugin (the noop plugin echoes
 * the input: "output: 1 2 3 4 5"). */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#define MYDATA_ID 1 /* custom type id of serialized struct mydata args */
#define NR_VALUES 5

struct mydata {
	uint32_t count;
	int32_t *values;
};

/* struct mydata -> malloc'd [count][values]. */
static int mydata_serialize(const void *data, size_t data_size, uint32_t custom_id, void **buf, size_t *size)
{
	const struct mydata *d = data;
	if (data_size != sizeof(*d) || custom_id != MYDATA_ID)
		return VACCEL_EINVAL;
	*size = sizeof(uint32_t) + (size_t)d->count * sizeof(int32_t);
	unsigned char *out = malloc(*size);
	if (!out)
		return VACCEL_ENOMEM;
	memcpy(out, &d->count, sizeof(uint32_t));
	if (d->count)
		memcpy(out + sizeof(uint32_t), d->values, (size_t)d->count * sizeof(int32_t));
	*buf = out;
	return VACCEL_OK;
}

/* [count][values] -> caller's struct mydata (values must have room for count). */
static int mydata_deserialize(const void *buf, size_t size, uint32_t custom_id, size_t data_size, void *data)
{
	struct mydata *d = data;
	uint32_t count;
	if (data_size != sizeof(*d) || custom_id != MYDATA_ID || size < sizeof(count))
		return VACCEL_EINVAL;
	memcpy(&count, buf, sizeof(count));
	if (count > d->count || size != sizeof(count) + (size_t)count * sizeof(int32_t))
		return VACCEL_EINVAL;
	d->count = count;
	memcpy(d->values, (const unsigned char *)buf + sizeof(count), (size_t)count * sizeof(int32_t));
	return VACCEL_OK;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_arg_array read_args;
	struct vaccel_arg_array write_args;
	int32_t in_values[NR_VALUES] = {1, 2, 3, 4, 5};
	int32_t out_values[NR_VALUES] = {0};
	struct mydata in = {NR_VALUES, in_values};
	struct mydata out = {NR_VALUES, out_values};
	long iterations = 1;
	int status = 1;
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: %s <library> [iterations]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 2, &iterations))
		return 1;
	if (example_session_init(&sess, 0))
		return 1;
	ret = vaccel_arg_array_init(&read_args, 1);
	if (ret) {
		fprintf(stderr, "Could not create read args: %s (%d)\n", strerror(ret), ret);
		goto release_session;
	}
	ret = vaccel_arg_array_init(&write_args, 1);
	if (ret) {
		fprintf(stderr, "Could not create write args: %s (%d)\n", strerror(ret), ret);
		goto release_read;
	}
	/* The output slot is the serialized form of `out` (same size as the input). */
	ret = vaccel_arg_array_add_serialized(&read_args, VACCEL_ARG_CUSTOM, MYDATA_ID, &in, sizeof(in),
					      mydata_serialize);
	if (!ret)
		ret = vaccel_arg_array_add_serialized(&write_args, VACCEL_ARG_CUSTOM, MYDATA_ID, &out, sizeof(out),
						      mydata_serialize);
	if (ret) {
		fprintf(stderr, "Could not serialize args: %s (%d)\n", strerror(ret), ret);
		goto release_write;
	}

	for (long i = 0; i < iterations; i++) {
		ret = vaccel_exec(&sess, argv[1], "mytestfunc_nonser", vaccel_arg_array_raw(&read_args),
				  vaccel_arg_array_count(&read_args), vaccel_arg_array_raw(&write_args),
				  vaccel_arg_array_count(&write_args));
		if (ret) {
			fprintf(stderr, "Could not run exec: %s (%d)\n", strerror(ret), ret);
			goto release_write;
		}
	}
	vaccel_arg_array_reset_position(&write_args);
	ret = vaccel_arg_array_get_serialized(&write_args, VACCEL_ARG_CUSTOM, MYDATA_ID, &out, sizeof(out),
					      mydata_deserialize);
	if (ret) {
		fprintf(stderr, "Could not deserialize the output: %s (%d)\n", strerror(ret), ret);
		goto release_write;
	}
	printf("output:");
	for (uint32_t i = 0; i < out.count; i++)
		printf(" %d", (int)out.values[i]);
	printf("\n");
	status = 0;

release_write:
	vaccel_arg_array_release(&write_args);
release_read:
	vaccel_arg_array_release(&read_args);
release_session:
	example_session_release(&sess);
	return status;
}
