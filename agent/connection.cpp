#include "connection.hpp"
#include "worker_page.hpp"

#include "log.hpp"
#include "spool.hpp"
#include "url_policy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>

namespace vaccel::agent {

using rpc::FrameType;
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxProfSamples = 10000;

} // namespace

uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Connection::Connection(Agent &agent, rpc::UniqueFd fd, uint64_t id, std::string peer)
	: agent_(agent), cfg_(agent.config()), id_(id), peer_(std::move(peer)),
	  ch_(std::make_unique<rpc::Channel>(std::move(fd))), budget_(cfg_.max_bytes_per_connection),
	  mcache_(4, cfg_.max_payload, [this](int64_t delta) { return account_mapping(delta); })
{
	limits_.max_payload = cfg_.max_payload;
	limits_.max_chunk = cfg_.max_chunk;
	limits_.gap_timeout_ms = cfg_.io_timeout_ms;
	limits_.frame_timeout_ms = cfg_.io_timeout_ms;
	limits_.min_rate = cfg_.min_rate;
	if (cfg_.hello_timeout_ms > 0)
		hello_by_ = rpc::deadline_after(std::chrono::steady_clock::now(), cfg_.hello_timeout_ms);
}

Connection::~Connection() { join(); }

void Connection::start() { thread_ = std::thread([this] { run(); }); }

void Connection::stop()
{
	stopping_.store(true);
	std::lock_guard lock(fd_lock_);
	if (!fd_closed_)
		ch_->shutdown();
}

void Connection::join()
{
	if (thread_.joinable())
		thread_.join();
}

void Connection::run()
{
	RPC_INFO("conn %llu: accepted from %s", (unsigned long long)id_, peer_.c_str());
	bool resync = false;
	for (;;) {
		std::string why;
		if (resync) {
			rpc::InMessage in;
			int r = rpc::scan_for_head(*ch_, limits_, FrameType::hello, in, 3600 * 1000, 1ull << 40, why);
			if (r != 0)
				break;
			resync = false;
			if (!handle_hello(in, why)) {
				RPC_WARN("conn %llu: %s", (unsigned long long)id_, why.c_str());
				resync = true;
				continue;
			}
		}
		bool ok = serve(why);
		if (ok || stopping_.load())
			break;
		RPC_WARN("conn %llu (%s): protocol error: %s%s", (unsigned long long)id_, peer_.c_str(), why.c_str(),
			 persistent_ ? "; releasing its state and resynchronising" : "; dropping connection");
		if (!persistent_)
			break;
		stop_workers();
		release_all();
		hello_done_ = false;
		resync = true;
	}
	// From here on this connection serves no one: its slot is free for the next client, who may
	// connect the moment the peer sees the shutdown below (admit_new skips stopping ones).
	stopping_.store(true);
	// Workers may still be writing responses: wake them (shutdown) and wait for them before the
	// fd is closed, so that none can write to a recycled fd number.
	{
		std::lock_guard lock(fd_lock_);
		ch_->shutdown();
	}
	stop_workers();
	{
		std::lock_guard lock(fd_lock_);
		ch_->close();
		fd_closed_ = true;
	}
	release_all();
	RPC_INFO("conn %llu: closed", (unsigned long long)id_);
	finished_.store(true);
}

// Returns true when the peer closed (or we are stopping), false on a protocol error.
bool Connection::serve(std::string &why)
{
	static rpc::LogLimiter no_hello_log;
	for (;;) {
		rpc::InMessage in;
		// Until its first HELLO (and, on an agent with a key, its proof) a connection holds a
		// slot on nobody's behalf: both must be complete by hello_by_ (--hello-timeout-ms),
		// however their bytes trickle in.
		const bool greeted = greeted_.load();
		int r = rpc::recv_head(*ch_, limits_, in, cfg_.idle_timeout_ms, why, greeted ? rpc::kNoDeadline : hello_by_);
		if (r == ECONNRESET && !stopping_.load()) {
			// Peer closed between frames; a persistent channel's host side closing is final too.
			return true;
		}
		if (r == ETIMEDOUT && !greeted && !stopping_.load()) {
			// Anyone can open silent connections: one line per interval, not one per connection.
			RPC_LOG_LIMITED(no_hello_log, rpc::LogLevel::warn, "conn %llu (%s): no HELLO (or proof) in time: closed",
					(unsigned long long)id_, peer_.c_str());
			return true;
		}
		if (r == ETIMEDOUT && in.started == rpc::kNoDeadline) {
			// Silence between requests (--idle-timeout-ms): an orderly close, not an error.
			RPC_INFO("conn %llu: idle timeout", (unsigned long long)id_);
			return true;
		}
		if (r != 0)
			return stopping_.load() || r == ECONNRESET ? true : false;
		if (in.head.type == FrameType::hello) {
			if (!handle_hello(in, why))
				return false;
			continue;
		}
		if (!hello_done_) {
			why = "first frame must be HELLO, got " + std::string(rpc::frame_type_name(in.head.type));
			return false;
		}
		if (in.head.type != FrameType::request) {
			why = "unexpected " + std::string(rpc::frame_type_name(in.head.type)) + " frame";
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

bool Connection::handle_hello(rpc::InMessage &in, std::string &why)
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
		stop_workers();
		release_all();
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
		note_greeted(); // the supervisor reads it (process isolation)
	}

	v1::HelloAck ack;
	ack.set_protocol_version(rpc::kProtocolVersion);
	ack.set_nonce(nonce_);
	ack.set_agent_version(std::string("vaccel-agent ") + VACCEL_VERSION);
	ack.set_max_payload(cfg_.max_payload);
	ack.set_max_chunk(cfg_.max_chunk);
	ack.set_memfd_accepted(memfd_ok_);
	ack.set_parts_accepted(memfd_ok_);
	ack.set_max_sessions(static_cast<uint32_t>(cfg_.max_sessions_per_connection));
	if (auth_pending_)
		ack.set_auth_challenge(auth_challenge_);
	rpc::SendOptions so;
	so.timeout_ms = cfg_.io_timeout_ms;
	std::lock_guard wl(write_lock_);
	if (int r = rpc::send_message(*ch_, FrameType::hello_ack, in.head.stream_id, ack.SerializeAsString(), {}, so)) {
		why = "sending HELLO_ACK: " + std::string(strerror(r));
		return false;
	}
	RPC_DEBUG("conn %llu: hello from '%s' (persistent=%d memfd=%d)", (unsigned long long)id_,
		  hello.client_name().c_str(), persistent_, memfd_ok_);
	return true;
}

namespace {

// Payload bytes a request declares through its metadata (resource_register excluded).
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

bool Connection::handle_request(rpc::InMessage &in, std::string &why)
{
	std::unique_ptr<Task> task = take_task();
	task->stream = in.head.stream_id;
	v1::Request &req = task->req;
	if (!req.ParseFromString(in.meta) || req.call_case() == v1::Request::CALL_NOT_SET) {
		why = "malformed or empty REQUEST metadata";
		return false;
	}
	if (req.call_case() == v1::Request::kResourceRegister) {
		// Streams its payload into the spool itself; changes the state.
		Reply reply;
		reply.resp.set_status(VACCEL_OK);
		{
			std::unique_lock state(state_lock_);
			if (!do_resource_register(req.resource_register(), in, reply, why))
				return false;
		}
		finish_task(std::move(task));
		return send_reply(in.head.stream_id, reply, why);
	}
	uint64_t want = 0;
	if (!expected_payload(req, want) || want != in.payload_size()) {
		why = "payload of " + std::to_string(in.payload_size()) + " bytes does not match the metadata (" +
		      std::to_string(want) + ")";
		return false;
	}
	// The inline bytes' receive buffer and the address space of the mapped memfd ranges.
	const uint64_t footprint = rpc::inline_size(in) + rpc::mapped_span(in);
	if (auto refused = charge_request(footprint, task->charge); refused != Charge::Refusal::none) {
		if (rpc::discard_payload(*ch_, limits_, in, why))
			return false;
		Reply reply;
		reply.fail(VACCEL_ENOMEM, refusal_text(refused));
		RPC_WARN("conn %llu: request refused: %s", (unsigned long long)id_, refusal_text(refused));
		finish_task(std::move(task));
		return send_reply(in.head.stream_id, reply, why);
	}
	if (int r = rpc::recv_payload(*ch_, limits_, in, task->sink, why, &mcache_); r != 0)
		return false;
	if ((in.head.flags & rpc::frame_flags::parts) && !zero_copy_seen_) {
		zero_copy_seen_ = true;
		RPC_INFO("conn %llu: client sends shared buffers zero-copy (%zu payload parts)", (unsigned long long)id_,
			 task->sink.view().pieces().size());
	}
	if (should_dispatch(req)) {
		dispatch(std::move(task));
		return true;
	}
	bool ok = execute(*task, why);
	finish_task(std::move(task));
	return ok;
}

// Requests that only read the connection's state (and may run concurrently).
bool is_data_path(const v1::Request &req)
{
	switch (req.call_case()) {
	case v1::Request::kGenop:
	case v1::Request::kTfModelRun:
	case v1::Request::kTfliteModelRun:
	case v1::Request::kTorchModelRun:
	case v1::Request::kPing:
		return true;
	default:
		return false;
	}
}

void Connection::run_handler(const v1::Request &req, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch,
			     Reply &reply)
{
	switch (req.call_case()) {
	case v1::Request::kSessionCreate:
		do_session_create(req.session_create(), reply);
		break;
	case v1::Request::kSessionRelease:
		do_session_release(req.session_release(), reply);
		break;
	case v1::Request::kResourceUnregister:
		do_resource_unregister(req.resource_unregister(), reply);
		break;
	case v1::Request::kResourceSync:
		do_resource_sync(req.resource_sync(), reply);
		break;
	case v1::Request::kGenop:
		do_genop(req.genop(), payload, scratch, reply);
		break;
	case v1::Request::kTfModelLoad:
		do_tf_load(req.tf_model_load(), false, reply);
		break;
	case v1::Request::kTfModelUnload:
		do_tf_load(req.tf_model_unload(), true, reply);
		break;
	case v1::Request::kTfModelRun:
		do_tf_run(req.tf_model_run(), payload, reply);
		break;
	case v1::Request::kTfliteModelLoad:
		do_tflite_load(req.tflite_model_load(), false, reply);
		break;
	case v1::Request::kTfliteModelUnload:
		do_tflite_load(req.tflite_model_unload(), true, reply);
		break;
	case v1::Request::kTfliteModelRun:
		do_tflite_run(req.tflite_model_run(), payload, reply);
		break;
	case v1::Request::kTorchModelLoad:
		do_torch_load(req.torch_model_load(), reply);
		break;
	case v1::Request::kTorchModelRun:
		do_torch_run(req.torch_model_run(), payload, reply);
		break;
	case v1::Request::kProfilingGet:
		do_profiling_get(req.profiling_get(), reply);
		break;
	case v1::Request::kPing:
		break;
	case v1::Request::kAuth:
		reply.fail(VACCEL_EINVAL, "no authentication pending on this connection");
		break;
	default:
		reply.fail(VACCEL_ENOTSUP, "unsupported request");
		break;
	}
}

bool Connection::execute(Task &t, std::string &why)
{
	const v1::Request &req = t.req;
	const rpc::PayloadView payload = t.sink.view();
	Reply reply;
	reply.resp.set_status(VACCEL_OK);
	{
		std::shared_lock shared(state_lock_, std::defer_lock);
		std::unique_lock exclusive(state_lock_, std::defer_lock);
		if (is_data_path(req))
			shared.lock();
		else
			exclusive.lock();
		OpScope timed(static_cast<int32_t>(req.call_case())); // --op-timeout-ms, crash log
		run_handler(req, payload, t.scratch, reply);
	}
	if (reply.resp.status() != VACCEL_OK)
		RPC_DEBUG("conn %llu: request %d failed: %d %s", (unsigned long long)id_, (int)req.call_case(),
			  reply.resp.status(), reply.resp.error().c_str());
	return send_reply(t.stream, reply, why);
}

bool Connection::send_reply(uint32_t stream, Reply &reply, std::string &why)
{
	rpc::SendOptions so;
	so.timeout_ms = cfg_.io_timeout_ms;
	int r = 0;
	{
		std::lock_guard wl(write_lock_);
		r = rpc::send_message(*ch_, FrameType::response, stream, reply.resp.SerializeAsString(), reply.payload, so);
	}
	if (r != 0) {
		why = "sending response: " + std::string(strerror(r));
		return r == ECONNRESET && !persistent_ ? true : false;
	}
	return true;
}

// ---- lookups -------------------------------------------------------------------------------

Connection::SessionEntry *Connection::find_session(int64_t id, Reply &r)
{
	auto it = sessions_.find(id);
	if (it == sessions_.end()) {
		// Ids of other connections are indistinguishable from unknown ones on purpose.
		r.fail(VACCEL_ENOENT, "unknown session " + std::to_string(id));
		return nullptr;
	}
	return &it->second;
}

Connection::ResourceEntry *Connection::find_resource(int64_t id, Reply &r)
{
	auto it = resources_.find(id);
	if (it == resources_.end()) {
		r.fail(VACCEL_ENOENT, "unknown resource " + std::to_string(id));
		return nullptr;
	}
	return &it->second;
}

vaccel_resource *Connection::find_model(int64_t sess_id, int64_t model_id, SessionEntry *&s, Reply &r)
{
	s = find_session(sess_id, r);
	if (!s)
		return nullptr;
	ResourceEntry *e = find_resource(model_id, r);
	if (!e)
		return nullptr;
	return e->res;
}

void Connection::record_sample(SessionEntry &s, const std::string &region, uint64_t start_ns, uint64_t dur_ns)
{
	std::lock_guard lock(prof_lock_);
	auto &samples = s.prof[region].samples;
	if (samples.size() >= kMaxProfSamples)
		return; // bounded: the first kMaxProfSamples calls per region are kept
	v1::ProfSample ps;
	ps.set_start(start_ns);
	ps.set_time(dur_ns);
	samples.push_back(ps);
}

// ---- sessions ------------------------------------------------------------------------------

void Connection::do_session_create(const v1::SessionCreate &m, Reply &r)
{
	if (sessions_.size() >= cfg_.max_sessions_per_connection) {
		r.fail(VACCEL_EUSERS, "too many sessions on this connection");
		return;
	}
	vaccel_session *sess = nullptr;
	int ret = vaccel_session_new(&sess, m.flags() & ~static_cast<uint32_t>(VACCEL_PLUGIN_REMOTE));
	if (ret != VACCEL_OK) {
		r.fail(ret, "host session creation failed");
		return;
	}
	if (sess->is_virtio) {
		// The agent must run ops itself; forwarding to another transport would loop.
		vaccel_session_delete(sess);
		r.fail(VACCEL_ENOTSUP, "agent's only plugin is a transport plugin");
		return;
	}
	sessions_[sess->id].sess = sess;
	r.resp.mutable_session_created()->set_session_id(sess->id);
	RPC_DEBUG("conn %llu: session %lld created", (unsigned long long)id_, (long long)sess->id);
}

void Connection::do_session_release(const v1::SessionRelease &m, Reply &r)
{
	SessionEntry *s = find_session(m.session_id(), r);
	if (!s)
		return;
	// Unregister this connection's resources from the session, destroying unused ones.
	std::vector<int64_t> touched;
	for (auto &[rid, e] : resources_) {
		if (e.sessions.erase(m.session_id())) {
			vaccel_resource_unregister(e.res, s->sess);
			touched.push_back(rid);
		}
	}
	int ret = vaccel_session_delete(s->sess);
	sessions_.erase(m.session_id());
	for (auto rid : touched)
		release_resource_if_unused(rid);
	if (ret != VACCEL_OK)
		r.fail(ret, "host session release failed");
}

// ---- profiling -----------------------------------------------------------------------------

void Connection::do_profiling_get(const v1::ProfilingGet &m, Reply &r)
{
	SessionEntry *s = find_session(m.session_id(), r);
	if (!s)
		return;
	auto *out = r.resp.mutable_profiling_data();
	std::lock_guard lock(prof_lock_);
	for (auto &[name, reg] : s->prof) {
		auto *pr = out->add_regions();
		pr->set_name("vaccel-agent " + name);
		for (auto &smp : reg.samples)
			*pr->add_samples() = smp;
	}
}

} // namespace vaccel::agent
