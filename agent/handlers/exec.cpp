// SPDX-License-Identifier: Apache-2.0
// The exec policy of GENOP: EXEC and EXEC_WITH_RESOURCE load host libraries, so they run only
// when the agent allows it (--allow-exec, --exec-allowlist) (handlers.hpp).
#include "handlers.hpp"

#include <cstring>

namespace vaccel::agent::handlers {

// `read` are the call's private copies (genop_args.hpp): what is checked here is what runs.
int check_exec_policy(Tenant &t, const std::vector<vaccel_arg> &read, Tenant::SessionEntry &s, std::string &why)
{
	if (read.empty())
		return VACCEL_OK; // vaccel_genop reports the missing op code
	int op = genop_op_code(read[0]);
	if (op == VACCEL_OP_EXEC) {
		if (t.cfg().allow_exec)
			return VACCEL_OK;
		if (read.size() >= 2 && read[1].buf && read[1].size > 0) {
			std::string lib(static_cast<const char *>(read[1].buf),
					strnlen(static_cast<const char *>(read[1].buf), read[1].size));
			for (auto &allowed : t.cfg().exec_allowlist)
				if (lib == allowed)
					return VACCEL_OK;
		}
		why = "exec is not allowed on this agent (start it with --allow-exec or --exec-allowlist)";
		return VACCEL_EPERM;
	}
	if (op == VACCEL_OP_EXEC_WITH_RESOURCE) {
		if (!t.cfg().allow_exec) {
			why = "exec_with_resource is not allowed on this agent (start it with --allow-exec)";
			return VACCEL_EPERM;
		}
		if (read.size() < 2 || read[1].size != sizeof(int64_t) || !read[1].buf) {
			why = "exec_with_resource: missing resource id";
			return VACCEL_EINVAL;
		}
		int64_t rid = 0;
		memcpy(&rid, read[1].buf, sizeof(rid));
		auto it = t.resources().find(rid);
		if (it == t.resources().end()) {
			why = "exec_with_resource: unknown resource " + std::to_string(rid);
			return VACCEL_ENOENT;
		}
		if (!it->second.sessions.count(s.sess->id)) {
			why = "exec_with_resource: resource not registered with this session";
			return VACCEL_EPERM;
		}
	}
	return VACCEL_OK;
}

} // namespace vaccel::agent::handlers
