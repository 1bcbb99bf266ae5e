// SPDX-License-Identifier: Apache-2.0
// The mirrored reference headers (refinc/) against the same documented
// layout, so that the ABI plugin and app are built with the real shapes.
#include <vaccel.h>

#include "layout_expect.h"

#if defined(__x86_64__) && defined(__GLIBC__)
ABI_CHECK_LIST_ENTRY();
ABI_CHECK_ARG();
ABI_CHECK_OP_PLUGIN();
ABI_CHECK_SESSION();
ABI_CHECK_SLOG_CONFIG();
#endif

int main(void)
{
	return 0;
}
