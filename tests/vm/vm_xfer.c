// SPDX-License-Identifier: Apache-2.0
// vm_xfer: moves payloads one way through the session's plugin, for the VM transport benchmarks
// (tests/vm/vm_vsock_bench.sh; a measurement tool, not a test).
//   vm_xfer up|down BYTES ITERATIONS
// Each iteration is one vaccel_image_segmentation() call. "up" sends an image of BYTES and gets 64
// bytes back; "down" sends 64 bytes and gets BYTES back (the output buffer is an out-only arg: the
// rpc plugin sends only its size, the agent returns all of it). With the noop plugin on the agent
// the op does no work, so the time is the transport's. Prints on stdout:
//   vm_xfer: <up|down> <BYTES> x <ITERATIONS>: total_time: <ns> nsec
// Exit status 0, or 1 on a bad argument or a failed call.
#define _POSIX_C_SOURCE 200809L

#include <vaccel.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// Parses a positive count up to `max`; 0 on anything else.
static unsigned long parse_count(const char *s, unsigned long max)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || v == 0 || v > max)
		return 0;
	return v;
}

int main(int argc, char *argv[])
{
	enum { kSmall = 64 };
	if (argc != 4 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		fprintf(stderr, "usage: vm_xfer up|down BYTES ITERATIONS\n");
		return 1;
	}
	const int up = strcmp(argv[1], "up") == 0;
	const unsigned long bytes = parse_count(argv[2], 1ul << 30);
	const unsigned long iterations = parse_count(argv[3], 100000);
	if (!bytes || !iterations) {
		fprintf(stderr, "vm_xfer: BYTES must be 1..2^30 and ITERATIONS 1..100000\n");
		return 1;
	}
	const size_t in_size = up ? bytes : kSmall;
	const size_t out_size = up ? kSmall : bytes;
	unsigned char *in = calloc(in_size, 1);
	unsigned char *out = calloc(out_size, 1);
	struct vaccel_session sess;
	int status = 1;
	if (!in || !out) {
		fprintf(stderr, "vm_xfer: out of memory\n");
		goto free_buffers;
	}
	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "vm_xfer: could not initialize a session: %s (%d)\n", strerror(ret), ret);
		goto free_buffers;
	}
	uint64_t total = 0;
	for (unsigned long i = 0; i < iterations; ++i) {
		const uint64_t start = now_ns();
		ret = vaccel_image_segmentation(&sess, in, out, in_size, out_size);
		total += now_ns() - start;
		if (ret) {
			fprintf(stderr, "vm_xfer: call %lu failed: %s (%d)\n", i, strerror(ret), ret);
			goto release;
		}
	}
	printf("vm_xfer: %s %lu x %lu: total_time: %" PRIu64 " nsec\n", argv[1], bytes, iterations, total);
	status = 0;
release:
	vaccel_session_release(&sess);
free_buffers:
	free(in);
	free(out);
	return status;
}
