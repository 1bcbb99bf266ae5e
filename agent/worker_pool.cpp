// SPDX-License-Identifier: Apache-2.0
// The supervisor's pool of pre-forked workers (agent/supervisor.hpp, --prefork): forking a
// worker into its sandbox ahead of its connection, handing it the connection, refilling.
#include "supervisor.hpp"

#include "agent.hpp"
#include "connection.hpp"
#include "handoff.hpp"
#include "log.hpp"

#include <vaccel.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vaccel::agent {

namespace {

constexpr int kRefillPauseMs = 1000; // after a pre-forked worker ended before serving

} // namespace

bool Supervisor::pool_short() const
{
	return !shutting_down_ && pool_.size() < prefork_ && std::chrono::steady_clock::now() >= refill_paused_until_;
}

void Supervisor::pause_refill(const char *why)
{
	if (prefork_ == 0 || shutting_down_)
		return;
	if (std::chrono::steady_clock::now() >= refill_paused_until_)
		RPC_WARN("%s: not pre-forking for %d ms (connections get a worker forked on accept)", why,
			 kRefillPauseMs);
	refill_paused_until_ = rpc::deadline_after(std::chrono::steady_clock::now(), kRefillPauseMs);
}

void Supervisor::refill()
{
	// One per call: a burst of connections is accepted between two forks.
	if (!pool_short())
		return;
	if (auto w = spawn())
		pool_.push_back(std::move(w));
	else
		pause_refill("cannot pre-fork a worker");
}

std::shared_ptr<Supervisor::Worker> Supervisor::spawn()
{
	auto w = std::make_shared<Worker>();
	w->id = next_id_++;
	w->page = map_worker_page();
	if (!w->page) {
		RPC_ERROR("tenant %llu: cannot map its worker page: %s", (unsigned long long)w->id, strerror(errno));
		return nullptr;
	}
	w->spool = agent_.spool_.path() + "/w" + std::to_string(w->id);
	if (::mkdir(w->spool.c_str(), 0700) != 0 || ::chmod(w->spool.c_str(), 0700) != 0 ||
	    (sandbox_.drop_user && ::chown(w->spool.c_str(), sandbox_.uid, sandbox_.gid) != 0)) {
		RPC_ERROR("tenant %llu: cannot create its spool directory %s: %s", (unsigned long long)w->id,
			  w->spool.c_str(), strerror(errno));
		clean_up(*w);
		return nullptr;
	}
	if (!cgroup_dir_.empty()) {
		std::string why;
		w->cgroup = make_cgroup_leaf(cgroup_dir_, w->id, sandbox_.memory, why);
		if (w->cgroup.empty()) {
			RPC_ERROR("tenant %llu: no cgroup leaf (%s)", (unsigned long long)w->id, why.c_str());
			clean_up(*w);
			return nullptr;
		}
	}
	// SEQPACKET: the one hand-off message arrives whole or not at all.
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		RPC_ERROR("tenant %llu: socketpair: %s", (unsigned long long)w->id, strerror(errno));
		clean_up(*w);
		return nullptr;
	}
	w->chan = rpc::UniqueFd(sv[0]);
	rpc::UniqueFd theirs(sv[1]);
	if (int n = thread_count(); n != 1 && !warned_threads_) {
		warned_threads_ = true;
		RPC_WARN("the zygote has %d threads at fork: a plugin started threads in init(); its locks and pools "
			 "may be broken in workers",
			 n);
	}
	pid_t pid = fork();
	if (pid < 0) {
		RPC_ERROR("tenant %llu: fork: %s", (unsigned long long)w->id, strerror(errno));
		clean_up(*w);
		return nullptr;
	}
	if (pid == 0) {
		w->chan.reset();
		worker_main(std::move(theirs), w);
	}
	w->pid = pid;
	RPC_DEBUG("tenant %llu: worker pid %d forked, waiting for its connection", (unsigned long long)w->id, (int)pid);
	return w;
}

void Supervisor::hand_off(rpc::UniqueFd fd, const std::string &listener, std::chrono::steady_clock::time_point accepted)
{
	// Bounded: each idle worker at most once, then one forked now.
	for (size_t tries = 0, max = pool_.size() + 1; tries < max; ++tries) {
		std::shared_ptr<Worker> w;
		if (!pool_.empty()) {
			w = std::move(pool_.front());
			pool_.pop_front();
		} else if (!(w = spawn())) {
			RPC_ERROR("no worker for a connection on %s: connection refused", listener.c_str());
			return; // fd closes here
		}
		// Its leases of the agent-wide budgets start with its connection: an idle worker
		// holds none, so a pool never takes the budget from serving tenants.
		leases_->open(*w->page);
		int e = send_handoff(w->chan.get(), fd.get(), accepted, listener);
		w->chan.reset(); // one connection per worker, ever
		w->peer = listener;
		workers_.push_back(w);
		if (e == 0) {
			w->serving = true;
			RPC_INFO("tenant %llu: worker pid %d serves a connection on %s", (unsigned long long)w->id,
				 (int)w->pid, listener.c_str());
			return;
		}
		// It died waiting (reaped as an idle worker): try the next one.
		RPC_WARN("tenant %llu: worker pid %d could not take its connection (%s)", (unsigned long long)w->id,
			 (int)w->pid, strerror(e));
		kill_worker(*w, "lost before its hand-off");
	}
	RPC_ERROR("no worker took a connection on %s: connection refused", listener.c_str());
}

void Supervisor::worker_main(rpc::UniqueFd chan, const std::shared_ptr<Worker> &self)
{
	// What the worker must not hold: the supervisor's wake-up pipe and signal handlers, the
	// listening sockets, the other workers' pages and hand-off channels (with one, it could
	// hand an idle worker a connection of its own choosing).
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	::close(stop_fd_);
	for (auto &l : agent_.listeners_)
		l.fd.reset();
	agent_.listeners_.clear();
	for (Workers *list : {&workers_, &pool_})
		for (auto &other : *list)
			if (other != self) {
				other->chan.reset();
				munmap(other->page, sizeof(WorkerPage));
				other->page = nullptr;
			}
	// The sandbox, before the connection even arrives: no client byte is read outside it.
	std::string why;
	SandboxConfig sandbox = sandbox_;
	sandbox.cgroup_leaf = self->cgroup;
	if (int e = apply_sandbox(sandbox, why)) {
		RPC_ERROR("tenant %llu: sandbox: %s: %s; not serving", (unsigned long long)self->id, why.c_str(),
			  strerror(e));
		_exit(70);
	}
	// The core's run directory (session and resource files) must be the worker's own, in its
	// spool (removed with it): ids start again from 1 in every worker.
	if (int e = vaccel_rundir_after_fork(self->spool.c_str())) {
		RPC_ERROR("tenant %llu: no run directory of its own (%d); not serving", (unsigned long long)self->id,
			  e);
		_exit(70);
	}
	set_current_worker_page(self->page);
	// The worker never returns from here: its leased budgets live as long as it does.
	static LeasedBudget memory(*self->page, lease_memory), disk(*self->page, lease_disk);
	agent_.memory_.share_with(&memory);
	agent_.disk_.share_with(&disk);
	agent_.worker_spool_ = self->spool;
	Handoff h;
	if (int e = receive_handoff(chan.get(), h, why)) {
		if (e != ENODATA) // ENODATA: the supervisor closed the pool (shutdown)
			RPC_ERROR("tenant %llu: %s; not serving", (unsigned long long)self->id, why.c_str());
		std::error_code ec;
		std::filesystem::remove_all(self->spool, ec);
		_exit(e == ENODATA ? 0 : 70);
	}
	chan.reset();
	serve_connection(agent_, std::move(h.fd), ClientInfo{self->id, h.listener, h.accepted}); // on this thread
	std::error_code ec;
	std::filesystem::remove_all(self->spool, ec);
	// No exit handlers or static destructors: they belong to the zygote (plugins' state,
	// the supervisor's spool lock), and a leak check would need ptrace, which seccomp denies.
	_exit(0);
}

} // namespace vaccel::agent
