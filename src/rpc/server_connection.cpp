// SPDX-License-Identifier: Apache-2.0
// The agent end of a connection: frame loop, HELLO and resync, reading requests under the
// budgets, running them here or on the pool, writing responses (server_connection.hpp).
#include "server_connection.hpp"

#include "log.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

namespace vaccel::rpc {

ServerConnection::ServerConnection(UniqueFd fd, uint64_t id, std::string peer, const ServerConfig &cfg,
				   ByteBudget &budget, ByteBudget &memory, RequestHandler &handler)
    : cfg_(cfg), budget_(budget), memory_(memory), handler_(handler), id_(id), peer_(std::move(peer)),
      ch_(std::make_unique<Channel>(std::move(fd))), limits_(cfg.limits),
      mcache_(4, cfg.limits.max_payload, [this](int64_t delta) { return account_mapping(delta); }),
      pool_(cfg.workers, [this](TaskPtr t) { run_pooled(std::move(t)); })
{
	if (cfg_.hello_timeout_ms > 0)
		hello_by_ = deadline_after(std::chrono::steady_clock::now(), cfg_.hello_timeout_ms);
}

ServerConnection::~ServerConnection()
{
	stop_pool();
}

void ServerConnection::hello_deadline_from(std::chrono::steady_clock::time_point accepted)
{
	if (cfg_.hello_timeout_ms > 0)
		hello_by_ = deadline_after(accepted, cfg_.hello_timeout_ms);
}

void ServerConnection::stop()
{
	stopping_.store(true);
	handler_.slot_changed();
	std::lock_guard lock(fd_lock_);
	if (!fd_closed_)
		ch_->shutdown();
}

void ServerConnection::client_left()
{
	stop_pool();
	handler_.leaving();
	mcache_.clear();
}

void ServerConnection::serve()
{
	RPC_INFO("conn %llu: accepted from %s", (unsigned long long)id_, peer_.c_str());
	bool resync = false;
	for (;;) {
		std::string why;
		if (resync) {
			InMessage in;
			int r = scan_for_head(*ch_, limits_, FrameType::hello, in, 3600 * 1000, 1ull << 40, why);
			if (r != 0)
				break;
			resync = false;
			if (!handle_hello(in, why)) {
				RPC_WARN("conn %llu: %s", (unsigned long long)id_, why.c_str());
				resync = true;
				continue;
			}
		}
		bool ok = serve_frames(why);
		if (ok || stopping_.load())
			break;
		// No HELLO deadline is how a virtio-serial chardev is served (docs/vm.md). A chardev that
		// reconnected (after the agent end went away: a worker crash) may first deliver what a
		// guest process wrote meanwhile: skip it to the next HELLO, as a connection that had
		// seen one would. Such a connection still counts as waiting for HELLO (evictable).
		const bool resyncs = persistent_ || (!hello_done_ && cfg_.hello_timeout_ms <= 0);
		RPC_WARN("conn %llu (%s): protocol error: %s%s", (unsigned long long)id_, peer_.c_str(), why.c_str(),
			 persistent_ ? "; releasing its state and resynchronising"
			 : resyncs   ? "; waiting for a HELLO (no HELLO deadline: a persistent channel)"
				     : "; dropping connection");
		if (!resyncs)
			break;
		client_left();
		hello_done_ = false;
		resync = true;
	}
	// From here on this connection serves no one: its slot is free for the next client, who may
	// connect the moment the peer sees the shutdown below (the agent's admission skips
	// stopping ones).
	stopping_.store(true);
	handler_.slot_changed();
	// Pool threads may still be writing responses: wake them (shutdown) and wait for them
	// before the fd is closed, so that none can write to a recycled fd number.
	{
		std::lock_guard lock(fd_lock_);
		ch_->shutdown();
	}
	stop_pool();
	{
		std::lock_guard lock(fd_lock_);
		ch_->close();
		fd_closed_ = true;
	}
	client_left();
	RPC_INFO("conn %llu: closed", (unsigned long long)id_);
}

bool ServerConnection::serve_frames(std::string &why)
{
	static LogLimiter no_hello_log;
	for (;;) {
		InMessage in;
		// Until its first HELLO (and, with a key, its proof) a connection holds a slot on
		// nobody's behalf: both must be complete by hello_by_, however their bytes trickle in.
		const bool greeted = greeted_.load();
		int r = recv_head(*ch_, limits_, in, cfg_.idle_timeout_ms, why, greeted ? kNoDeadline : hello_by_);
		if (r == ECONNRESET && !stopping_.load()) {
			// Peer closed between frames; a persistent channel's host side closing is final too.
			return true;
		}
		if (r == ETIMEDOUT && !greeted && !stopping_.load()) {
			// Anyone can open silent connections: one line per interval, not one per connection.
			RPC_LOG_LIMITED(no_hello_log, LogLevel::warn,
					"conn %llu (%s): no HELLO (or proof) in time: closed", (unsigned long long)id_,
					peer_.c_str());
			return true;
		}
		if (r == ETIMEDOUT && in.started == kNoDeadline) {
			// Silence between requests (idle_timeout_ms): an orderly close, not an error.
			RPC_INFO("conn %llu: idle timeout", (unsigned long long)id_);
			return true;
		}
		if (r != 0)
			return stopping_.load() || r == ECONNRESET;
		if (in.head.type == FrameType::hello) {
			if (!handle_hello(in, why))
				return false;
			continue;
		}
		if (!hello_done_) {
			why = "first frame must be HELLO, got " + std::string(frame_type_name(in.head.type));
			return false;
		}
		if (in.head.type != FrameType::request) {
			why = "unexpected " + std::string(frame_type_name(in.head.type)) + " frame";
			return false;
		}
		if (auth_pending_) {
			if (!handle_auth(in, why))
				return false;
			continue;
		}
		if (!handle_request(in, why))
			return false;
	}
}

bool ServerConnection::handle_hello(InMessage &in, std::string &why)
{
	v1::Hello hello;
	if (in.payload_size() != 0 || !hello.ParseFromString(in.meta)) {
		why = "malformed HELLO";
		return false;
	}
	if (!start_auth(hello, why))
		return false;
	if (hello_done_ && hello.nonce() != nonce_) {
		// A new client process on a channel that outlived the previous one (virtio-serial).
		RPC_INFO("conn %llu: new client (nonce changed): releasing state of the previous one",
			 (unsigned long long)id_);
		client_left();
	}
	nonce_ = hello.nonce();
	persistent_ = hello.persistent_channel();
	if (persistent_)
		limits_.gap_timeout_ms = cfg_.persistent_gap_ms;
	memfd_ok_ = cfg_.accept_memfd && ch_->can_pass_fds() && hello.want_memfd();
	hello_done_ = true;
	// Before HELLO_ACK: the client may open its next connection as soon as it reads it, and
	// this one must count as a client (not evictable) by then. With a key, that is once the
	// client has proven it holds it (handle_auth).
	if (!auth_pending_) {
		greeted_.store(true);
		handler_.slot_changed();
	}

	v1::HelloAck ack;
	ack.set_protocol_version(kProtocolVersion);
	ack.set_nonce(nonce_);
	ack.set_agent_version(cfg_.agent_version);
	ack.set_max_payload(cfg_.limits.max_payload);
	ack.set_max_chunk(cfg_.limits.max_chunk);
	ack.set_memfd_accepted(memfd_ok_);
	ack.set_parts_accepted(memfd_ok_);
	ack.set_max_sessions(cfg_.max_sessions);
	if (auth_pending_)
		ack.set_auth_challenge(auth_challenge_);
	SendOptions so;
	so.timeout_ms = cfg_.io_timeout_ms;
	{
		std::lock_guard wl(write_lock_);
		if (int r = send_message(*ch_, FrameType::hello_ack, in.head.stream_id, ack.SerializeAsString(), {},
					 so)) {
			why = "sending HELLO_ACK: " + std::string(strerror(r));
			return false;
		}
	}
	RPC_DEBUG("conn %llu: hello from '%s' (persistent=%d memfd=%d)", (unsigned long long)id_,
		  hello.client_name().c_str(), persistent_, memfd_ok_);
	handler_.greeted(hello);
	return true;
}

namespace {

// Payload bytes a request declares through its metadata (docs/protocol.md §5); requests whose
// handler streams the payload are checked by it.
bool expected_payload(const v1::Request &req, uint64_t &total)
{
	total = 0;
	switch (req.call_case()) {
	case v1::Request::kGenop:
		for (auto &a : req.genop().read())
			if (a.has_data() && !add_size(total, a.size()))
				return false;
		for (auto &a : req.genop().write())
			if (a.has_data() && !add_size(total, a.size()))
				return false;
		return true;
	case v1::Request::kTfModelRun:
		if (!add_size(total, req.tf_model_run().run_options_size()))
			return false;
		for (auto &t : req.tf_model_run().in_tensors())
			if (!add_size(total, t.size()))
				return false;
		return true;
	case v1::Request::kTfliteModelRun:
		for (auto &t : req.tflite_model_run().in_tensors())
			if (!add_size(total, t.size()))
				return false;
		return true;
	case v1::Request::kTorchModelRun:
		if (!add_size(total, req.torch_model_run().run_options_size()))
			return false;
		for (auto &t : req.torch_model_run().in_tensors())
			if (!add_size(total, t.size()))
				return false;
		return true;
	default:
		return true;
	}
}

} // namespace

bool ServerConnection::handle_request(InMessage &in, std::string &why)
{
	TaskPtr task = take_task();
	task->stream = in.head.stream_id;
	v1::Request &req = task->req;
	if (!req.ParseFromString(in.meta) || req.call_case() == v1::Request::CALL_NOT_SET) {
		why = "malformed or empty REQUEST metadata";
		return false;
	}
	if (handler_.streams_payload(req))
		return handle_streaming(std::move(task), in, why);
	uint64_t want = 0;
	if (!expected_payload(req, want) || want != in.payload_size()) {
		why = "payload of " + std::to_string(in.payload_size()) + " bytes does not match the metadata (" +
		      std::to_string(want) + ")";
		return false;
	}
	// The inline bytes' receive buffer and the address space of the mapped memfd ranges.
	const uint64_t footprint = inline_size(in) + mapped_span(in);
	if (auto refused = charge_request(footprint, task->charge); refused != Charge::Refusal::none) {
		if (discard_payload(*ch_, limits_, in, why))
			return false;
		Reply reply;
		reply.fail(ENOMEM, refusal_text(refused));
		RPC_WARN("conn %llu: request refused: %s", (unsigned long long)id_, refusal_text(refused));
		finish_task(std::move(task));
		return send_reply(in.head.stream_id, reply, why);
	}
	if (int r = recv_payload(*ch_, limits_, in, task->sink, why, &mcache_); r != 0)
		return false;
	if ((in.head.flags & frame_flags::parts) && !zero_copy_seen_) {
		zero_copy_seen_ = true;
		RPC_INFO("conn %llu: client sends shared buffers zero-copy (%zu payload parts)",
			 (unsigned long long)id_, task->sink.view().pieces().size());
	}
	if (should_dispatch(req)) {
		pool_.submit(std::move(task));
		return true;
	}
	bool ok = execute(*task, why);
	finish_task(std::move(task));
	return ok;
}

bool ServerConnection::handle_streaming(TaskPtr task, InMessage &in, std::string &why)
{
	Reply reply;
	reply.resp.set_status(0);
	IncomingPayload payload(*ch_, limits_, in);
	if (!handler_.handle_streaming(task->req, payload, reply, why))
		return false;
	finish_task(std::move(task));
	return send_reply(in.head.stream_id, reply, why);
}

bool ServerConnection::execute(Task &t, std::string &why)
{
	Reply reply;
	reply.resp.set_status(0);
	handler_.handle(t.req, t.sink.view(), t.scratch, reply);
	if (reply.resp.status() != 0)
		RPC_DEBUG("conn %llu: request %d failed: %d %s", (unsigned long long)id_, (int)t.req.call_case(),
			  reply.resp.status(), reply.resp.error().c_str());
	return send_reply(t.stream, reply, why);
}

bool ServerConnection::send_reply(uint32_t stream, Reply &reply, std::string &why)
{
	SendOptions so;
	so.timeout_ms = cfg_.io_timeout_ms;
	int r = 0;
	{
		std::lock_guard wl(write_lock_);
		r = send_message(*ch_, FrameType::response, stream, reply.resp.SerializeAsString(), reply.payload, so);
	}
	if (r != 0) {
		why = "sending response: " + std::string(strerror(r));
		return r == ECONNRESET && !persistent_;
	}
	return true;
}

// ---- the pool and back-pressure ------------------------------------------------------------

// A request of a concurrent client (one calling from several threads) that may overlap goes
// to the pool so that this thread keeps reading and the client's ops overlap, unless the
// queue or the byte budget says to apply back-pressure: then this thread runs it and stops
// reading meanwhile. A single-threaded client's requests run here, with no thread hand-off.
bool ServerConnection::should_dispatch(const v1::Request &req)
{
	if (pool_.max_threads() == 0 || !req.concurrent() || !handler_.may_overlap(req))
		return false;
	return pool_.queued() < 2 * pool_.max_threads();
}

Charge::Refusal ServerConnection::charge_request(uint64_t bytes, Charge &out)
{
	for (;;) {
		Charge::Refusal r = out.take(budget_, memory_, bytes);
		// This connection's own tasks hold the bytes: wait for one to finish (bounded by the
		// ops themselves), as a full queue makes the client wait.
		if (r == Charge::Refusal::none || !pool_.wait_for_progress())
			return r;
	}
}

bool ServerConnection::account_mapping(int64_t delta)
{
	if (delta < 0) {
		budget_.give_back(static_cast<uint64_t>(-delta));
		memory_.give_back(static_cast<uint64_t>(-delta));
		return true;
	}
	const auto n = static_cast<uint64_t>(delta);
	if (!budget_.try_take(n))
		return false;
	if (!memory_.try_take(n)) {
		budget_.give_back(n);
		return false;
	}
	return true;
}

void ServerConnection::run_pooled(TaskPtr t)
{
	std::string why;
	if (!execute(*t, why)) {
		RPC_WARN("conn %llu: %s", (unsigned long long)id_, why.c_str());
		std::lock_guard fl(fd_lock_);
		if (!fd_closed_)
			ch_->shutdown(); // the serving thread sees it and ends the connection
	}
	finish_task(std::move(t));
}

void ServerConnection::stop_pool()
{
	for (auto &t : pool_.stop())
		finish_task(std::move(t));
}

ServerConnection::TaskPtr ServerConnection::take_task()
{
	{
		std::lock_guard lock(spare_lock_);
		if (!spare_tasks_.empty()) {
			TaskPtr t = std::move(spare_tasks_.back());
			spare_tasks_.pop_back();
			return t;
		}
	}
	return std::make_unique<Task>();
}

void ServerConnection::finish_task(TaskPtr t)
{
	if (!t)
		return;
	t->charge.release();
	t->sink.reset(); // drops memfd mappings it held
	t->region.trim(cfg_.retain_buffer);
	t->scratch.trim(cfg_.retain_buffer);
	std::lock_guard lock(spare_lock_);
	// One task per pool thread plus the serving thread's is all that can be in use at once.
	if (spare_tasks_.size() <= pool_.max_threads())
		spare_tasks_.push_back(std::move(t));
}

} // namespace vaccel::rpc
