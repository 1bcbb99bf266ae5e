// SPDX-License-Identifier: Apache-2.0
// vm_echo_agent: host-side stand-in for vaccel-agent, used only to test the VM runner (scripts/vm/run-vm.sh).
// Listens on a unix socket, accepts one connection at a time (QEMU's chardev is one connection per port)
// and writes every byte it receives back. Runs until SIGTERM/SIGINT.
//
// Usage: vm_echo_agent -a unix://PATH
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof addr.sun_path) {
		fprintf(stderr, "vm_echo_agent: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 4) != 0) {
		fprintf(stderr, "vm_echo_agent: bind/listen %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

// Echoes until the peer hangs up or a stop is requested; returns the number of bytes echoed.
static long long echo_connection(int conn)
{
	char buf[65536];
	long long total = 0;
	while (!stop_requested) {
		ssize_t n = read(conn, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write_all(conn, buf, (size_t)n) != 0)
			break;
		total += n;
	}
	return total;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "-a") != 0 || strncmp(argv[2], "unix://", 7) != 0) {
		fprintf(stderr, "usage: vm_echo_agent -a unix://PATH\n");
		return 2;
	}
	const char *path = argv[2] + 7;
	struct sigaction sa = {.sa_handler = on_signal}; // no SA_RESTART: accept()/read() must see EINTR
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int listener = listen_unix(path);
	if (listener < 0)
		return 1;
	fprintf(stderr, "vm_echo_agent: listening on unix://%s\n", path);
	while (!stop_requested) {
		int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && errno == EINTR)
			continue;
		if (conn < 0) {
			fprintf(stderr, "vm_echo_agent: accept: %s\n", strerror(errno));
			break;
		}
		fprintf(stderr, "vm_echo_agent: connection accepted\n");
		long long echoed = echo_connection(conn);
		fprintf(stderr, "vm_echo_agent: connection closed after %lld bytes\n", echoed);
		close(conn);
	}
	close(listener);
	unlink(path);
	return 0;
}
