// SPDX-License-Identifier: Apache-2.0
// A library whose constructor leaves a marker file (path in $VACCEL_TEST_MARKER): the proof,
// for test_toctou, that a client got the agent to load code it was not allowed to run.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace {
__attribute__((constructor)) void leave_marker()
{
	const char *path = getenv("VACCEL_TEST_MARKER");
	if (!path || !*path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}
} // namespace

extern "C" int vaccel_test_marker_fn()
{
	return 0;
}
