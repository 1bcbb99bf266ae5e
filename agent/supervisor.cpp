// SPDX-License-Identifier: Apache-2.0
#include "supervisor.hpp"

#include "agent.hpp"
#include "connection.hpp"
#include "log.hpp"

#include <vaccel.h>

#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <new>
#include <thread>
#include <vector>

namespace vaccel::agent {

namespace {

uint64_t now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Ends the supervisor itself decided on and that are no fault of the tenant (logged as info; the
// admission already logged the eviction, rate-limited).
constexpr const char *kEvicted = "evicted before its HELLO";
constexpr const char *kShuttingDown = "the agent is shutting down";

std::string signal_text(int sig)
{
	const char *abbrev = sigabbrev_np(sig);
	const char *desc = sigdescr_np(sig);
	return std::string(abbrev ? "SIG" : "signal ") + (abbrev ? abbrev : std::to_string(sig)) + " (" +
	       (desc ? desc : "unknown") + ")";
}

// Ops the worker had begun and not finished, as named text ("" when none).
std::string ops_in_flight(const WorkerPage &page)
{
	std::string out;
	char buf[64];
	for (const auto &s : page.slots) {
		int32_t op = s.op.load(std::memory_order_acquire);
		if (op == 0)
			continue;
		out += out.empty() ? "" : ", ";
		out += op_name(op, buf, sizeof(buf));
	}
	return out;
}

} // namespace

Supervisor::Supervisor(Agent &agent, int stop_fd) : agent_(agent), stop_fd_(stop_fd) {}

Supervisor::~Supervisor()
{
	shutdown();
}

int Supervisor::thread_count()
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	while (dirent *e = readdir(d))
		if (e->d_name[0] != '.')
			++n;
	closedir(d);
	return n;
}

int Supervisor::start()
{
	const AgentConfig &cfg = agent_.config();
	// A worker's share of each agent-wide budget is at most what its connection may hold.
	const uint64_t caps[2] = {cfg.max_memory, cfg.max_disk};
	const uint64_t per_worker[2] = {cfg.max_bytes_per_connection, cfg.max_bytes_per_connection};
	leases_ = std::make_unique<LeaseBook>(caps, per_worker);

	// Not dumpable, and so neither are the workers it forks: a worker of the same user could
	// otherwise open /proc/<supervisor or sibling>/mem and write it (seccomp sees an open()).
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		RPC_WARN("PR_SET_DUMPABLE: %s: workers may reach this process's memory through /proc", strerror(errno));
	sandbox_.memory = cfg.worker_memory;
	sandbox_.allow_inet = cfg.allow_url_resources;
	sandbox_.seccomp = cfg.seccomp;
	sandbox_.supervisor = getpid();
	// A worker holds its socket, the fds of one connection, and what its plugins open.
	sandbox_.nofile = fds_per_connection() + 256;
	if (cfg.worker_uids.count) {
		uids_ = std::make_unique<WorkerUids>(cfg.worker_uids);
		chmod(agent_.spool_.path().c_str(), 0711); // as below
		RPC_INFO("workers run as uids %u..%u, a uid and gid of its own for each",
			 (unsigned)cfg.worker_uids.first,
			 (unsigned)(cfg.worker_uids.first + cfg.worker_uids.count - 1));
	} else if (cfg.drop_user) {
		sandbox_.drop_user = true;
		sandbox_.uid = cfg.worker_uid;
		sandbox_.gid = cfg.worker_gid;
		// Workers must reach their own spool directory below the supervisor's, not list it.
		chmod(agent_.spool_.path().c_str(), 0711);
		RPC_INFO("workers run as uid %u gid %u", (unsigned)cfg.worker_uid, (unsigned)cfg.worker_gid);
	} else if (geteuid() == 0) {
		RPC_WARN("running as root without --user: workers keep root's rights (give --user/--group)");
	}
	if (!cfg.cgroup_dir.empty() && cfg.worker_memory) {
		std::string why = check_cgroup_dir(cfg.cgroup_dir);
		if (why.empty()) {
			cgroup_dir_ = cfg.cgroup_dir;
			RPC_INFO("worker memory limit: %llu bytes, cgroup v2 leaves under %s",
				 (unsigned long long)cfg.worker_memory, cgroup_dir_.c_str());
		} else {
			RPC_WARN("cgroup %s unusable (%s): worker memory limited by RLIMIT_AS instead",
				 cfg.cgroup_dir.c_str(), why.c_str());
		}
	}
	if (cgroup_dir_.empty())
		RPC_INFO("worker memory limit: %s", cfg.worker_memory ? "RLIMIT_AS (address space beyond the zygote's)"
								      : "none (--worker-memory 0)");
	if (cfg.seccomp) {
		std::string why;
		if (int e = compile_seccomp(cfg.allow_url_resources, sandbox_.seccomp_bpf, why))
			RPC_WARN("cannot compile the seccomp filter once (%s: %s): each worker compiles its own",
				 why.c_str(), strerror(e));
	}
	prefork_ = cfg.prefork;
	RPC_INFO("isolation: one process per connection, %zu pre-forked, seccomp %s (%zu BPF instructions), op "
		 "timeout %d ms, zygote threads %d",
		 prefork_, cfg.seccomp ? "on" : "OFF", sandbox_.seccomp_bpf.size(), cfg.op_timeout_ms, thread_count());
	return 0;
}

int Supervisor::poll_ms() const
{
	const int timeout = agent_.config().op_timeout_ms;
	const int idle = timeout > 0 ? std::clamp(timeout / 4, 10, 100) : 100;
	const int refill = ms_until_refill(); // 0: tick() forks the next pre-forked worker at once
	return refill >= 0 ? std::min(refill, idle) : idle;
}

void Supervisor::accept(rpc::UniqueFd fd, const std::string &listener)
{
	const auto accepted = std::chrono::steady_clock::now(); // the HELLO deadline counts from here
	reap(workers_);
	const AgentConfig &cfg = agent_.config();
	std::shared_ptr<Worker> victim;
	switch (admit_new(workers_, agent_.conn_cap_, cfg.max_pre_hello, victim)) {
	case Admission::admit:
		break;
	case Admission::evict_then_admit:
		RPC_LOG_LIMITED(
			agent_.evict_log_, rpc::LogLevel::warn,
			"connection slots full or too many waiting for HELLO: ending tenant %llu (oldest without "
			"HELLO) for a new one on %s",
			(unsigned long long)victim->id, listener.c_str());
		kill_worker(*victim, kEvicted);
		break;
	case Admission::refuse:
		RPC_LOG_LIMITED(agent_.refuse_log_, rpc::LogLevel::warn,
				"connection limit (%zu) reached: refusing a connection on %s", agent_.conn_cap_,
				listener.c_str());
		return;
	}
	hand_off(std::move(fd), listener, accepted);
}

void Supervisor::kill_worker(Worker &w, std::string reason)
{
	if (w.kill_sent || w.pid <= 0)
		return;
	w.kill_sent = true;
	w.kill_reason = std::move(reason);
	::kill(w.pid, SIGKILL);
}

void Supervisor::check_timeouts()
{
	const int timeout_ms = agent_.config().op_timeout_ms;
	if (timeout_ms <= 0)
		return;
	const uint64_t now = now_ns();
	const uint64_t limit = static_cast<uint64_t>(timeout_ms) * 1000000ull;
	char buf[64];
	for (auto &w : workers_) {
		if (w->kill_sent || !w->page)
			continue;
		for (const auto &s : w->page->slots) {
			int32_t op = s.op.load(std::memory_order_acquire);
			uint64_t started = s.started_ns.load(std::memory_order_relaxed);
			if (op != 0 && now > started && now - started > limit) {
				kill_worker(*w, std::string("op '") + op_name(op, buf, sizeof(buf)) +
							"' ran past --op-timeout-ms " + std::to_string(timeout_ms));
				break;
			}
		}
	}
}

void Supervisor::ended(Worker &w, int status)
{
	char buf[64];
	const int32_t last = w.page ? w.page->last_op.load(std::memory_order_relaxed) : 0;
	const std::string inflight = w.page ? ops_in_flight(*w.page) : std::string();
	const std::string op = !inflight.empty() ? "in op " + inflight
			       : last            ? std::string("after op ") + op_name(last, buf, sizeof(buf))
						 : std::string("before any op");
	const auto id = (unsigned long long)w.id;
	if (!w.serving && w.kill_reason != kShuttingDown) {
		// A pre-forked worker that never got a connection: no tenant was harmed, but the pool
		// must not fork in a loop if workers cannot start (logged once per pause).
		if (WIFSIGNALED(status))
			RPC_WARN("pre-forked worker pid %d died idle of %s", (int)w.pid,
				 signal_text(WTERMSIG(status)).c_str());
		else
			RPC_WARN("pre-forked worker pid %d ended idle (status %d)", (int)w.pid,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		pause_refill("a pre-forked worker ended before serving");
	} else if (w.kill_reason == kEvicted || w.kill_reason == kShuttingDown)
		RPC_INFO("tenant %llu: worker pid %d ended: %s", id, (int)w.pid, w.kill_reason.c_str());
	else if (!w.kill_reason.empty())
		RPC_WARN("tenant %llu (%s): worker pid %d killed (SIGKILL): %s; its connection is closed and its files "
			 "removed",
			 id, w.peer.c_str(), (int)w.pid, w.kill_reason.c_str());
	else if (WIFSIGNALED(status))
		RPC_WARN("tenant %llu (%s): worker pid %d died of %s %s; its connection is closed and its files "
			 "removed; "
			 "other tenants are unaffected",
			 id, w.peer.c_str(), (int)w.pid, signal_text(WTERMSIG(status)).c_str(), op.c_str());
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		RPC_WARN("tenant %llu (%s): worker pid %d exited with status %d %s", id, w.peer.c_str(), (int)w.pid,
			 WEXITSTATUS(status), op.c_str());
	else
		RPC_INFO("tenant %llu: worker pid %d ended", id, (int)w.pid);
	clean_up(w);
}

void Supervisor::clean_up(Worker &w)
{
	w.exited = true;
	if (w.page) {
		// Its leases return whole, whatever its page says it held.
		leases_->close(*w.page);
		unmap_worker_page(w.page);
		w.page = nullptr;
	}
	if (!w.spool.empty()) {
		std::error_code ec;
		std::filesystem::remove_all(w.spool, ec);
	}
	remove_cgroup_leaf(w.cgroup);
	// Reaped (or never forked): no live worker holds its uid any more.
	if (w.uid && uids_)
		uids_->release(*w.uid);
	w.uid.reset();
}

void Supervisor::reap(Workers &list)
{
	for (auto it = list.begin(); it != list.end();) {
		Worker &w = **it;
		int status = 0;
		pid_t r = w.pid > 0 ? waitpid(w.pid, &status, WNOHANG) : -1;
		if (r == 0) {
			++it;
			continue;
		}
		if (r == w.pid)
			ended(w, status);
		else
			clean_up(w);
		it = list.erase(it);
	}
}

void Supervisor::tick()
{
	reap(workers_);
	reap(pool_);
	check_timeouts();
	refill();
	std::vector<WorkerPage *> pages;
	for (auto &w : workers_)
		if (w->page && !w->exited)
			pages.push_back(w->page);
	leases_->settle(pages);
}

void Supervisor::shutdown()
{
	shutting_down_ = true;
	// Idle workers first: they hold no tenant.
	workers_.splice(workers_.begin(), pool_);
	for (auto &w : workers_) {
		w->chan.reset();
		if (w->pid > 0 && !w->kill_sent) {
			w->kill_sent = true;
			w->kill_reason = kShuttingDown;
			::kill(w->pid, SIGTERM);
		}
	}
	// Bounded: 2 s for workers to go, then SIGKILL.
	for (int i = 0; i < 200 && !workers_.empty(); ++i) {
		reap(workers_);
		if (!workers_.empty())
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	for (auto &w : workers_)
		if (w->pid > 0)
			::kill(w->pid, SIGKILL);
	for (auto &w : workers_) {
		int status = 0;
		if (w->pid > 0)
			waitpid(w->pid, &status, 0);
		clean_up(*w);
	}
	workers_.clear();
}

} // namespace vaccel::agent
