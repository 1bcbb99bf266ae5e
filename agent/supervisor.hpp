// SPDX-License-Identifier: Apache-2.0
// Process isolation (--isolation process, the default; docs/architecture.md "Supervisor, zygote
// and workers"). The agent's main process is the supervisor and the zygote at once: it loads
// and initialises the plugins, runs no op and starts no thread, listens, accepts and admits
// connections, and forks one worker process per accepted connection. The worker inherits the
// initialised plugins copy-on-write, puts itself in its sandbox (agent/sandbox.hpp) and serves
// its connection's socket itself, so a call pays no extra hop. The supervisor never reads a
// client byte: it sees each worker only through its exit status and its worker page
// (agent/worker_page.hpp), and kills a worker whose op runs past --op-timeout-ms.
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
#include "sandbox.hpp"
#include "unique_fd.hpp"
#include "worker_page.hpp"

#include <sys/types.h>

#include <chrono>
#include <list>
#include <memory>
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
	// and forks its worker. The supervisor's copy of fd is closed on return.
	void accept(rpc::UniqueFd fd, const std::string &listener);
	// Reaps workers that ended (logging how) and kills those past --op-timeout-ms. Called at
	// least every poll_ms().
	void tick();
	[[nodiscard]] int poll_ms() const;
	// Ends every worker (SIGTERM, bounded wait, SIGKILL) and cleans up after them.
	void shutdown();
	// Threads of this process now (/proc/self/task).
	static int thread_count();

private:
	struct Worker {
		pid_t pid = -1;
		uint64_t id = 0;
		std::string peer;
		WorkerPage *page = nullptr;
		std::string spool;
		std::string cgroup;
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
	void spawn(rpc::UniqueFd fd, const std::string &listener);
	[[noreturn]] void worker_main(rpc::UniqueFd fd, const std::shared_ptr<Worker> &self);
	void reap();
	void check_timeouts();
	void kill_worker(Worker &w, std::string reason);
	void ended(Worker &w, int status);
	void clean_up(Worker &w);

	Agent &agent_;
	int stop_fd_;
	SandboxConfig sandbox_;
	std::string cgroup_dir_;            // "" : memory limit by RLIMIT_AS
	std::unique_ptr<LeaseBook> leases_; // the agent-wide budgets, shared out to workers
	std::list<std::shared_ptr<Worker>> workers_;
	uint64_t next_id_ = 1;
	bool warned_threads_ = false;
};

} // namespace vaccel::agent
