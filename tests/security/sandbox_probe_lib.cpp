// SPDX-License-Identifier: Apache-2.0
// A library run through the exec plugin (test_isolation): it tries what a worker's seccomp
// filter denies, and writes what happened into out[0] (a text buffer).
#include <vaccel.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {
int report(vaccel_arg *out, size_t nr_out, const char *what, int r)
{
	if (nr_out < 1 || !out[0].buf || out[0].size == 0)
		return VACCEL_EINVAL;
	snprintf(static_cast<char *>(out[0].buf), out[0].size, "%s: %s%s", what, r < 0 ? "denied: " : "allowed",
		 r < 0 ? strerror(errno) : "");
	return VACCEL_OK;
}
} // namespace

extern "C" __attribute__((visibility("default"))) int probe_execve(vaccel_arg *, size_t, vaccel_arg *out, size_t nr_out)
{
	char *const argv[] = {const_cast<char *>("/bin/true"), nullptr};
	int r = execve("/bin/true", argv, environ); // returns only when refused
	return report(out, nr_out, "execve", r);
}

extern "C" __attribute__((visibility("default"))) int probe_inet(vaccel_arg *, size_t, vaccel_arg *out, size_t nr_out)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int r = report(out, nr_out, "socket(AF_INET)", fd);
	if (fd >= 0)
		close(fd);
	return r;
}
