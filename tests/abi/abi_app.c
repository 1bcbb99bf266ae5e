// SPDX-License-Identifier: Apache-2.0
// An application built against the mirrored vAccel 0.8 headers (refinc/) and
// linked with our libvaccel. Plugins come from VACCEL_PLUGINS. Like the
// reference's exec examples it asks for a VACCEL_PLUGIN_DEBUG session, which
// no exec-type plugin matches: the session must fall back to the first local
// plugin. Usage: abi_app <library> <symbol>; prints "plugin: <name>" and
// "output: <2x10>".
#include <stdio.h>
#include <vaccel.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <library> <symbol>\n", argv[0]);
		return 2;
	}
	vaccel_info("abi-app info line");
	vaccel_debug("abi-app debug line");

	struct vaccel_session sess;
	int ret = vaccel_session_init(&sess, VACCEL_PLUGIN_DEBUG);
	if (ret != VACCEL_OK) {
		fprintf(stderr, "session init failed: %d\n", ret);
		return 1;
	}
	printf("plugin: %s\n", sess.plugin->info->name);

	ret = vaccel_noop(&sess);
	if (ret != VACCEL_OK && ret != VACCEL_ENOTSUP)
		fprintf(stderr, "noop failed: %d\n", ret);

	int32_t in = 10, out = 0;
	struct vaccel_arg read, write;
	if (vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0) ||
	    vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32, 0)) {
		fprintf(stderr, "arg init failed\n");
		vaccel_session_release(&sess);
		return 1;
	}
	ret = vaccel_exec(&sess, argv[1], argv[2], &read, 1, &write, 1);
	if (ret != VACCEL_OK) {
		fprintf(stderr, "exec failed: %d\n", ret);
		vaccel_session_release(&sess);
		return 1;
	}
	printf("output: %d\n", (int)out);
	vaccel_error("abi-app error line");
	return vaccel_session_release(&sess) == VACCEL_OK ? 0 : 1;
}
