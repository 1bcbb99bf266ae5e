// SPDX-License-Identifier: Apache-2.0
// What the isolation tests share (test_isolation.cpp, test_persistent_channels.cpp): tenants of a
// real agent that drive the crashtest plugin (tests/security/crash_plugin.cpp), whose image
// classification runs its input as a command, and the waits on the agent's log.
#pragma once

#include "rpc_test_util.hpp"

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace rpctest {

using Clock = std::chrono::steady_clock;

inline long ms_since(Clock::time_point t)
{
	return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// Sanitizer builds: a deliberate crash must stay a signal (the supervisor names it), not turn
// into a sanitizer report and exit status. Inherited by the agents started afterwards.
inline void let_crashes_be_signals()
{
	const char *kOpts = "handle_segv=0:handle_sigfpe=0:handle_abort=0:handle_sigbus=0:handle_sigill=0:"
			    "allocator_may_return_null=1";
	for (const char *var : {"ASAN_OPTIONS", "TSAN_OPTIONS"}) {
		const char *cur = getenv(var);
		std::string v = cur && *cur ? std::string(cur) + ":" + kOpts : kOpts;
		setenv(var, v.c_str(), 1);
	}
}

// A session asking for a plugin by its type flags; -1 on any failure.
inline int64_t session_with_flags(Client &c, uint32_t flags)
{
	v1::Request req;
	req.mutable_session_create()->set_flags(flags);
	CallResult res;
	if (call(c, req, res) != 0 || res.response.status() != 0)
		return -1;
	return res.response.session_created().session_id();
}

// A session of the crashtest plugin (its type is VACCEL_PLUGIN_GENERIC).
inline int64_t crashtest_session(Client &c)
{
	return session_with_flags(c, VACCEL_PLUGIN_GENERIC);
}

// Image classification through genop, with two 512-byte outputs (RAW: the seed-era order of
// classify's outputs, out_text first). Returns the agent's status, or -1000 - transport error
// when the connection broke; *text gets the classification text. To the crashtest plugin,
// `input` is a command.
inline int classify(Client &c, int64_t sid, const std::string &input, std::string *text = nullptr)
{
	std::vector<std::vector<uint8_t>> got;
	int r = genop(c, sid, {u8(VACCEL_OP_IMAGE_CLASSIFY), buf(VACCEL_ARG_BUFFER, input.data(), input.size())},
		      {out(VACCEL_ARG_RAW, 512), out(VACCEL_ARG_RAW, 512)}, &got);
	if (r == 0 && text && got.size() == 2)
		*text = reinterpret_cast<const char *>(got[0].data());
	return r;
}

// The supervisor logs a worker's end when it reaps it (within its poll period): waits (5 s at
// most) for `what` to appear in the agent's log.
inline bool log_has(const AgentProcess &agent, const std::string &what)
{
	for (int i = 0; i < 100; ++i) {
		if (agent.log_text().find(what) != std::string::npos)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	return false;
}

} // namespace rpctest
