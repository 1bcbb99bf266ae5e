// SPDX-License-Identifier: Apache-2.0
// One client connection: the agent's side of rpc::RequestHandler (connection.hpp).
#include "connection.hpp"

#include "handlers/handlers.hpp"
#include "worker_page.hpp"

#include <mutex>
#include <shared_mutex>

namespace vaccel::agent {

Connection::Connection(Agent &agent, rpc::UniqueFd fd, ClientInfo client)
    : client_(std::move(client)), budget_(agent.config().max_bytes_per_connection), tenant_(agent, client_.id, budget_),
      server_(std::move(fd), client_.id, client_.peer, agent.server_config(), budget_, agent.memory_budget(), *this)
{
	if (client_.accepted != std::chrono::steady_clock::time_point{})
		server_.hello_deadline_from(client_.accepted);
}

Connection::~Connection()
{
	join();
}

void Connection::serve()
{
	server_.serve();
	finished_.store(true);
}

void Connection::start()
{
	thread_ = std::thread([this] { serve(); });
}

void Connection::join()
{
	if (thread_.joinable())
		thread_.join();
}

void Connection::slot_changed()
{
	note_slot(server_.greeted(), server_.stopping());
}

void Connection::leaving()
{
	std::unique_lock state(tenant_.state_lock());
	tenant_.release_all();
}

bool Connection::may_overlap(const v1::Request &req) const
{
	return handlers::is_data_path(req);
}

bool Connection::streams_payload(const v1::Request &req) const
{
	return req.call_case() == v1::Request::kResourceRegister;
}

void Connection::handle(const v1::Request &req, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch,
			Reply &reply)
{
	std::shared_lock shared(tenant_.state_lock(), std::defer_lock);
	std::unique_lock exclusive(tenant_.state_lock(), std::defer_lock);
	if (handlers::is_data_path(req))
		shared.lock();
	else
		exclusive.lock();
	OpScope timed(static_cast<int32_t>(req.call_case())); // --op-timeout-ms, crash log (worker_page.hpp)
	handlers::run(tenant_, req, payload, scratch, reply);
}

bool Connection::handle_streaming(const v1::Request &req, rpc::IncomingPayload &payload, Reply &reply, std::string &why)
{
	// Streams its payload into the spool itself; changes the state.
	std::unique_lock state(tenant_.state_lock());
	OpScope timed(static_cast<int32_t>(req.call_case()));
	return handlers::resource_register(tenant_, req.resource_register(), payload, reply, why);
}

void serve_connection(Agent &agent, rpc::UniqueFd fd, ClientInfo client)
{
	Connection conn(agent, std::move(fd), std::move(client));
	conn.serve();
}

} // namespace vaccel::agent
