// SPDX-License-Identifier: Apache-2.0
// libvaccel-crashtest.so: a TEST-ONLY plugin that misbehaves on demand, standing in for an
// engine tricked by hostile input (tests/security/test_isolation.cpp). Its image
// classification reads the "image" bytes as a command:
//   segv, fpe, abort  die by that signal;    hang  sleeps (bounded: 60 s);
//   hog               allocates and touches memory, 64 MiB at a time, up to 2 GiB;
//   execve            calls execve("/bin/true") and reports the result in out_text;
//   inet              opens an AF_INET socket and reports the result;
//   uid               answers "uid <real> <effective>";
//   linger            answers "lingering"; the session's release then sleeps 600 ms, so the
//                     worker outlives its client (leaving, its uid held) for that long;
//   read PATH         opens PATH for reading, as a taken-over worker would another tenant's
//                     file, and answers "read: allowed" or "read: denied: <reason>";
//   parent_mem        opens its parent's (the supervisor's) /proc/PID/mem for writing and reports
//                     "parent mem: allowed" or "parent mem: denied: <reason>";
//   scribble          acts as a compromised worker: fills every shared writable mapping of its
//                     process (its worker page, anything shared with the supervisor or other
//                     workers) with 0xFF bytes, answers "scribbled <n> mappings", and keeps
//                     doing it every 2 ms on a thread of its own (bounded: 30 s), so that the
//                     worker's own code cannot set the numbers right again;
//   anything else     answers "crashtest ok".
// Its type is VACCEL_PLUGIN_GENERIC, so a session asks for it by that flag while flag-less
// sessions (the unmodified examples) get the plugin listed first.
#include <vaccel.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace {

void reply(unsigned char *out, size_t len, const std::string &text)
{
	if (out && len) {
		size_t n = std::min(len - 1, text.size());
		memcpy(out, text.data(), n);
		out[n] = 0;
	}
}

// Every "rw?s" line of /proc/self/maps, overwritten.
// The hostile write itself, hidden from ThreadSanitizer: it races with the worker's own atomic
// page updates on purpose (that is the attack), and a TSan report from the attacker's process is
// not a finding (memset would be intercepted, so it is a plain loop).
__attribute__((no_sanitize("thread"))) void fill_unobserved(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; ++i)
		p[i] = 0xFF;
}

int scribble_shared()
{
	std::ifstream maps("/proc/self/maps");
	int n = 0;
	for (std::string line; std::getline(maps, line);) {
		std::istringstream ss(line);
		std::string range, perms;
		ss >> range >> perms;
		const size_t dash = range.find('-');
		if (perms.size() < 4 || perms[1] != 'w' || perms[3] != 's' || dash == std::string::npos)
			continue;
		const auto start = std::stoull(range.substr(0, dash), nullptr, 16);
		const auto end = std::stoull(range.substr(dash + 1), nullptr, 16);
		fill_unobserved(reinterpret_cast<unsigned char *>(start), end - start);
		++n;
	}
	return n;
}

std::string errno_result(const char *what, int r)
{
	return std::string(what) + (r < 0 ? std::string(": denied: ") + strerror(errno) : ": allowed");
}

// "linger": the session's release (when its client goes) then sleeps, so the worker stays alive,
// leaving, for that long after its client has gone.
constexpr int kLingerMs = 600;
std::atomic<bool> g_linger{false};

int crash_classify(vaccel_session *, const void *img, unsigned char *out_text, unsigned char *out_imgname,
		   size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	std::string cmd(static_cast<const char *>(img), strnlen(static_cast<const char *>(img), len_img));
	reply(out_imgname, len_out_imgname, "crashtest");
	if (cmd == "segv") {
		volatile int *p = nullptr;
		*p = 1;
	} else if (cmd == "fpe") {
		volatile int zero = 0;
		volatile int x = 1 / zero;
		(void)x;
		raise(SIGFPE); // where integer division does not trap
	} else if (cmd == "abort") {
		abort();
	} else if (cmd == "hang") {
		for (int i = 0; i < 600; ++i)
			usleep(100 * 1000);
	} else if (cmd == "hog") {
		for (int i = 0; i < 32; ++i) {
			auto *p = static_cast<char *>(malloc(64u << 20));
			if (!p)
				abort(); // out of its memory: a real engine would die the same way
			memset(p, 1, 64u << 20);
		}
		reply(out_text, len_out_text, "hog: 2 GiB allocated");
		return VACCEL_OK;
	} else if (cmd == "execve") {
		char *const argv[] = {const_cast<char *>("/bin/true"), nullptr};
		int r = execve("/bin/true", argv, environ);
		reply(out_text, len_out_text, errno_result("execve", r));
		return VACCEL_OK;
	} else if (cmd == "inet") {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		reply(out_text, len_out_text, errno_result("socket(AF_INET)", fd));
		if (fd >= 0)
			close(fd);
		return VACCEL_OK;
	}
	if (cmd == "parent_mem") {
		const std::string path = "/proc/" + std::to_string(getppid()) + "/mem";
		int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
		reply(out_text, len_out_text, errno_result("parent mem", fd));
		if (fd >= 0)
			close(fd);
		return VACCEL_OK;
	}
	if (cmd == "scribble") {
		reply(out_text, len_out_text, "scribbled " + std::to_string(scribble_shared()) + " mappings");
		std::thread([] {
			for (int i = 0; i < 15000; ++i) {
				scribble_shared();
				usleep(2000);
			}
		}).detach();
		return VACCEL_OK;
	}
	if (cmd.rfind("read ", 0) == 0) {
		int fd = open(cmd.c_str() + 5, O_RDONLY | O_CLOEXEC);
		reply(out_text, len_out_text, errno_result("read", fd));
		if (fd >= 0)
			close(fd);
		return VACCEL_OK;
	}
	if (cmd == "linger") { // this worker's session release will take kLingerMs
		g_linger.store(true);
		reply(out_text, len_out_text, "lingering");
		return VACCEL_OK;
	}
	if (cmd == "uid") {
		reply(out_text, len_out_text, "uid " + std::to_string(getuid()) + " " + std::to_string(geteuid()));
		return VACCEL_OK;
	}
	reply(out_text, len_out_text, "crashtest ok");
	return VACCEL_OK;
}

} // namespace

static struct vaccel_op crash_ops[] = {
	VACCEL_OP_INIT(crash_ops[0], VACCEL_OP_IMAGE_CLASSIFY, crash_classify),
};

static int crash_init(void)
{
	return vaccel_plugin_register_ops(crash_ops, 1);
}
static int crash_fini(void)
{
	return VACCEL_OK;
}
static int crash_session_release(struct vaccel_session *)
{
	if (g_linger.load())
		usleep(kLingerMs * 1000);
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "crashtest", .version = VACCEL_VERSION, .vaccel_version = VACCEL_VERSION, .init = crash_init,
	      .fini = crash_fini, .is_virtio = false, .type = VACCEL_PLUGIN_GENERIC,
	      .session_release = crash_session_release)
