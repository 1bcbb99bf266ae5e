// SPDX-License-Identifier: Apache-2.0
// Proves VACCEL_PLUGIN() and VACCEL_OP_INIT() work from C++ (designated
// initialisers in field order, C++20): a NOOP-only plugin of type GENERIC.
#include <vaccel.h>

namespace {
int noop_calls = 0;

int cxx_noop(vaccel_session * /*sess*/)
{
	++noop_calls;
	return VACCEL_OK;
}
} // namespace

static struct vaccel_op ops[] = {
	VACCEL_OP_INIT(ops[0], VACCEL_OP_NOOP, cxx_noop),
};

static int init()
{
	return vaccel_plugin_register_ops(ops, 1);
}
static int fini()
{
	return VACCEL_OK;
}

extern "C" __attribute__((visibility("default"))) int vtest_cxx_noop_calls()
{
	return noop_calls;
}

VACCEL_PLUGIN(.name = "vtest-cxx", .version = "0.0.1", .vaccel_version = VACCEL_VERSION, .init = init, .fini = fini,
	      .is_virtio = false, .type = VACCEL_PLUGIN_GENERIC)
