// SPDX-License-Identifier: Apache-2.0
#include "sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace vaccel::agent {

namespace {

bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; ++s)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool write_file(const std::string &path, const std::string &text)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
	::close(fd);
	return ok;
}

std::string read_file(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

// Virtual size of this process now (the zygote image the worker inherited).
uint64_t vm_size_bytes()
{
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return 0;
	unsigned long pages = 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return static_cast<uint64_t>(pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

int set_limit(int what, rlim_t v)
{
	rlimit rl{v, v};
	rlimit cur{};
	if (getrlimit(what, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < v)
		rl = {cur.rlim_max, cur.rlim_max}; // never above what we were given
	return setrlimit(what, &rl) == 0 ? 0 : errno;
}

// The workers' filter: what no plugin needs. Returns a context to release, or nullptr with why.
scmp_filter_ctx build_seccomp(bool allow_inet, std::string &why)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		why = "seccomp_init failed";
		return nullptr;
	}
	// What no plugin needs: running programs, reaching into other processes, kernel
	// attack surface that only an exploit would use.
	static const char *const kDenied[] = {
		"execve",
		"execveat",
		"ptrace",
		"process_vm_readv",
		"process_vm_writev",
		"mount",
		"umount2",
		"pivot_root",
		"bpf",
		"keyctl",
		"add_key",
		"request_key",
		"init_module",
		"finit_module",
		"delete_module",
		"kexec_load",
		"kexec_file_load",
		"open_by_handle_at",
		"perf_event_open",
		"userfaultfd",
		"setns",
		"unshare",
		"fsopen",
		"fsmount",
		"move_mount",
	};
	for (const char *name : kDenied) {
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR)
			continue; // not on this architecture
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) {
			why = std::string("seccomp rule for ") + name;
			seccomp_release(ctx);
			return nullptr;
		}
	}
	if (!allow_inet) {
		// New network sockets: only URL resources need them. Unix sockets stay (the worker's
		// own connection is already open; libc's nscd lookups use AF_UNIX).
		// (AF_NETLINK stays: getifaddrs() and engines' device probing read it; it leaves no host.)
		for (int family : {AF_INET, AF_INET6, AF_PACKET, AF_VSOCK}) {
			if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
					     SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))) != 0) {
				why = "seccomp rule for socket()";
				seccomp_release(ctx);
				return nullptr;
			}
		}
	}
	return ctx;
}

int install_seccomp(bool allow_inet, std::string &why)
{
	scmp_filter_ctx ctx = build_seccomp(allow_inet, why);
	if (!ctx)
		return ENOMEM;
	int rc = seccomp_load(ctx);
	if (rc != 0)
		why = "seccomp_load";
	seccomp_release(ctx);
	return rc < 0 ? -rc : rc;
}

int load_bpf(const std::vector<sock_filter> &bpf, std::string &why)
{
	sock_fprog prog{};
	prog.len = static_cast<unsigned short>(bpf.size());
	prog.filter = const_cast<sock_filter *>(bpf.data()); // the kernel only reads it
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		why = "loading the seccomp filter";
		return errno;
	}
	return 0;
}

} // namespace

bool parse_user(const char *text, uid_t &uid, gid_t &primary_gid, std::string &why)
{
	passwd pw{}, *res = nullptr;
	char buf[4096];
	if (all_digits(text)) {
		uid = static_cast<uid_t>(strtoul(text, nullptr, 10));
		primary_gid = static_cast<gid_t>(uid);
		if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			primary_gid = res->pw_gid;
		return true;
	}
	if (getpwnam_r(text, &pw, buf, sizeof(buf), &res) != 0 || !res) {
		why = "no such user";
		return false;
	}
	uid = res->pw_uid;
	primary_gid = res->pw_gid;
	return true;
}

bool parse_group_id(const char *text, gid_t &gid, std::string &why)
{
	if (all_digits(text)) {
		gid = static_cast<gid_t>(strtoul(text, nullptr, 10));
		return true;
	}
	group gr{}, *res = nullptr;
	char buf[4096];
	if (getgrnam_r(text, &gr, buf, sizeof(buf), &res) != 0 || !res) {
		why = "no such group";
		return false;
	}
	gid = res->gr_gid;
	return true;
}

int compile_seccomp(bool allow_inet, std::vector<sock_filter> &bpf, std::string &why)
{
	scmp_filter_ctx ctx = build_seccomp(allow_inet, why);
	if (!ctx)
		return ENOMEM;
	// libseccomp 2.5 exports to an fd only: a memfd, read back.
	int rc = 0;
	int fd = memfd_create("vaccel-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		rc = errno;
		why = "memfd_create";
	} else if (int e = seccomp_export_bpf(ctx, fd); e != 0) {
		rc = -e;
		why = "seccomp_export_bpf";
	} else {
		off_t size = lseek(fd, 0, SEEK_END);
		const size_t max = BPF_MAXINSNS * sizeof(sock_filter);
		if (size <= 0 || static_cast<size_t>(size) % sizeof(sock_filter) != 0 ||
		    static_cast<size_t>(size) > max) {
			rc = EINVAL;
			why = "exported filter of " + std::to_string(size) + " bytes";
		} else {
			bpf.resize(static_cast<size_t>(size) / sizeof(sock_filter));
			if (pread(fd, bpf.data(), static_cast<size_t>(size), 0) != size) {
				rc = errno ? errno : EIO;
				why = "reading the exported filter";
				bpf.clear();
			}
		}
	}
	if (fd >= 0)
		::close(fd);
	seccomp_release(ctx);
	return rc;
}

std::string check_cgroup_dir(const std::string &dir)
{
	struct statfs fs {};
	if (statfs(dir.c_str(), &fs) != 0)
		return std::string("statfs: ") + strerror(errno);
	if (fs.f_type != CGROUP2_SUPER_MAGIC)
		return "not a cgroup v2 directory";
	if (read_file(dir + "/cgroup.controllers").find("memory") == std::string::npos)
		return "the memory controller is not available there";
	if (read_file(dir + "/cgroup.subtree_control").find("memory") == std::string::npos &&
	    !write_file(dir + "/cgroup.subtree_control", "+memory"))
		return std::string("cannot enable the memory controller for its children: ") + strerror(errno);
	if (access(dir.c_str(), W_OK) != 0)
		return std::string("not writable: ") + strerror(errno);
	return {};
}

std::string make_cgroup_leaf(const std::string &dir, uint64_t id, uint64_t bytes, std::string &why)
{
	std::string leaf = dir + "/worker-" + std::to_string(id);
	if (::mkdir(leaf.c_str(), 0700) != 0 && errno != EEXIST) {
		why = std::string("mkdir ") + leaf + ": " + strerror(errno);
		return {};
	}
	if (!write_file(leaf + "/memory.max", std::to_string(bytes))) {
		why = std::string("memory.max: ") + strerror(errno);
		::rmdir(leaf.c_str());
		return {};
	}
	write_file(leaf + "/memory.swap.max", "0"); // absent without swap accounting: fine
	return leaf;
}

void remove_cgroup_leaf(const std::string &leaf)
{
	if (!leaf.empty())
		::rmdir(leaf.c_str());
}

int apply_sandbox(const SandboxConfig &cfg, std::string &why)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
		why = "PR_SET_PDEATHSIG";
		return errno;
	}
	if (cfg.supervisor && getppid() != cfg.supervisor) {
		why = "the supervisor is already gone";
		return ESRCH;
	}
	if (int e = set_limit(RLIMIT_CORE, 0)) {
		why = "RLIMIT_CORE";
		return e;
	}
	if (cfg.nofile)
		if (int e = set_limit(RLIMIT_NOFILE, cfg.nofile)) {
			why = "RLIMIT_NOFILE";
			return e;
		}
	if (!cfg.cgroup_leaf.empty()) {
		if (!write_file(cfg.cgroup_leaf + "/cgroup.procs", std::to_string(getpid()))) {
			why = "joining cgroup " + cfg.cgroup_leaf;
			return errno ? errno : EIO;
		}
	} else if (cfg.memory) {
		// RLIMIT_AS counts address space, not memory: the worker keeps the zygote's image
		// (libraries, models, sanitizer shadow) and may map `memory` more on top of it.
		if (int e = set_limit(RLIMIT_AS, vm_size_bytes() + cfg.memory)) {
			why = "RLIMIT_AS";
			return e;
		}
	}
	if (cfg.drop_user) {
		if (setgroups(0, nullptr) != 0 || setgid(cfg.gid) != 0 || setuid(cfg.uid) != 0) {
			why = "dropping to uid " + std::to_string(cfg.uid) + " gid " + std::to_string(cfg.gid);
			return errno;
		}
		if (setuid(0) == 0) { // must be impossible now
			why = "could regain root after setuid";
			return EPERM;
		}
		// A uid of its own, reused after an earlier worker: whatever that worker left running
		// (it may have forked) dies now, before this one holds a tenant. kill(-1) spares the
		// caller.
		if (cfg.sweep_user)
			::kill(-1, SIGKILL);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		why = "PR_SET_NO_NEW_PRIVS";
		return errno;
	}
	if (cfg.seccomp) {
		if (int e = cfg.seccomp_bpf.empty() ? install_seccomp(cfg.allow_inet, why)
						    : load_bpf(cfg.seccomp_bpf, why))
			return e;
	}
	return 0;
}

} // namespace vaccel::agent
