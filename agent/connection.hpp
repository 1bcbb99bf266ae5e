// SPDX-License-Identifier: Apache-2.0
// One client connection served by this process: the protocol's server end
// (rpc::ServerConnection) driving a Tenant (the client's sessions and resources) through the
// request handlers (agent/handlers/). serve_connection() is the per-connection entry point:
// it serves one accepted connection on the calling thread until the client leaves, whether
// that thread is one of the agent's (--isolation thread, Connection::start) or the main
// thread of a worker process of its own.
// Threads: the serving thread reads every frame and runs control requests (sessions,
// resources, model load) and a single-threaded client's requests itself; data-path requests
// (genop, model runs) of a client flagged concurrent go to the connection's thread pool, so
// that one client's ops overlap. Data-path requests hold the tenant's state lock shared,
// everything else exclusive: a session or resource never changes under an op that uses it.
#pragma once

#include "agent.hpp"
#include "server_connection.hpp"
#include "tenant.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace vaccel::agent {

// Who is on the other end of an accepted connection, for logs and spool paths.
struct ClientInfo {
	uint64_t id = 0;  // the connection's number on this agent
	std::string peer; // the listener address it came in on
	// When the agent accepted it (the HELLO deadline counts from then); default: construction.
	std::chrono::steady_clock::time_point accepted{};
};

class Connection final : private rpc::RequestHandler {
public:
	Connection(Agent &agent, rpc::UniqueFd fd, ClientInfo client);
	Connection(Agent &agent, rpc::UniqueFd fd, uint64_t id, std::string peer)
	    : Connection(agent, std::move(fd), ClientInfo{id, std::move(peer)})
	{
	}
	~Connection() override;
	Connection(const Connection &) = delete;
	Connection &operator=(const Connection &) = delete;

	// Serves the client on the calling thread until it leaves; everything it held is then
	// released. Call once (directly, or through start()).
	void serve();
	// serve() on a thread of its own; join() waits for it.
	void start();
	void join();
	// Ends serve() soon (shutdown of the socket); any thread.
	void stop() { server_.stop(); }
	// serve() has returned.
	[[nodiscard]] bool finished() const { return finished_.load(); }
	// Once its first HELLO was answered: the connection serves a client (until then the
	// agent may evict it to make room, agent/admission.hpp).
	[[nodiscard]] bool greeted() const { return server_.greeted(); }
	// stop() was called: the connection is on its way out and no longer holds a slot.
	[[nodiscard]] bool stopping() const { return server_.stopping(); }
	[[nodiscard]] uint64_t id() const { return client_.id; }

private:
	// rpc::RequestHandler
	void leaving() override;
	void slot_changed() override;
	[[nodiscard]] bool may_overlap(const v1::Request &req) const override;
	[[nodiscard]] bool streams_payload(const v1::Request &req) const override;
	void handle(const v1::Request &req, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch,
		    Reply &reply) override;
	bool handle_streaming(const v1::Request &req, rpc::IncomingPayload &payload, Reply &reply,
			      std::string &why) override;

	const ClientInfo client_;
	// Everything this connection holds: resources, payloads in flight, mapped memfd ranges,
	// private copies and responses being sent (--max-connection-bytes). Declared first: the
	// tenant's and the server's charges are given back to it when they go.
	ByteBudget budget_;
	Tenant tenant_;
	rpc::ServerConnection server_;
	std::thread thread_;
	std::atomic<bool> finished_{false};
};

// The per-connection entry point: serves one accepted connection on the calling thread until
// its client leaves, then releases everything the client held.
void serve_connection(Agent &agent, rpc::UniqueFd fd, ClientInfo client);

} // namespace vaccel::agent
