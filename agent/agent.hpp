// vaccel-agent: serves protocol v1 connections by re-issuing calls to the host vAccel runtime.
#pragma once

#include "budget.hpp"
#include "channel.hpp"
#include "message.hpp"
#include "unique_fd.hpp"

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

struct AgentConfig {
	std::vector<std::string> addresses;
	std::string plugins;                     // ':'-separated; empty = VACCEL_PLUGINS
	int log_level = 2;                       // 1 error .. 4 debug
	size_t max_connections = 256;
	size_t max_sessions_per_connection = 64;
	size_t workers_per_connection = 4;       // 0: every request runs on the connection's thread
	uint64_t max_bytes_per_connection = 2ull << 30; // resources + payload in flight + mapped
	uint64_t max_payload = 1ull << 30;       // one message
	uint64_t max_response = 1ull << 30;      // one response's payload (write args, outputs)
	uint64_t max_memory = 4ull << 30;        // agent-wide: payloads, copies, mappings, buffers
	uint64_t max_disk = 16ull << 30;         // agent-wide: spooled resource files
	uint64_t max_chunk = 16ull << 20;        // one frame
	size_t retain_buffer = 256u << 20;       // receive buffer kept between requests
	int io_timeout_ms = 10000;               // silence allowed inside a frame
	int persistent_gap_ms = 1000;            // same, on persistent channels (then resync)
	int idle_timeout_ms = -1;                // between requests (-1 = forever)
	bool allow_exec = false;
	std::vector<std::string> exec_allowlist; // libraries EXEC may load when !allow_exec
	bool allow_url_resources = false;
	bool accept_memfd = true;
	std::string workdir;                     // spool directory base (default $TMPDIR or /tmp)
};

class Connection;

class Agent {
public:
	explicit Agent(AgentConfig cfg);
	~Agent();
	Agent(const Agent &) = delete;
	Agent &operator=(const Agent &) = delete;

	// Binds all listeners. Returns 0 or errno (logged).
	int start();
	// Accept loop; returns when stop_fd becomes readable (signal) or on a fatal error.
	int run(int stop_fd);
	// Closes listeners (removing unix socket files), stops and joins all connections.
	void shutdown();

	[[nodiscard]] const AgentConfig &config() const { return cfg_; }
	[[nodiscard]] const std::string &spool_dir() const { return spool_; }
	// Agent-wide budgets, shared by every connection.
	[[nodiscard]] ByteBudget &memory_budget() { return memory_; }
	[[nodiscard]] ByteBudget &disk_budget() { return disk_; }
	// tcp listener ports actually bound (for tcp://127.0.0.1:0), in listener order.
	[[nodiscard]] std::vector<int> tcp_ports() const;

private:
	struct Listener {
		std::string address;
		std::string unix_path; // removed at shutdown
		rpc::UniqueFd fd;
	};
	void accept_one(Listener &l);
	void reap_finished();

	AgentConfig cfg_;
	ByteBudget memory_;
	ByteBudget disk_;
	std::string spool_;
	std::vector<Listener> listeners_;
	std::mutex conns_lock_;
	std::list<std::shared_ptr<Connection>> conns_; // guarded by conns_lock_
	uint64_t next_conn_id_ = 1;
	bool shut_ = false;
};

} // namespace vaccel::agent
