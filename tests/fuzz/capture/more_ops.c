// SPDX-License-Identifier: Apache-2.0
/* Seed traffic for the ops the example programs do not call (test tool only): the deprecated
 * FPGA and minmax ops, opencv, a multi-file DATA resource and a BUFFER resource synced back,
 * all through the public C API of whatever plugin VACCEL_PLUGINS names (the rpc plugin when
 * recording). Results are not checked: make-corpus.sh only records what goes over the wire.
 * usage: more_ops <file1> <file2> */
#include <vaccel.h>

#include <stdio.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: more_ops <file1> <file2>\n");
		return 2;
	}
	struct vaccel_session sess;
	if (vaccel_session_init(&sess, 0) != VACCEL_OK)
		return 1;
	double in[4] = {3.0, -2.0, 7.5, 1.0}, out[4], mn, mx;
	vaccel_minmax(&sess, in, 4, 0, 10, out, &mn, &mx);
	int a[3] = {1, 2, 3}, ac[3];
	vaccel_fpga_arraycopy(&sess, a, ac, 3);
	float fa[4] = {1, 2, 3, 4}, fb[4] = {4, 3, 2, 1}, fc[4], fd[4];
	vaccel_fpga_mmult(&sess, fa, fb, fc, 4);
	vaccel_fpga_parallel(&sess, fa, fb, fc, fd, 4);
	vaccel_fpga_vadd(&sess, fa, fb, fc, 4, 4);
	char text[] = "opencv";
	unsigned char o[16];
	struct vaccel_arg r[1] = {{text, sizeof(text), VACCEL_ARG_STRING, 0, false}};
	struct vaccel_arg w[1] = {{o, sizeof(o), VACCEL_ARG_UCHAR_ARRAY, 0, false}};
	vaccel_opencv(&sess, r, 1, w, 1);

	const char *paths[2] = {argv[1], argv[2]};
	struct vaccel_resource multi;
	if (vaccel_resource_init_multi(&multi, paths, 2, VACCEL_RESOURCE_DATA) == VACCEL_OK) {
		vaccel_resource_register(&multi, &sess);
		vaccel_resource_unregister(&multi, &sess);
		vaccel_resource_release(&multi);
	}
	struct vaccel_resource buf;
	const char data[] = "0123456789";
	if (vaccel_resource_init_from_buf(&buf, data, sizeof(data), VACCEL_RESOURCE_DATA, "d.bin", true) == VACCEL_OK) {
		vaccel_resource_register(&buf, &sess);
		vaccel_resource_sync(&buf, &sess);
		vaccel_resource_unregister(&buf, &sess);
		vaccel_resource_release(&buf);
	}
	vaccel_session_release(&sess);
	return 0;
}
