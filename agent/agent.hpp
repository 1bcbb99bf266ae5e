// SPDX-License-Identifier: Apache-2.0
// vaccel-agent: serves protocol v1 connections by re-issuing calls to the host vAccel runtime.
#pragma once

#include "access_control.hpp"
#include "admission.hpp"
#include "budget.hpp"
#include "channel.hpp"
#include "log.hpp"
#include "message.hpp"
#include "owned_dir.hpp"
#include "server_connection.hpp"
#include "unique_fd.hpp"
#include "worker_uids.hpp"

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vaccel::agent {

// The byte budgets are the protocol layer's (src/rpc/budget.hpp).
using rpc::add_size;
using rpc::ByteBudget;
using rpc::Charge;
using rpc::refusal_text;

struct AgentConfig {
	std::vector<std::string> addresses;
	std::string plugins;          // ':'-separated; empty = VACCEL_PLUGINS
	int log_level = 2;            // 1 error .. 4 debug
	size_t max_connections = 256; // lowered to what RLIMIT_NOFILE carries (admission.hpp)
	size_t max_pre_hello = 64;    // connections waiting for their HELLO (oldest evicted)
	size_t max_sessions_per_connection = 64;
	size_t max_resources_per_connection = 256;
	size_t workers_per_connection = 4;              // 0: every request runs on the connection's thread
	uint64_t max_bytes_per_connection = 2ull << 30; // resources + payload in flight + mapped
	uint64_t max_payload = 1ull << 30;              // one message
	uint64_t max_response = 1ull << 30;             // one response's payload (write args, outputs)
	uint64_t max_memory = 4ull << 30;               // agent-wide: payloads, copies, mappings, buffers
	uint64_t max_disk = 16ull << 30;                // agent-wide: spooled resource files
	uint64_t max_chunk = 16ull << 20;               // one frame
	size_t retain_buffer = 256u << 20;              // receive buffer kept between requests
	int io_timeout_ms = 10000;                      // silence inside a frame; also a head frame's deadline
	uint64_t min_rate = 64u << 10;                  // payload bytes/s a message must keep up (rpc::Limits)
	int persistent_gap_ms = 1000;                   // silence inside a frame on persistent channels (then resync)
	int idle_timeout_ms = -1;                       // between requests (-1 = forever)
	int hello_timeout_ms = 5000;                    // from accept to a complete HELLO (0 = no limit)
	bool allow_exec = false;
	std::vector<std::string> exec_allowlist; // libraries EXEC may load when !allow_exec
	bool allow_url_resources = false;
	std::vector<std::string> url_allow_hosts; // internal hosts/ranges URL resources may reach
	bool url_allow_redirects = false;
	bool accept_memfd = true;
	std::string workdir; // spool directory base (default $TMPDIR or /tmp)
	// Access (access_control.hpp, docs/security.md).
	mode_t socket_mode = 0600;                   // unix socket files
	gid_t socket_group = static_cast<gid_t>(-1); // their group (-1: the agent's)
	PeerPolicy peers;                            // unix peers admitted (empty: any)
	bool allow_remote = false;                   // tcp listeners on non-loopback addresses
	std::string auth_key_file;                   // set: clients must prove they hold this key
	// Isolation (agent/supervisor.hpp, docs/security.md "Isolation model").
	bool process_isolation = true;       // --isolation process (default) | thread
	size_t prefork = 2;                  // workers forked ahead, waiting for a connection (0: on accept)
	int op_timeout_ms = 0;               // kill a worker whose op runs longer (0: never)
	uint64_t worker_memory = 4ull << 30; // per worker beyond the zygote's image (0: no limit)
	std::string cgroup_dir;              // writable cgroup v2 dir for per-worker leaves
	bool seccomp = true;
	bool drop_user = false; // --user given: workers run as worker_uid/gid
	uid_t worker_uid = 0;
	gid_t worker_gid = 0;
	UidRange worker_uids; // --worker-uid-range: a uid of its own per worker
};

class Connection;
class Supervisor;

class Agent {
public:
	explicit Agent(AgentConfig cfg);
	~Agent();
	Agent(const Agent &) = delete;
	Agent &operator=(const Agent &) = delete;

	// Binds all listeners; with process isolation also readies the supervisor (stop_fd is
	// closed in its workers). Returns 0 or errno (logged).
	int start(int stop_fd = -1);
	// Accept loop; returns when stop_fd becomes readable (signal) or on a fatal error.
	int run(int stop_fd);
	// Closes listeners (removing unix socket files), stops and joins all connections.
	void shutdown();

	[[nodiscard]] const AgentConfig &config() const { return cfg_; }
	// What every connection's protocol end is configured with (from the config and the key).
	[[nodiscard]] const rpc::ServerConfig &server_config() const { return server_cfg_; }
	// In a worker process: its own private directory below the supervisor's spool.
	[[nodiscard]] const std::string &spool_dir() const
	{
		return worker_spool_.empty() ? spool_.path() : worker_spool_;
	}
	// Agent-wide budgets, shared by every connection.
	[[nodiscard]] ByteBudget &memory_budget() { return memory_; }
	[[nodiscard]] ByteBudget &disk_budget() { return disk_; }
	// tcp listener ports actually bound (for tcp://127.0.0.1:0), in listener order.
	[[nodiscard]] std::vector<int> tcp_ports() const;
	// The shared secret clients must prove they hold; empty: no authentication.
	[[nodiscard]] const std::string &auth_key() const { return auth_key_; }

private:
	friend class Supervisor; // process isolation: admits, forks workers from this agent
	struct Listener {
		std::string address;
		std::string unix_path; // removed at shutdown
		rpc::UniqueFd fd;
	};
	void accept_one(Listener &l);
	void reap_finished();
	// Out of fds (or kernel memory) in accept: sheds a few pending connections and stops
	// polling the listeners for a while, rather than spin on a listener that stays readable.
	void back_off_accept(Listener &l, int err);

	// access_control.cpp
	int load_auth_key();
	bool admit_peer(const Listener &l, int fd);  // SO_PEERCRED allowlist (unix listeners)
	void warn_exposure(const Listener &l) const; // non-loopback tcp, allowlist not applying

	AgentConfig cfg_;
	ByteBudget memory_;
	ByteBudget disk_;
	common::OwnedDir spool_; // agent/spool.hpp
	std::string auth_key_;
	rpc::ServerConfig server_cfg_; // auth_key views auth_key_
	std::vector<Listener> listeners_;
	std::mutex conns_lock_;
	std::list<std::shared_ptr<Connection>> conns_; // guarded by conns_lock_
	uint64_t next_conn_id_ = 1;
	bool shut_ = false;
	size_t conn_cap_ = 0;  // max_connections within the fd limit
	FdReserve fd_reserve_; // see back_off_accept()
	rpc::Deadline accept_paused_until_ = rpc::Deadline::min();
	rpc::LogLimiter accept_log_, refuse_log_, evict_log_;
	std::unique_ptr<Supervisor> supervisor_; // process isolation only
	std::string worker_spool_;               // set in a worker process
};

} // namespace vaccel::agent
