/* SPDX-License-Identifier: Apache-2.0 */
/* Child-process probe for the environment/constructor tests: the library's
 * constructor has already run (or not) with the environment the test gave
 * us; we print what the runtime ended up with, one key=value per line, and
 * exercise a session, the log and profiling. Optional argv:
 *   bootstrap  call vaccel_bootstrap() first and print bootstrap_rc
 *   flags=N    session flags (default 0)
 *   cleanup    call vaccel_cleanup() at the end and print cleanup_rc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vaccel.h>

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned flags = 0;
	int do_cleanup = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "bootstrap") == 0)
			printf("bootstrap_rc=%d\n", vaccel_bootstrap());
		else if (strncmp(argv[i], "flags=", 6) == 0)
			flags = (unsigned)strtoul(argv[i] + 6, NULL, 0);
		else if (strcmp(argv[i], "cleanup") == 0)
			do_cleanup = 1;
	}

	printf("initialized=%d\n", vaccel_is_initialized() ? 1 : 0);
	printf("rundir=%s\n", or_null(vaccel_rundir()));
	const struct vaccel_config *cfg = vaccel_config();
	if (cfg) {
		printf("plugins=%s\n", or_null(cfg->plugins));
		printf("log_level=%d\n", (int)cfg->log_level);
		printf("log_file=%s\n", or_null(cfg->log_file));
		printf("profiling=%d\n", cfg->profiling_enabled ? 1 : 0);
		printf("version_ignore=%d\n", cfg->version_ignore ? 1 : 0);
	} else {
		printf("config=(null)\n");
	}
	printf("prof_enabled=%d\n", vaccel_prof_enabled() ? 1 : 0);
	printf("plugin_count=%zu\n", vaccel_plugin_count());

	vaccel_error("probe-line-error");
	vaccel_warn("probe-line-warn");
	vaccel_info("probe-line-info");
	vaccel_debug("probe-line-debug");

	struct vaccel_session sess;
	int rc = vaccel_session_init(&sess, flags);
	if (rc == VACCEL_OK) {
		const char *name = (sess.plugin && sess.plugin->info) ? sess.plugin->info->name : NULL;
		printf("session_rc=0 plugin=%s\n", or_null(name));
		printf("noop_rc=%d\n", vaccel_noop(&sess));
		printf("release_rc=%d\n", vaccel_session_release(&sess));
	} else {
		printf("session_rc=%d\n", rc);
	}
	if (do_cleanup)
		printf("cleanup_rc=%d\n", vaccel_cleanup());
	printf("done=1\n");
	return 0;
}
