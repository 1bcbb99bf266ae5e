// SPDX-License-Identifier: Apache-2.0
// PROFILING_GET: the agent-side samples of a session's calls (handlers.hpp).
#include "handlers.hpp"

namespace vaccel::agent::handlers {

void profiling_get(Tenant &t, const v1::ProfilingGet &m, Reply &r)
{
	Tenant::SessionEntry *s = t.find_session(m.session_id(), r);
	if (!s)
		return;
	t.copy_samples(*s, *r.resp.mutable_profiling_data());
}

} // namespace vaccel::agent::handlers
