// SPDX-License-Identifier: Apache-2.0
// The sandbox of one worker process (agent/supervisor.hpp, docs/security.md "Isolation model").
// A worker runs one tenant's requests through engines that were never built for hostile input;
// whatever such an engine is tricked into doing, the kernel bounds it: which user it runs as,
// that it gains no privileges (no setuid exec), that it dies with the supervisor, how much
// memory and how many fds it may hold, no core dumps, and a seccomp filter refusing the system
// calls no plugin needs (exec, ptrace, other processes' memory, mount, bpf, keys, and new
// network sockets unless URL resources are enabled).
//
// Threads: apply_sandbox() runs in a freshly forked, single-threaded worker; the rest runs in
// the supervisor's accept thread.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::agent {

struct SandboxConfig {
	bool drop_user = false; // switch to uid/gid (the supervisor runs as root)
	uid_t uid = 0;
	gid_t gid = 0;
	bool sweep_user = false; // after the switch, kill every other process of uid (agent/worker_uids.hpp)
	uint64_t memory = 0;     // bytes a worker may allocate beyond the zygote's image (0: none)
	std::string cgroup_leaf; // a writable cgroup v2 leaf for this worker ("": RLIMIT_AS)
	uint64_t nofile = 0;     // RLIMIT_NOFILE (0: leave it)
	bool allow_inet = false; // URL resources: may open AF_INET/AF_INET6 sockets
	bool seccomp = true;
	std::vector<sock_filter> seccomp_bpf; // the filter compiled once (compile_seccomp); empty: compile here
	pid_t supervisor = 0;                 // the parent: the worker exits at once if it is already gone
};

// Resolves --user / --group (a name or a number). Returns false with why on failure.
bool parse_user(const char *text, uid_t &uid, gid_t &primary_gid, std::string &why);
bool parse_group_id(const char *text, gid_t &gid, std::string &why);

// Checks that `dir` is a cgroup v2 directory where the agent may create worker leaves with a
// memory controller (enabling it in cgroup.subtree_control if needed). Returns "" when usable,
// else why not.
std::string check_cgroup_dir(const std::string &dir);

// Creates the leaf `dir`/worker-<id> with memory.max = bytes and memory.swap.max = 0; returns its
// path or "" (errno-style reason in why).
std::string make_cgroup_leaf(const std::string &dir, uint64_t id, uint64_t bytes, std::string &why);
// Removes a leaf once its worker is gone (best effort).
void remove_cgroup_leaf(const std::string &leaf);

// Compiles the workers' seccomp filter to classic BPF once, in the supervisor, so that each
// worker only loads it (libseccomp's kernel probing and compiling cost a fresh worker about a
// millisecond). Returns 0, or an errno with why.
int compile_seccomp(bool allow_inet, std::vector<sock_filter> &bpf, std::string &why);

// In the worker, right after fork and before it reads a byte from its tenant. Order matters:
// death signal, limits and cgroup while still privileged, then the user switch, then no new
// privileges and the seccomp filter last. Returns 0, or an errno with why (the worker must
// then exit without serving).
int apply_sandbox(const SandboxConfig &cfg, std::string &why);

} // namespace vaccel::agent
