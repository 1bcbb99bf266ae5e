/* SPDX-License-Identifier: Apache-2.0 */
/* exec_with_resource: runs mytestfunc from a library shipped as a LIB
 * resource, twice: once from a resource made from the library's path
 * ("output1") and once from a resource made from the library's bytes in
 * memory ("output2").
 *   exec_with_resource <library> [iterations]
 * Prints "output1: <n>" and "output2: <n>" (20 each with the exec plugin). */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

/* Runs mytestfunc(10) `iterations` times from `lib`; result in *output. */
static int run_mytestfunc(struct vaccel_session *sess, struct vaccel_resource *lib, long iterations, int32_t *output)
{
	int32_t input = 10;
	struct vaccel_arg read_arg;
	struct vaccel_arg write_arg;
	/* Borrowed buffers: the plugin writes straight into *output. */
	int ret = vaccel_arg_init_from_buf(&read_arg, &input, sizeof(input), VACCEL_ARG_INT32, 0);
	if (!ret)
		ret = vaccel_arg_init_from_buf(&write_arg, output, sizeof(*output), VACCEL_ARG_INT32, 0);
	if (ret) {
		fprintf(stderr, "Could not create args: %s (%d)\n", strerror(ret), ret);
		return ret;
	}
	for (long i = 0; i < iterations && !ret; i++) {
		ret = vaccel_exec_with_resource(sess, lib, "mytestfunc", &read_arg, 1, &write_arg, 1);
		if (ret)
			fprintf(stderr, "Could not run exec_with_resource: %s (%d)\n", strerror(ret), ret);
	}
	vaccel_arg_release(&write_arg);
	vaccel_arg_release(&read_arg);
	return ret;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_resource from_path;
	struct vaccel_resource from_buf;
	unsigned char *lib_bytes = NULL;
	size_t lib_size = 0;
	int32_t output1 = 0;
	int32_t output2 = 0;
	long iterations = 1;
	int status = 1;
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: %s <library> [iterations]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 2, &iterations))
		return 1;
	if (example_read_file(argv[1], &lib_bytes, &lib_size))
		return 1;
	if (example_session_init(&sess, 0))
		goto free_bytes;

	/* 1. Library from its path. */
	if (example_resource_register(&from_path, argv[1], VACCEL_RESOURCE_LIB, &sess))
		goto release_session;
	ret = run_mytestfunc(&sess, &from_path, iterations, &output1);
	example_resource_release(&from_path, &sess);
	if (ret)
		goto release_session;
	printf("output1: %d\n", (int)output1);
	fflush(stdout);

	/* 2. Library from a memory buffer (persisted under the resource's rundir). */
	ret = vaccel_resource_init_from_buf(&from_buf, lib_bytes, lib_size, VACCEL_RESOURCE_LIB, base_name(argv[1]),
					    false);
	if (ret) {
		fprintf(stderr, "Could not create LIB resource from buffer: %s (%d)\n", strerror(ret), ret);
		goto release_session;
	}
	ret = vaccel_resource_register(&from_buf, &sess);
	if (ret) {
		fprintf(stderr, "Could not register LIB resource: %s (%d)\n", strerror(ret), ret);
		vaccel_resource_release(&from_buf);
		goto release_session;
	}
	ret = run_mytestfunc(&sess, &from_buf, iterations, &output2);
	example_resource_release(&from_buf, &sess);
	if (ret)
		goto release_session;
	printf("output2: %d\n", (int)output2);
	status = 0;

release_session:
	example_session_release(&sess);
free_bytes:
	free(lib_bytes);
	return status;
}
