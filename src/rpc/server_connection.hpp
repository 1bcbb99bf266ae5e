// SPDX-License-Identifier: Apache-2.0
// The agent end of one protocol v1 connection (docs/protocol.md), next to rpc::Client: the
// HELLO handshake and its resynchronisation on persistent channels, the shared-secret proof,
// reading requests under the byte budgets (inline bytes and mapped memfd ranges), running
// them, and writing the responses. What a request does is a RequestHandler's business: this
// class knows the wire, not vAccel (statuses are the errno values vAccel's codes are).
//
// Threads: serve() runs on the calling thread until the client leaves. Requests run on that
// thread, except that a concurrent client's requests the handler says may overlap go to a
// small thread pool (ServerConfig::workers), so that one client's ops overlap while the
// connection keeps reading. stop(), greeted() and stopping() may be called from any thread.
#pragma once

#include "budget.hpp"
#include "channel.hpp"
#include "message.hpp"
#include "region.hpp"
#include "thread_pool.hpp"
#include "unique_fd.hpp"
#include "vaccel_rpc.pb.h"

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vaccel::rpc {

// What a request's handler sends back: metadata, payload iovecs and what keeps them alive
// until they are written.
struct Reply {
	v1::Response resp;
	std::vector<iovec> payload;
	std::vector<std::function<void()>> cleanup; // run after the response is written
	Reply() = default;
	Reply(const Reply &) = delete;
	Reply &operator=(const Reply &) = delete;
	~Reply()
	{
		for (auto &c : cleanup)
			c();
	}
	// Replaces the response with an error `status` (a vAccel / errno code) and its text.
	void fail(int status, std::string msg)
	{
		resp.Clear();
		resp.set_status(status);
		resp.set_error(std::move(msg));
	}
};

// The payload of a request whose handler streams it itself (RequestHandler::streams_payload):
// it must be received or discarded whole before the handler returns.
class IncomingPayload {
public:
	IncomingPayload(Channel &ch, const Limits &limits, InMessage &in) : ch_(ch), limits_(limits), in_(in) {}
	// Payload bytes the message carries.
	[[nodiscard]] uint64_t size() const { return in_.payload_size(); }
	// Receives the payload into `sink` (memfd parts mapped uncached). 0 or an errno (why set).
	int receive(PayloadSink &sink, std::string &why) { return recv_payload(ch_, limits_, in_, sink, why); }
	// Reads and drops the payload. 0 or an errno (why set).
	int discard(std::string &why) { return discard_payload(ch_, limits_, in_, why); }

private:
	Channel &ch_;
	const Limits &limits_;
	InMessage &in_;
};

// What the agent plugs into a ServerConnection: the meaning of requests.
class RequestHandler {
public:
	virtual ~RequestHandler() = default;
	// A HELLO was answered (a new client, or the same one greeting again).
	virtual void greeted(const v1::Hello &hello) { (void)hello; }
	// greeted() or stopping() of the connection changed (the agent's supervisor watches
	// them from another process to free or keep the connection's slot). Any thread.
	virtual void slot_changed() {}
	// The client is gone (connection ended, a new client on a persistent channel, or a
	// resynchronisation): drop everything held for it. No request of it runs meanwhile.
	virtual void leaving() = 0;
	// Whether a request of a concurrent client may run on a pool thread, overlapping the
	// client's other requests (the handler then synchronises what they share).
	[[nodiscard]] virtual bool may_overlap(const v1::Request &req) const = 0;
	// Whether the handler reads the request's payload itself (handle_streaming).
	[[nodiscard]] virtual bool streams_payload(const v1::Request &req) const = 0;
	// Runs a request whose payload was received: fills `reply`. `scratch` is reusable
	// per-request memory that lives until the reply is written.
	virtual void handle(const v1::Request &req, const PayloadView &payload, GrowableRegion &scratch,
			    Reply &reply) = 0;
	// Runs a streams_payload() request; must receive or discard `payload`. False when the
	// stream is out of sync (why set): the connection then ends or resynchronises.
	virtual bool handle_streaming(const v1::Request &req, IncomingPayload &payload, Reply &reply,
				      std::string &why) = 0;
};

struct ServerConfig {
	Limits limits;                     // one message and frame (max_payload, max_chunk, timeouts, rate)
	int io_timeout_ms = 10000;         // writing one message
	int persistent_gap_ms = 1000;      // silence inside a frame on persistent channels (then resync)
	int idle_timeout_ms = -1;          // between requests (-1 = forever)
	int hello_timeout_ms = 5000;       // from the start to a complete HELLO, and proof (0 = no limit)
	bool accept_memfd = true;          // memfd and PARTS payloads (AF_UNIX only)
	size_t workers = 4;                // pool threads for a concurrent client (0: none)
	size_t retain_buffer = 256u << 20; // receive buffer kept between requests
	uint32_t max_sessions = 0;         // announced in HELLO_ACK
	std::string agent_version;         // announced in HELLO_ACK
	std::string_view auth_key;         // non-empty: clients must prove they hold it (outlives us)
};

class ServerConnection {
public:
	// Serves `fd` for `handler`; everything this connection holds is charged to `budget` and
	// to the shared `memory` budget. `id` and `peer` name it in the log. The handler and the
	// budgets must outlive this object.
	ServerConnection(UniqueFd fd, uint64_t id, std::string peer, const ServerConfig &cfg, ByteBudget &budget,
			 ByteBudget &memory, RequestHandler &handler);
	~ServerConnection();
	ServerConnection(const ServerConnection &) = delete;
	ServerConnection &operator=(const ServerConnection &) = delete;

	// Counts the HELLO deadline (hello_timeout_ms) from `accepted`, when the connection was
	// accepted, instead of from construction: a process that receives an accepted connection
	// later (a pre-forked worker) must not give its client more time. Call before serve().
	void hello_deadline_from(std::chrono::steady_clock::time_point accepted);
	// Serves frames until the client leaves, then closes the fd and calls handler.leaving().
	// Call once.
	void serve();
	// Ends serve() soon (shuts the socket down); any thread.
	void stop();
	// Once its first HELLO was answered (and proven, with a key): it serves a client.
	[[nodiscard]] bool greeted() const { return greeted_.load(); }
	// stop() was called, or serve() is ending.
	[[nodiscard]] bool stopping() const { return stopping_.load(); }
	[[nodiscard]] uint64_t id() const { return id_; }

private:
	// A received request waiting to run (its payload in `region` and mapped memfd parts).
	// Tasks are reused (request, receive buffer) from a small free list.
	struct Task {
		GrowableRegion region;
		MemorySink sink{region};
		GrowableRegion scratch; // the handler's per-request memory
		v1::Request req;
		uint32_t stream = 0;
		Charge charge; // payload + mapped memfd ranges, until the task is finished
	};
	using TaskPtr = std::unique_ptr<Task>;

	// Returns true when the peer closed (or we are stopping), false on a protocol error.
	bool serve_frames(std::string &why);
	bool handle_hello(InMessage &in, std::string &why);
	// server_auth.cpp: a challenge for this HELLO when there is a key; the answer.
	bool start_auth(const v1::Hello &hello, std::string &why);
	bool handle_auth(InMessage &in, std::string &why);
	bool handle_request(InMessage &in, std::string &why);
	bool handle_streaming(TaskPtr task, InMessage &in, std::string &why);
	// Runs a received request and sends its response.
	bool execute(Task &t, std::string &why);
	bool send_reply(uint32_t stream, Reply &reply, std::string &why);
	// The client's state goes (pool stopped first, so that no request runs).
	void client_left();
	// A concurrent client's overlapping request goes to the pool unless the queue says to
	// apply back-pressure.
	bool should_dispatch(const v1::Request &req);
	// Charges a request's payload and mapped ranges to the budgets, waiting for this
	// connection's running tasks to finish when only they stand in the way (back-pressure).
	Charge::Refusal charge_request(uint64_t bytes, Charge &out);
	// Mapping cache hook: charges (delta > 0) or gives back the address space it keeps.
	bool account_mapping(int64_t delta);
	void run_pooled(TaskPtr t);
	void stop_pool();
	TaskPtr take_task();
	void finish_task(TaskPtr t);

	const ServerConfig &cfg_;
	ByteBudget &budget_;
	ByteBudget &memory_;
	RequestHandler &handler_;
	const uint64_t id_;
	const std::string peer_;
	std::unique_ptr<Channel> ch_;
	Limits limits_;
	std::mutex fd_lock_;     // orders stop()'s shutdown against serve()'s close of the fd
	bool fd_closed_ = false; // guarded by fd_lock_
	std::atomic<bool> stopping_{false};
	std::atomic<bool> greeted_{false};
	Deadline hello_by_ = kNoDeadline; // HELLO due by then (hello_timeout_ms)

	std::mutex write_lock_; // one message at a time on ch_ (serving thread and pool)

	std::mutex spare_lock_;
	std::vector<TaskPtr> spare_tasks_; // guarded by spare_lock_: reused tasks and buffers

	// Everything below is touched only by the serving thread.
	bool hello_done_ = false;
	bool persistent_ = false;
	bool memfd_ok_ = false;
	bool zero_copy_seen_ = false; // first PARTS payload of this connection is logged once
	uint64_t nonce_ = 0;
	bool auth_pending_ = false;     // requests are refused until a valid Request.auth
	std::string auth_challenge_;    // sent in HELLO_ACK, used up by the first answer
	std::string client_auth_nonce_; // Hello.auth_nonce
	MappingCache mcache_;           // memfd mappings reused across requests

	ThreadPool<TaskPtr> pool_; // last: its threads stop before the rest goes
};

} // namespace vaccel::rpc
