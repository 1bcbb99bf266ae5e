// SPDX-License-Identifier: Apache-2.0
// Process isolation (--isolation process, the default; docs/architecture.md "Supervisor, zygote
// and workers"). The agent's main process is the supervisor and the zygote at once: it loads
// and initialises the plugins, runs no op and starts no thread, listens, accepts and admits
// connections, and hands each accepted connection to a worker process of its own. The worker
// inherits the initialised plugins copy-on-write, puts itself in its sandbox
// (agent/sandbox.hpp) and serves its connection's socket itself, so a call pays no extra hop.
// The supervisor never reads a client byte: it sees each worker only through its exit status
// and its worker page (agent/worker_page.hpp), and kills a worker whose op runs past
// --op-timeout-ms.
//
// The worker pool (--prefork N, agent/worker_pool.cpp): fork and sandbox set-up are kept out of
// the connect path. Up to N workers are forked ahead, each with its worker page, spool directory
// and cgroup leaf, already in its sandbox, waiting on a socketpair for one connection
// (agent/handoff.hpp); the pool is refilled once no hand-off has happened for a moment
// (kRefillDelayMs), so that the fork does not compete with the new tenant's first requests. A pre-forked worker serves
// exactly one connection and then exits; an idle one holds no connection slot (admission and
// eviction count only workers serving a connection) and dies with the supervisor
// (PR_SET_PDEATHSIG). With an empty pool (or --prefork 0) a worker is forked on accept and
// handed its connection the same way. The supervisor keeps its copy of a connection until its
// worker acknowledges it: a worker that dies before that (or does not answer in time, and is
// killed) never read from it, and the connection goes to another worker.
//
// A worker that dies, by a crash, a timeout or its memory limit, takes only its own tenant
// down: the supervisor logs the tenant, the signal and the op, takes back its leases of the
// agent-wide budgets (agent/budget_lease.hpp), and removes its spool directory and cgroup leaf.
//
// Threads: everything here runs on the supervisor's single accept thread (fork from a
// multi-threaded process would leave locks held in the child); spawn() checks that the process
// still has exactly one thread before each fork and logs loudly when it has more.
#pragma once

#include "budget_lease.hpp"
#include "channel.hpp"
#include "sandbox.hpp"
#include "unique_fd.hpp"
#include "worker_page.hpp"
#include "worker_uids.hpp"

#include <sys/types.h>

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <string>

namespace vaccel::agent {

class Agent;

class Supervisor {
public:
	// `stop_fd`: the supervisor's wake-up pipe, closed in every worker.
	Supervisor(Agent &agent, int stop_fd);
	~Supervisor();
	Supervisor(const Supervisor &) = delete;
	Supervisor &operator=(const Supervisor &) = delete;

	// Maps the agent-wide budgets shared by all workers, settles the memory limit (cgroup v2
	// leaf or RLIMIT_AS) and the user switch, and logs them. Returns 0 or an errno (logged).
	int start();
	// Admits an accepted connection (the same slot rule as thread isolation, agent/admission.hpp)
	// and hands it to a pre-forked worker, or to one forked now. The supervisor's copy of fd is
	// closed on return.
	void accept(rpc::UniqueFd fd, const std::string &listener);
	// Reaps workers that ended (logging how), kills those past --op-timeout-ms and refills the
	// pool by one worker. Called at least every poll_ms() (0 while the pool is short).
	void tick();
	[[nodiscard]] int poll_ms() const;
	// Ends every worker, serving or idle (SIGTERM, bounded wait, SIGKILL), and cleans up after
	// them.
	void shutdown();
	// Threads of this process now (/proc/self/task).
	static int thread_count();

private:
	struct Worker {
		pid_t pid = -1;
		uint64_t id = 0;      // the tenant's number, given at fork
		std::string peer;     // the listener its connection came in on (set at hand-off)
		rpc::UniqueFd chan;   // the hand-off channel's sending end, while the worker waits
		bool ready = false;   // it said it waits for its connection (agent/handoff.hpp)
		bool serving = false; // it was handed a connection
		WorkerPage *page = nullptr;
		std::string spool;
		std::string cgroup;
		std::optional<uid_t> uid; // its own, from --worker-uid-range
		bool kill_sent = false;
		std::string kill_reason; // set when the supervisor killed it (timeout, eviction)
		bool exited = false;
		[[nodiscard]] bool greeted() const { return page && page->greeted.load(std::memory_order_relaxed); }
		[[nodiscard]] bool stopping() const
		{
			return kill_sent || (page && page->leaving.load(std::memory_order_relaxed));
		}
		[[nodiscard]] bool finished() const { return exited; }
	};
	using Workers = std::list<std::shared_ptr<Worker>>;

	// worker_pool.cpp: the pool of pre-forked workers.
	std::shared_ptr<Worker> spawn();
	[[noreturn]] void worker_main(rpc::UniqueFd chan, const std::shared_ptr<Worker> &self);
	void hand_off(rpc::UniqueFd fd, const std::string &listener, std::chrono::steady_clock::time_point accepted);
	std::shared_ptr<Worker> take_idle_worker();
	enum class Delivery { taken, not_taken, unknown };
	Delivery deliver(Worker &w, int fd, const std::string &listener,
			 std::chrono::steady_clock::time_point accepted);
	void refill();
	[[nodiscard]] bool pool_short() const;
	// Milliseconds until the pool may be refilled: 0 now, -1 when it is full or closing.
	[[nodiscard]] int ms_until_refill() const;
	void pause_refill(const char *why);

	std::optional<uid_t> acquire_uid();
	void reap(Workers &list);
	void check_timeouts();
	void kill_worker(Worker &w, std::string reason);
	void ended(Worker &w, int status);
	void clean_up(Worker &w);

	Agent &agent_;
	int stop_fd_;
	SandboxConfig sandbox_;
	std::string cgroup_dir_;            // "" : memory limit by RLIMIT_AS
	std::unique_ptr<LeaseBook> leases_; // the agent-wide budgets, shared out to workers
	std::unique_ptr<WorkerUids> uids_;  // --worker-uid-range
	Workers workers_;                   // handed a connection (they alone count for admission)
	Workers pool_;                      // pre-forked, idle, oldest first
	size_t prefork_ = 0;                // --prefork: the pool's size
	rpc::Deadline refill_paused_until_ = rpc::Deadline::min(); // after a pre-forked worker failed
	rpc::Deadline refill_after_ = rpc::Deadline::min();        // the last hand-off + kRefillDelayMs
	bool shutting_down_ = false;
	uint64_t next_id_ = 1;
	bool warned_threads_ = false;
};

} // namespace vaccel::agent
