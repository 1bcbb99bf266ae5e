// SPDX-License-Identifier: Apache-2.0
// A plugin built the way a vAccel 0.8 user builds one: against the mirrored
// reference headers (refinc/), logging through slog via the vaccel_* macros,
// and not linked against libvaccel (slog_print and the rest are resolved
// from the runtime that loads it). Its type is the exec plugin's, so a
// VACCEL_PLUGIN_DEBUG hint matches nothing and must fall back to it.
#include <string.h>
#include <vaccel.h>

static int abi_noop(struct vaccel_session *sess)
{
	vaccel_error("abi-plugin error line (session %lld)", (long long)sess->id);
	vaccel_warn("abi-plugin warn line");
	vaccel_info("abi-plugin info line");
	vaccel_debug("abi-plugin debug line");
	vaccel_trace("abi-plugin trace line");
	return VACCEL_OK;
}

// exec: doubles the int32 in read[0] into write[0] (what the reference's
// mytestfunc does), without loading any library.
static int abi_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol, struct vaccel_arg *read,
		    size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	(void)sess;
	vaccel_debug("abi-plugin exec %s:%s", library, fn_symbol);
	if (nr_read < 1 || nr_write < 1 || read[0].size != sizeof(int32_t) || write[0].size != sizeof(int32_t) ||
	    !read[0].buf || !write[0].buf) {
		vaccel_error("abi-plugin exec: bad args");
		return VACCEL_EINVAL;
	}
	int32_t in;
	memcpy(&in, read[0].buf, sizeof(in));
	const int32_t out = 2 * in;
	memcpy(write[0].buf, &out, sizeof(out));
	return VACCEL_OK;
}

static struct vaccel_op ops[] = {
	VACCEL_OP_INIT(ops[0], VACCEL_OP_NOOP, (void *)abi_noop),
	VACCEL_OP_INIT(ops[1], VACCEL_OP_EXEC, (void *)abi_exec),
};

static int init(void)
{
	SLogConfig cfg;
	slog_config_get(&cfg); // the config calls must work from a plugin too
	vaccel_info("abi-plugin init (slog %s)", slog_version(1));
	return vaccel_plugin_register_ops(ops, sizeof(ops) / sizeof(ops[0]));
}

static int fini(void)
{
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "abi", .version = "0.1", .vaccel_version = "0.8.0", .init = init, .fini = fini,
	      .is_virtio = false, .type = VACCEL_PLUGIN_SOFTWARE | VACCEL_PLUGIN_GENERIC | VACCEL_PLUGIN_CPU)
