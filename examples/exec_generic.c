/* SPDX-License-Identifier: Apache-2.0 */
/* exec_generic: same as exec, through vaccel_genop() with the EXEC layout
 * read = [UINT8 op code, STRING library, STRING symbol, INT32 input],
 * write = [INT32 output].
 *   exec_generic <library> [iterations] */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_arg_array read_args;
	struct vaccel_arg_array write_args;
	uint8_t op_code = VACCEL_OP_EXEC;
	char symbol[] = "mytestfunc";
	int32_t input = 10;
	int32_t output = 0;
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

	ret = vaccel_arg_array_init(&read_args, 4);
	if (ret) {
		fprintf(stderr, "Could not create read args: %s (%d)\n", strerror(ret), ret);
		goto release_session;
	}
	ret = vaccel_arg_array_init(&write_args, 1);
	if (ret) {
		fprintf(stderr, "Could not create write args: %s (%d)\n", strerror(ret), ret);
		goto release_read;
	}
	ret = vaccel_arg_array_add_uint8(&read_args, &op_code);
	if (!ret)
		ret = vaccel_arg_array_add_string(&read_args, argv[1]);
	if (!ret)
		ret = vaccel_arg_array_add_string(&read_args, symbol);
	if (!ret)
		ret = vaccel_arg_array_add_int32(&read_args, &input);
	if (!ret)
		ret = vaccel_arg_array_add_int32(&write_args, &output);
	if (ret) {
		fprintf(stderr, "Could not add args: %s (%d)\n", strerror(ret), ret);
		goto release_write;
	}

	for (long i = 0; i < iterations; i++) {
		ret = vaccel_genop(&sess, vaccel_arg_array_raw(&read_args), (int)vaccel_arg_array_count(&read_args),
				   vaccel_arg_array_raw(&write_args), (int)vaccel_arg_array_count(&write_args));
		if (ret) {
			fprintf(stderr, "Could not run exec (genop): %s (%d)\n", strerror(ret), ret);
			goto release_write;
		}
	}
	printf("output: %d\n", (int)output);
	status = 0;

release_write:
	vaccel_arg_array_release(&write_args);
release_read:
	vaccel_arg_array_release(&read_args);
release_session:
	example_session_release(&sess);
	return status;
}
