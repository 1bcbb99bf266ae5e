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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace vaccel::agent {

namespace {

constexpr int kRefillPauseMs = 1000; // after a pre-forked worker ended before serving
// How long a worker may take to acknowledge its hand-off: one that said it is ready waits in
// recvmsg already; one still starting may first have to set up its sandbox.
constexpr int kReadyAnswerMs = 1000;
constexpr int kStartingAnswerMs = 5000;
constexpr int kGoneMs = 1000; // for a SIGKILLed worker's process to be gone
// After a hand-off the refill waits this long: forking (page tables of the whole zygote) and the
// new worker's sandbox set-up would otherwise share the CPU with the tenant that just connected,
// whose connect + HELLO + first session takes well under this on an idle core. A burst of
// connections closer together than this gets workers forked on accept once the pool is empty.
constexpr int kRefillDelayMs = 3;

} // namespace

bool Supervisor::pool_short() const
{
	const auto now = std::chrono::steady_clock::now();
	return !shutting_down_ && pool_.size() < prefork_ && now >= refill_paused_until_ && now >= refill_after_;
}

int Supervisor::ms_until_refill() const
{
	if (shutting_down_ || pool_.size() >= prefork_)
		return -1;
	const auto now = std::chrono::steady_clock::now();
	const auto at = std::max(refill_paused_until_, refill_after_);
	if (now >= at)
		return 0;
	return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(at - now).count());
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

std::optional<uid_t> Supervisor::acquire_uid()
{
	// Every uid held: --worker-uid-range has room for every connection and pre-forked worker, but
	// a worker whose client has gone (or that was just killed, on eviction) holds its uid until
	// it has exited and been reaped, and under load that takes a while. It no longer counts as a
	// connection, so wait for it rather than refuse the new one.
	for (int i = 0; i < 200; ++i) { // bounded: 1 s, in which the supervisor accepts nothing else
		if (auto uid = uids_->acquire())
			return uid;
		reap(workers_);
		reap(pool_);
		if (auto uid = uids_->acquire())
			return uid;
		const bool going = std::any_of(workers_.begin(), workers_.end(), [](auto &w) { return w->stopping(); });
		if (!going)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	return std::nullopt;
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
	if (uids_ && !(w->uid = acquire_uid())) {
		RPC_ERROR("tenant %llu: every uid of --worker-uid-range is held by a live worker",
			  (unsigned long long)w->id);
		clean_up(*w);
		return nullptr;
	}
	w->spool = agent_.spool_.path() + "/w" + std::to_string(w->id);
	if (::mkdir(w->spool.c_str(), 0700) != 0 || ::chmod(w->spool.c_str(), 0700) != 0 ||
	    (w->uid && ::chown(w->spool.c_str(), *w->uid, *w->uid) != 0) ||
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

std::shared_ptr<Supervisor::Worker> Supervisor::take_idle_worker()
{
	// The first worker that said it is ready (it already waits in recvmsg: it answers at once);
	// else the oldest one still starting. Workers found gone meanwhile are left for reap().
	for (auto it = pool_.begin(); it != pool_.end();) {
		Worker &w = **it;
		const ChannelState st = w.ready ? ChannelState::quiet : peek_handoff_channel(w.chan.get());
		if (st == ChannelState::closed || st == ChannelState::broken) {
			kill_worker(w, "its hand-off channel broke while idle"); // a dead one's zombie: harmless
			workers_.push_back(std::move(*it));
			it = pool_.erase(it);
			continue;
		}
		w.ready = w.ready || st == ChannelState::ready;
		if (w.ready) {
			auto picked = std::move(*it);
			pool_.erase(it);
			return picked;
		}
		++it;
	}
	if (pool_.empty())
		return nullptr;
	auto oldest = std::move(pool_.front());
	pool_.pop_front();
	return oldest;
}

Supervisor::Delivery Supervisor::deliver(Worker &w, int fd, const std::string &listener,
					 std::chrono::steady_clock::time_point accepted)
{
	const auto now = std::chrono::steady_clock::now();
	const int answer_ms = w.ready ? kReadyAnswerMs : kStartingAnswerMs;
	int e = send_handoff(w.chan.get(), fd, accepted, listener);
	if (e == 0 && (e = await_taken(w.chan.get(), rpc::deadline_after(now, answer_ms))) == 0)
		return Delivery::taken;
	const std::string why = e == ETIMEDOUT ? "no answer in " + std::to_string(answer_ms) + " ms" : strerror(e);
	RPC_WARN("tenant %llu: worker pid %d did not take its connection (%s)", (unsigned long long)w.id, (int)w.pid,
		 why.c_str());
	// It may be alive yet (stopped, slow): only once its process is gone, fds and all, is
	// it sure that it never read the connection.
	kill_worker(w, "did not take its connection (" + why + ")");
	switch (drain_after_kill(w.chan.get(), rpc::deadline_after(std::chrono::steady_clock::now(), kGoneMs))) {
	case 0:
		return Delivery::not_taken;
	case EALREADY:
		return Delivery::taken; // its answer came late: the connection was its own, and is lost with it
	default:
		return Delivery::unknown;
	}
}

void Supervisor::hand_off(rpc::UniqueFd fd, const std::string &listener, std::chrono::steady_clock::time_point accepted)
{
	// Bounded: each idle worker at most once, then two forked now.
	for (size_t tries = 0, max = pool_.size() + 2; tries < max; ++tries) {
		std::shared_ptr<Worker> w = take_idle_worker();
		if (!w && !(w = spawn())) {
			RPC_ERROR("no worker for a connection on %s: connection refused", listener.c_str());
			return; // fd closes here
		}
		// Its leases of the agent-wide budgets start with its connection: an idle worker
		// holds none, so a pool never takes the budget from serving tenants.
		leases_->open(*w->page);
		w->peer = listener;
		workers_.push_back(w);
		const Delivery d = deliver(*w, fd.get(), listener, accepted);
		w->chan.reset(); // one connection per worker, ever
		if (d == Delivery::taken) {
			w->serving = true;
			refill_after_ = rpc::deadline_after(std::chrono::steady_clock::now(), kRefillDelayMs);
			RPC_INFO("tenant %llu: worker pid %d serves a connection on %s", (unsigned long long)w->id,
				 (int)w->pid, listener.c_str());
			return;
		}
		if (d == Delivery::unknown) {
			// Still not gone 1 s after SIGKILL: it might yet read the connection, which two
			// workers must never share.
			RPC_ERROR(
				"tenant %llu: worker pid %d did not end after SIGKILL: its connection on %s is closed",
				(unsigned long long)w->id, (int)w->pid, listener.c_str());
			return;
		}
		RPC_WARN("tenant %llu: worker pid %d ended without taking its connection on %s: handing it to another "
			 "worker",
			 (unsigned long long)w->id, (int)w->pid, listener.c_str());
	}
	RPC_ERROR("no worker took a connection on %s: connection refused", listener.c_str());
}

void Supervisor::worker_main(rpc::UniqueFd chan, const std::shared_ptr<Worker> &self)
{
	// What the worker must not hold: the supervisor's wake-up pipe and signal handlers, the
	// listening sockets, the other workers' pages and hand-off channels (with one, it could
	// hand an idle worker a connection of its own choosing).
	prctl(PR_SET_NAME, kIdleName);
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
	if (self->uid) {
		sandbox.drop_user = sandbox.sweep_user = true;
		sandbox.uid = *self->uid;
		sandbox.gid = static_cast<gid_t>(*self->uid);
	}
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
	int e = send_handoff_byte(chan.get(), kHandoffReady);
	if (e == 0)
		e = receive_handoff(chan.get(), h, why);
	// Named for ps and for an operator who kills idle workers: from here on it holds a tenant.
	prctl(PR_SET_NAME, kServingName);
	// Before a byte of the connection is read: from now on the supervisor will not hand it to
	// another worker. EPIPE: it already gave up on this one (killing it) or shuts down.
	if (e == 0 && send_handoff_byte(chan.get(), kHandoffTaken) != 0)
		e = ENODATA;
	if (e != 0) {
		if (e != ENODATA && e != EPIPE) // the supervisor closed the pool (shutdown), or is gone
			RPC_ERROR("tenant %llu: %s; not serving", (unsigned long long)self->id, why.c_str());
		std::error_code ec;
		std::filesystem::remove_all(self->spool, ec);
		_exit(e == ENODATA || e == EPIPE ? 0 : 70);
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
