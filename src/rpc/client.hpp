// SPDX-License-Identifier: Apache-2.0
// Client end of protocol v1: one connection (one agent-side isolation domain), HELLO
// handshake, payload out of band (memfd on AF_UNIX above a threshold, zero copy for shared
// buffers). Thread-safe: calls from several threads are in flight together on the one
// connection (requests are written one message at a time; whichever waiting thread holds the
// read turn reads the next response and hands it to its caller). Used by the rpc plugin,
// tests and benchmarks.
#pragma once

#include "address.hpp"
#include "channel.hpp"
#include "checked_mutex.hpp"
#include "memfd_pool.hpp"
#include "message.hpp"
#include "vaccel_rpc.pb.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace vaccel::rpc {

struct ClientOptions {
	std::string address = kDefaultAddress;
	int connect_timeout_ms = 5000;
	int io_timeout_ms = 30000;        // max stall while a frame is being sent or received
	int response_timeout_ms = 600000; // max wait for the agent to start answering
	int hello_timeout_ms = 12000;     // whole handshake (persistent channels retry inside it)
	size_t chunk = 2u << 20;
	// Payloads >= memfd_min go through a pooled sealed memfd (0 = never). Streamed, a payload
	// larger than the socket's send buffer (wmem_default, 208 KiB) makes the sender wait for the
	// agent to drain it (context switches and polls each time); through a pooled memfd it
	// costs one copy on each side (the agent's private copy, docs/security.md §3) and no wait.
	size_t memfd_min = 256u << 10;
	size_t memfd_max = 256u << 20; // larger ones stream (a memfd copy would double memory)
	std::string client_name = "vaccel-rpc";
	// Zero-copy: payload iovecs of at least shm_min bytes that find_shared places inside a
	// sealed memfd (returns 0 and sets the fd, which stays the finder's, and the offset)
	// travel as that memfd range, without copying, when the agent accepts PARTS payloads.
	// vaccel_shm_lookup has this shape. Unset/0: never.
	std::function<int(const void *ptr, size_t len, int *fd, size_t *offset)> find_shared;
	size_t shm_min = 64u << 10;
	// Shared-secret authentication (auth.hpp): set, the client proves it holds this file's key
	// and requires the agent to prove it too (connecting fails with EACCES otherwise, also
	// against an agent that does not ask). Empty: no authentication (an agent that requires it
	// refuses the connection, EACCES).
	std::string auth_key_file;

	// Defaults overridden by VACCEL_RPC_ADDRESS/ADDR, VACCEL_RPC_TIMEOUT_MS,
	// VACCEL_RPC_CHUNK, VACCEL_RPC_MEMFD_MIN, VACCEL_RPC_MEMFD_MAX, VACCEL_RPC_SHM_MIN,
	// VACCEL_RPC_AUTH_KEY_FILE.
	static ClientOptions from_env();
};

// Result of a call: the decoded response and its payload bytes.
struct CallResult {
	v1::Response response;
	GrowableRegion payload;
	uint64_t generation = 0; // of the connection that carried the call (see Client::generation)
};

class Client {
public:
	explicit Client(ClientOptions opt);
	~Client();
	Client(const Client &) = delete;
	Client &operator=(const Client &) = delete;

	// Connects and handshakes if not connected. Returns 0 or an errno; *why explains
	// (EACCES: authentication refused or impossible, see ClientOptions::auth_key_file).
	int ensure_connected(std::string &why);

	// Sends `req` with `payload`, waits for the response. Transport failures return
	// EREMOTEIO (the connection is dropped, failing every call in flight on it; the next call
	// reconnects) and are distinct from the agent's own status, in out.response.status().
	// EMSGSIZE: the payload exceeds the agent's limit (nothing was sent).
	// expected_generation != 0 pins the call to that connection: if it is gone (or was
	// replaced) the call fails with ECONNRESET instead of reaching a different agent state.
	int call(const v1::Request &req, std::span<const iovec> payload, CallResult &out, std::string &why,
		 uint64_t expected_generation = 0);

	// Bumped on every new connection: agent-side ids from an older generation are void.
	[[nodiscard]] uint64_t generation() const { return generation_.load(); }
	[[nodiscard]] bool connected();
	void disconnect();
	// What the agent announced in HELLO_ACK (plain fields: no protobuf object may outlive
	// libprotobuf's own teardown when the plugin is finalised from an exit handler).
	struct AgentInfo {
		std::string agent_version;
		uint64_t max_payload = 0;
		uint64_t max_chunk = 0;
		bool memfd_accepted = false;
		bool parts_accepted = false;
	};
	[[nodiscard]] AgentInfo agent_info();
	[[nodiscard]] const ClientOptions &options() const { return opt_; }

private:
	using Mutex = ::vaccel::common::CheckedMutex<>;
	// How a payload travels when some of its iovecs lie in shared buffers.
	struct SharedPlan {
		std::vector<PayloadPart> parts;
		std::vector<int> fds;          // borrowed from find_shared's owner
		std::vector<iovec> inline_iov; // bytes of the inline parts, in order
	};
	[[nodiscard]] bool shared_wanted() const;
	// Fills `plan`; false when no iovec is in a shared buffer (send as usual then).
	bool plan_shared(std::span<const iovec> payload, SharedPlan &plan) const;
	// The *_locked functions: REQUIRES lock_ held (asserted in debug builds).
	// Connects and handshakes; ch_ set on success.
	int connect_locked(std::string &why);
	// HELLO / HELLO_ACK on the new ch_ (and the shared-secret proof when a key file is set).
	int handshake_locked(std::string &why);
	// client_auth.cpp: loads the key and puts a fresh nonce in `hello` when a key file is set;
	// after HELLO_ACK, answers the agent's challenge and checks the agent's proof.
	int auth_hello_locked(v1::Hello &hello, std::string &key, std::string &why);
	int authenticate_locked(const std::string &key, const v1::Hello &hello, const std::string &challenge,
				std::string &why);
	// A call waiting for its response.
	struct Pending {
		const Channel *ch = nullptr; // the connection it was sent on
		CallResult *out = nullptr;
		bool done = false;
		bool claimed = false; // a reader is filling `out`
		int err = 0;
		std::string why;
	};
	// What call() needs from the connection, copied under lock_.
	struct Route {
		std::shared_ptr<Channel> ch;
		bool memfd_ok = false;
		bool parts_ok = false;
		uint64_t max_payload = 0;
	};
	int send_request(const Route &rt, const v1::Request &req, uint32_t stream, bool concurrent,
			 std::span<const iovec> payload, MemfdPool::Lease &lease, std::string &why);
	int wait_response(std::unique_lock<Mutex> &lock, const std::shared_ptr<Channel> &ch, Pending &me);
	// Reads the next response into the call it answers (returned in `answered`, claimed).
	int read_one_response(Channel &ch, Pending *&answered, std::string &why);
	// Fails every pending call and forgets `ch` if it is still the current connection.
	// REQUIRES: lock_ held.
	void drop_locked(const std::shared_ptr<Channel> &ch, const std::string &why, bool log);

	ClientOptions opt_;
	Address addr_;
	bool addr_ok_ = false;
	Mutex lock_;                            // the *_locked functions assert it (debug builds)
	std::condition_variable_any turn_;      // a response arrived, or the read turn is free
	std::shared_ptr<Channel> ch_;           // guarded by lock_
	AgentInfo ack_;                         // guarded by lock_ (written at connect)
	bool memfd_ok_ = false;                 // guarded by lock_
	bool parts_ok_ = false;                 // guarded by lock_: zero-copy shared buffers usable
	uint32_t next_stream_ = 1;              // guarded by lock_
	std::map<uint32_t, Pending *> pending_; // guarded by lock_
	bool reading_ = false;                  // guarded by lock_: some thread holds the read turn
	std::thread::id last_caller_;           // guarded by lock_
	bool concurrent_ = false;               // guarded by lock_: calls came from several threads
	std::mutex write_lock_;                 // one message at a time on the channel
	std::atomic<uint64_t> generation_{0};
	MemfdPool pool_;
	Limits limits_;
};

} // namespace vaccel::rpc
