// SPDX-License-Identifier: Apache-2.0
// Our public headers against the documented vAccel 0.8 layout (x86_64); a
// mismatch fails the build. Also the seed-era session_id alias.
#include <vaccel.h>

#include "layout_expect.h"

#if defined(__x86_64__) && defined(__GLIBC__)
ABI_CHECK_LIST_ENTRY();
ABI_CHECK_ARG();
ABI_CHECK_OP_PLUGIN();
ABI_CHECK_SESSION();
ABI_CHECK_SLOG_CONFIG();
ABI_CHECK_REST();
ABI_OFF(struct vaccel_session, session_id, 0);
#endif

int main(void)
{
	return 0;
}
