/* SPDX-License-Identifier: Apache-2.0 */
/* mbench: drives the mbench plugin (a busy loop of a known length) to
 * measure the overhead of the path to the plugin.
 *   mbench <time_ms> <file> [iterations]
 * Each iteration calls vaccel_exec() with read = [STRING time_ms, BUFFER
 * file contents]. Prints the total wall time like a profiling region:
 *   [prof] mbench: total_time: <ns> nsec nr_entries: <iterations> */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_arg_array read_args;
	unsigned char *payload = NULL;
	size_t payload_size = 0;
	long time_ms = 0;
	long iterations = 1;
	uint64_t total_ns = 0;
	int status = 1;
	int ret;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "Usage: %s <time_ms> <file> [iterations]\n", argv[0]);
		return 1;
	}
	/* Validated here too so that a typo gives a message, not a plugin error. */
	if (example_parse_count(argv[1], "time_ms", 300000, &time_ms))
		return 1;
	if (example_iterations(argc, argv, 3, &iterations))
		return 1;
	if (example_read_file(argv[2], &payload, &payload_size))
		return 1;
	if (example_session_init(&sess, 0))
		goto free_payload;

	ret = vaccel_arg_array_init(&read_args, 2);
	if (ret) {
		fprintf(stderr, "Could not create read args: %s (%d)\n", strerror(ret), ret);
		goto release_session;
	}
	ret = vaccel_arg_array_add_string(&read_args, argv[1]);
	if (!ret)
		ret = vaccel_arg_array_add_buffer(&read_args, payload, payload_size);
	if (ret) {
		fprintf(stderr, "Could not add args: %s (%d)\n", strerror(ret), ret);
		goto release_args;
	}

	for (long i = 0; i < iterations; i++) {
		uint64_t start = example_now_ns();
		ret = vaccel_exec(&sess, "mbench", "mbench", vaccel_arg_array_raw(&read_args),
				  vaccel_arg_array_count(&read_args), NULL, 0);
		total_ns += example_now_ns() - start;
		if (ret) {
			fprintf(stderr, "Could not run mbench: %s (%d)\n", strerror(ret), ret);
			goto release_args;
		}
	}
	printf("[prof] mbench: total_time: %" PRIu64 " nsec nr_entries: %ld\n", total_ns, iterations);
	status = 0;

release_args:
	vaccel_arg_array_release(&read_args);
release_session:
	example_session_release(&sess);
free_payload:
	free(payload);
	return status;
}
