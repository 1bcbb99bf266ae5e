/* SPDX-License-Identifier: Apache-2.0 */
/* noop: the no-op operation, end to end through the session's plugin.
 *   noop [iterations]
 * Prints the session id; exit status 0 on success, 1 on error. */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	long iterations = 1;
	int status = 1;

	if (argc > 2) {
		fprintf(stderr, "Usage: %s [iterations]\n", argv[0]);
		return 1;
	}
	if (example_iterations(argc, argv, 1, &iterations))
		return 1;
	if (example_session_init(&sess, 0))
		return 1;

	for (long i = 0; i < iterations; i++) {
		int ret = vaccel_noop(&sess);
		if (ret) {
			fprintf(stderr, "Could not run noop: %s (%d)\n", strerror(ret), ret);
			goto release_session;
		}
	}
	status = 0;

release_session:
	example_session_release(&sess);
	return status;
}
