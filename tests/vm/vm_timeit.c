// SPDX-License-Identifier: Apache-2.0
// vm_timeit: runs a command and prints its wall time with microsecond resolution on stderr, as
// "vm_timeit: <ms> ms: <command>". Busybox in the guest has only 10 ms clocks; this lets the guest and the
// host time the same commands the same way. Exit status: the command's (127 if it could not be started).
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vm_timeit COMMAND [ARGS...]\n");
		return 2;
	}
	double start = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		perror("vm_timeit: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("vm_timeit: exec");
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("vm_timeit: waitpid");
			return 127;
		}
	}
	double elapsed = now_ms() - start;
	fprintf(stderr, "vm_timeit: %.3f ms:", elapsed);
	for (int i = 1; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fprintf(stderr, "\n");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
