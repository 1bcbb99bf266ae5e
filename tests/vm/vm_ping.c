// SPDX-License-Identifier: Apache-2.0
// vm_ping: a small, dynamically linked guest program that checks the VM runner itself (not vAccel).
// It sends messages over the virtio-serial port and expects the host echo agent (vm_echo_agent) to send
// every byte back. It also measures the round trip, which is the floor for any RPC over this channel.
//
// Usage: vm_ping [-n ROUNDS] [-s BYTES] [-t TIMEOUT_MS] [DEVICE]
//   DEVICE defaults to the path in VACCEL_RPC_ADDRESS=serial://PATH, else /dev/virtio-ports/vaccel.
// Exit status: 0 all echoes matched; 2 open failed; 3 write failed; 4 host hung up (EOF); 5 echo differs;
//              6 no progress within TIMEOUT_MS (e.g. no agent on the host side); 1 bad arguments.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_ARGS = 1, EXIT_OPEN = 2, EXIT_WRITE = 3, EXIT_EOF = 4, EXIT_MISMATCH = 5, EXIT_TIMEOUT = 6 };
enum { MAX_ROUNDS = 100000, MAX_BYTES = 1 << 20 };

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *default_device(void)
{
	const char *address = getenv("VACCEL_RPC_ADDRESS");
	static const char prefix[] = "serial://";
	if (address != NULL && strncmp(address, prefix, sizeof prefix - 1) == 0)
		return address + sizeof prefix - 1;
	return "/dev/virtio-ports/vaccel";
}

// Set once bytes went through: from then on a POLLHUP means the host side went away (before, it only
// means that nobody is connected yet, and writes keep failing with EAGAIN until the timeout).
static int g_host_seen;

// Waits for `events` on fd until `deadline_ns`; returns 0 when ready, EXIT_EOF when the host hung up
// after having been connected, EXIT_TIMEOUT when the time is up.
static int wait_ready(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline_ns)
			return EXIT_TIMEOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int left_ms = (int)((deadline_ns - now) / 1000000u) + 1;
		int n = poll(&p, 1, left_ms);
		if (n > 0 && (p.revents & POLLHUP) && g_host_seen)
			return EXIT_EOF;
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return EXIT_TIMEOUT;
	}
}

// The port is non-blocking: a blocking write to a port whose host side is not connected would wait forever.
static int write_all(int fd, const unsigned char *buf, size_t len, uint64_t deadline_ns)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "vm_ping: write: %s\n", strerror(errno));
			return EXIT_WRITE;
		}
		int w = wait_ready(fd, POLLOUT, deadline_ns);
		if (w == EXIT_EOF) {
			fprintf(stderr, "vm_ping: host hung up while writing (%zu of %zu bytes)\n", done, len);
			return EXIT_EOF;
		}
		if (w != 0) {
			fprintf(stderr, "vm_ping: timed out writing (is the host side connected?)\n");
			return EXIT_TIMEOUT;
		}
	}
	return 0;
}

static int read_all(int fd, unsigned char *buf, size_t len, uint64_t deadline_ns)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			g_host_seen = 1;
			continue;
		}
		if (n == 0) {
			fprintf(stderr, "vm_ping: host hung up after %zu of %zu bytes\n", done, len);
			return EXIT_EOF;
		}
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "vm_ping: read: %s\n", strerror(errno));
			return EXIT_EOF;
		}
		int w = wait_ready(fd, POLLIN, deadline_ns);
		if (w == EXIT_EOF) {
			fprintf(stderr, "vm_ping: host hung up after %zu of %zu bytes\n", done, len);
			return EXIT_EOF;
		}
		if (w != 0) {
			fprintf(stderr, "vm_ping: timed out waiting for the echo\n");
			return EXIT_TIMEOUT;
		}
	}
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void print_latency(uint64_t *rtt_ns, long rounds, long bytes)
{
	qsort(rtt_ns, (size_t)rounds, sizeof *rtt_ns, compare_u64);
	uint64_t sum = 0;
	for (long i = 0; i < rounds; i++)
		sum += rtt_ns[i];
	printf("vm_ping: %ld round trips of %ld bytes: avg %.1f us, p50 %.1f us, p99 %.1f us\n", rounds, bytes,
	       (double)sum / (double)rounds / 1000.0, (double)rtt_ns[rounds / 2] / 1000.0,
	       (double)rtt_ns[(rounds * 99) / 100] / 1000.0);
}

static int ping_rounds(int fd, long rounds, long bytes, long timeout_ms, uint64_t *rtt_ns)
{
	unsigned char *out = malloc((size_t)bytes), *in = malloc((size_t)bytes);
	int rc = 0;
	if (out == NULL || in == NULL) {
		rc = EXIT_ARGS;
		goto done;
	}
	for (long round = 0; round < rounds && rc == 0; round++) {
		int len = snprintf((char *)out, (size_t)bytes, "ping %ld from guest\n", round);
		for (long i = len; i < bytes; i++)
			out[i] = (unsigned char)('a' + (i + round) % 26);
		uint64_t start = now_ns();
		uint64_t deadline = start + (uint64_t)timeout_ms * 1000000u;
		rc = write_all(fd, out, (size_t)bytes, deadline);
		if (rc == 0)
			rc = read_all(fd, in, (size_t)bytes, deadline);
		if (rc == 0 && memcmp(in, out, (size_t)bytes) != 0) {
			fprintf(stderr, "vm_ping: echo %ld differs from what was sent\n", round);
			rc = EXIT_MISMATCH;
		}
		rtt_ns[round] = now_ns() - start;
	}
done:
	free(out);
	free(in);
	return rc;
}

int main(int argc, char **argv)
{
	long rounds = 1, bytes = 64, timeout_ms = 5000;
	int opt;
	while ((opt = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			rounds = strtol(optarg, NULL, 10);
			break;
		case 's':
			bytes = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout_ms = strtol(optarg, NULL, 10);
			break;
		default:
			return EXIT_ARGS;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || bytes < 32 || bytes > MAX_BYTES || timeout_ms < 1) {
		fprintf(stderr, "vm_ping: need 1 <= ROUNDS <= %d, 32 <= BYTES <= %d, TIMEOUT_MS >= 1\n", MAX_ROUNDS,
			MAX_BYTES);
		return EXIT_ARGS;
	}
	const char *device = optind < argc ? argv[optind] : default_device();
	int fd = open(device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vm_ping: open %s: %s\n", device, strerror(errno));
		return EXIT_OPEN;
	}
	uint64_t *rtt_ns = calloc((size_t)rounds, sizeof *rtt_ns);
	if (rtt_ns == NULL) {
		close(fd);
		return EXIT_ARGS;
	}
	int rc = ping_rounds(fd, rounds, bytes, timeout_ms, rtt_ns);
	if (rc == 0)
		print_latency(rtt_ns, rounds, bytes);
	printf("vm_ping: %s\n", rc == 0 ? "OK" : "FAILED");
	free(rtt_ns);
	close(fd);
	return rc;
}
