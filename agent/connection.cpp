#include "connection.hpp"

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

constexpr size_t kMaxBlobs = 4096;
constexpr size_t kMaxProfSamples = 10000;

// Sum of segment sizes; false on overflow.
bool add_size(uint64_t &total, uint64_t n)
{
	if (n > UINT64_MAX - total)
		return false;
	total += n;
	return true;
}

bool valid_blob_name(const std::string &n)
{
	return !n.empty() && n.size() <= 255 && n != "." && n != ".." && n.find('/') == std::string::npos &&
	       n.find('\0') == std::string::npos;
}

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
	if (!auth_pending_)
		greeted_.store(true);

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

namespace {

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

} // namespace

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

// ---- worker pool ---------------------------------------------------------------------------

// A data-path request of a concurrent client (one calling from several threads) goes to a
// worker so that this thread keeps reading and the client's ops overlap, unless the queue or
// the connection's byte budget says to apply back-pressure: then this thread runs it and stops
// reading meanwhile. A single-threaded client's requests run here, with no thread hand-off.
bool Connection::should_dispatch(const v1::Request &req)
{
	if (cfg_.workers_per_connection == 0 || !req.concurrent() || !is_data_path(req))
		return false;
	std::lock_guard lock(work_lock_);
	return queue_.size() < 2 * cfg_.workers_per_connection;
}

Charge::Refusal Connection::charge_request(uint64_t bytes, Charge &out)
{
	for (;;) {
		Charge::Refusal r = out.take(budget_, agent_.memory_budget(), bytes);
		std::unique_lock lock(work_lock_);
		if (r == Charge::Refusal::none || busy_tasks_ == 0)
			return r;
		// This connection's own tasks hold the bytes: wait for one to finish (bounded by
		// the ops themselves), as a full queue makes the client wait.
		task_done_cv_.wait(lock);
	}
}

bool Connection::account_mapping(int64_t delta)
{
	if (delta < 0) {
		budget_.give_back(static_cast<uint64_t>(-delta));
		agent_.memory_budget().give_back(static_cast<uint64_t>(-delta));
		return true;
	}
	const auto n = static_cast<uint64_t>(delta);
	if (!budget_.try_take(n))
		return false;
	if (!agent_.memory_budget().try_take(n)) {
		budget_.give_back(n);
		return false;
	}
	return true;
}

void Connection::dispatch(std::unique_ptr<Task> t)
{
	std::lock_guard lock(work_lock_);
	++busy_tasks_;
	queue_.push_back(std::move(t));
	if (idle_workers_ == 0 && workers_.size() < cfg_.workers_per_connection)
		workers_.emplace_back([this] { worker_loop(); });
	else
		work_cv_.notify_one();
}

void Connection::worker_loop()
{
	std::unique_lock lock(work_lock_);
	for (;;) {
		++idle_workers_;
		work_cv_.wait(lock, [this] { return workers_stop_ || !queue_.empty(); });
		--idle_workers_;
		if (workers_stop_)
			return;
		std::unique_ptr<Task> t = std::move(queue_.front());
		queue_.pop_front();
		lock.unlock();
		std::string why;
		if (!execute(*t, why)) {
			RPC_WARN("conn %llu: %s", (unsigned long long)id_, why.c_str());
			std::lock_guard fl(fd_lock_);
			if (!fd_closed_)
				ch_->shutdown(); // the reading thread sees it and ends the connection
		}
		finish_task(std::move(t));
		lock.lock();
		--busy_tasks_;
		task_done_cv_.notify_all();
	}
}

void Connection::stop_workers()
{
	std::vector<std::thread> workers;
	std::deque<std::unique_ptr<Task>> dropped;
	{
		std::lock_guard lock(work_lock_);
		workers_stop_ = true;
		workers.swap(workers_);
		dropped.swap(queue_);
	}
	work_cv_.notify_all();
	for (auto &w : workers)
		w.join();
	for (auto &t : dropped)
		finish_task(std::move(t));
	std::lock_guard lock(work_lock_);
	busy_tasks_ -= std::min(busy_tasks_, dropped.size());
	workers_stop_ = false;
}

std::unique_ptr<Connection::Task> Connection::take_task()
{
	{
		std::lock_guard lock(work_lock_);
		if (!spare_tasks_.empty()) {
			std::unique_ptr<Task> t = std::move(spare_tasks_.back());
			spare_tasks_.pop_back();
			return t;
		}
	}
	return std::make_unique<Task>();
}

void Connection::finish_task(std::unique_ptr<Task> t)
{
	if (!t)
		return;
	t->charge.release();
	t->sink.reset(); // drops memfd mappings it held
	t->region.trim(cfg_.retain_buffer);
	t->scratch.trim(cfg_.retain_buffer);
	std::lock_guard lock(work_lock_);
	// One task per worker plus the reading thread's is all that can be in use at once.
	if (spare_tasks_.size() <= cfg_.workers_per_connection)
		spare_tasks_.push_back(std::move(t));
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

// ---- resources -----------------------------------------------------------------------------

namespace {

// Streams blob segments into spool files (FILE/MAPPED) or memory (BUFFER).
class BlobSink : public rpc::PayloadSink {
public:
	struct Seg {
		uint64_t size = 0;
		bool in_memory = false;
		rpc::UniqueFd fd;
		rpc::GrowableRegion mem;
		uint64_t done = 0;
	};
	std::vector<Seg> segs;

	int window(uint64_t, size_t want, std::span<std::byte> &out) override
	{
		skip_done();
		if (cur_ >= segs.size())
			return EPROTO;
		Seg &s = segs[cur_];
		size_t k = static_cast<size_t>(std::min<uint64_t>(want, s.size - s.done));
		if (s.in_memory) {
			if (int r = s.mem.reserve(s.mem.size() + k))
				return r;
			out = {s.mem.data() + s.mem.size(), k};
		} else {
			k = std::min(k, sizeof(bounce_));
			out = {bounce_, k};
		}
		return 0;
	}
	int commit(size_t n) override
	{
		Seg &s = segs[cur_];
		if (s.in_memory) {
			s.mem.commit(n);
		} else if (int r = write_file(s, bounce_, n)) {
			return r;
		}
		s.done += n;
		return 0;
	}
private:
	void skip_done()
	{
		while (cur_ < segs.size() && segs[cur_].done == segs[cur_].size)
			++cur_;
	}
	static int write_file(Seg &s, const std::byte *p, uint64_t n)
	{
		while (n > 0) {
			ssize_t w = ::write(s.fd.get(), p, static_cast<size_t>(std::min<uint64_t>(n, 1u << 30)));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return errno;
			}
			p += w;
			n -= static_cast<uint64_t>(w);
		}
		return 0;
	}
	size_t cur_ = 0;
	std::byte bounce_[256 * 1024];
};

} // namespace

bool Connection::do_resource_register(const v1::ResourceRegister &m, rpc::InMessage &in, Reply &r, std::string &why)
{
	uint64_t declared = 0;
	for (auto &b : m.blobs())
		if (!add_size(declared, b.size())) {
			why = "blob sizes overflow";
			return false;
		}
	if (declared != in.payload_size() || (m.resource_id() != 0 && in.payload_size() != 0)) {
		why = "resource payload does not match its blobs";
		return false;
	}
	auto refuse = [&](int status, std::string msg) {
		if (rpc::discard_payload(*ch_, limits_, in, why))
			return false;
		r.fail(status, std::move(msg));
		return true;
	};
	SessionEntry *s = find_session(m.session_id(), r);
	if (!s)
		return refuse(VACCEL_ENOENT, "unknown session " + std::to_string(m.session_id()));

	if (m.resource_id() != 0) {
		// Sharing a resource this connection already uploaded with another of its sessions.
		ResourceEntry *e = find_resource(m.resource_id(), r);
		if (!e)
			return true;
		int ret = vaccel_resource_register(e->res, s->sess);
		if (ret != VACCEL_OK) {
			r.fail(ret, "host resource register failed");
			return true;
		}
		e->sessions.insert(m.session_id());
		r.resp.mutable_resource_registered()->set_resource_id(m.resource_id());
		return true;
	}

	if (resources_.size() >= cfg_.max_resources_per_connection)
		return refuse(VACCEL_EUSERS, "too many resources on this connection");
	if (m.type() >= VACCEL_RESOURCE_MAX)
		return refuse(VACCEL_EINVAL, "invalid resource type");
	if (m.blobs_size() > static_cast<int>(kMaxBlobs))
		return refuse(VACCEL_EINVAL, "too many blobs");
	if (m.urls_size() > 0 && m.blobs_size() > 0)
		return refuse(VACCEL_EINVAL, "a resource has either blobs or urls");
	if (m.urls_size() == 0 && m.blobs_size() == 0)
		return refuse(VACCEL_EINVAL, "empty resource");
	if (m.urls_size() > 0) {
		if (!cfg_.allow_url_resources)
			return refuse(VACCEL_EPERM, "URL resources are not allowed on this agent");
		for (auto &u : m.urls())
			if (!url_scheme_allowed(u))
				return refuse(VACCEL_EPERM, "only http(s) URLs are allowed (no host paths)");
	}
	std::set<std::string> names;
	for (auto &b : m.blobs()) {
		if (!valid_blob_name(b.name()))
			return refuse(VACCEL_EINVAL, "invalid blob name '" + b.name() + "'");
		if (!names.insert(b.name()).second)
			return refuse(VACCEL_EINVAL, "duplicate blob name '" + b.name() + "'");
		if (b.type() >= VACCEL_BLOB_MAX)
			return refuse(VACCEL_EINVAL, "invalid blob type");
	}
	// BUFFER blobs stay in memory, the others are spooled to disk: each side is charged to
	// the connection's budget and to the agent-wide one of its kind.
	uint64_t in_memory = 0;
	for (auto &b : m.blobs())
		if (b.type() == VACCEL_BLOB_BUFFER && !m.directory())
			in_memory += b.size(); // the sizes add up to `declared`: no overflow
	Charge mem_charge, disk_charge;
	if (auto refused = mem_charge.take(budget_, agent_.memory_budget(), in_memory); refused != Charge::Refusal::none)
		return refuse(VACCEL_ENOMEM, refusal_text(refused));
	if (auto refused = disk_charge.take(budget_, agent_.disk_budget(), declared - in_memory);
	    refused != Charge::Refusal::none)
		return refuse(refused == Charge::Refusal::agent ? VACCEL_ENOSPC : VACCEL_ENOMEM, refusal_text(refused));

	// Spool directory of this resource: <spool>/c<conn>/r<n>/ (0700, agent/spool.hpp)
	std::string rel = "c" + std::to_string(id_) + "/r" + std::to_string(next_res_dir_++);
	std::string dir = agent_.spool_dir() + "/" + rel;
	if (make_private_dirs(agent_.spool_dir(), rel) != 0)
		return refuse(VACCEL_EIO, "cannot create spool directory");
	auto cleanup_dir = [dir] {
		std::error_code e2;
		fs::remove_all(dir, e2);
	};

	BlobSink sink;
	for (auto &b : m.blobs()) {
		BlobSink::Seg seg;
		seg.size = b.size();
		seg.in_memory = b.type() == VACCEL_BLOB_BUFFER && !m.directory();
		if (!seg.in_memory) {
			std::string path = dir + "/" + b.name();
			seg.fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
			if (!seg.fd) {
				cleanup_dir();
				return refuse(VACCEL_EIO, "cannot create spool file");
			}
		}
		sink.segs.push_back(std::move(seg));
	}
	// Uncached mapping: blob bytes are copied once into the spool or memory, then unmapped.
	if (int ret = rpc::recv_payload(*ch_, limits_, in, sink, why); ret != 0) {
		cleanup_dir();
		if (ret == ENOSPC || ret == EIO || ret == EDQUOT) {
			// Our disk failed us, not the peer's framing; still the stream is out of sync.
			why = "spooling resource: " + std::string(strerror(ret));
		}
		return false;
	}
	for (auto &seg : sink.segs)
		seg.fd.reset();

	vaccel_resource *res = nullptr;
	int ret = VACCEL_OK;
	auto type = static_cast<vaccel_resource_type_t>(m.type());
	if (m.urls_size() > 0) {
		std::vector<const char *> urls;
		for (auto &u : m.urls())
			urls.push_back(u.c_str());
		ret = vaccel_resource_multi_new(&res, urls.data(), urls.size(), type);
	} else if (m.directory()) {
		ret = vaccel_resource_new(&res, dir.c_str(), type);
	} else {
		std::vector<vaccel_blob *> blobs;
		for (int i = 0; i < m.blobs_size() && ret == VACCEL_OK; ++i) {
			const auto &b = m.blobs(i);
			auto &seg = sink.segs[static_cast<size_t>(i)];
			vaccel_blob *blob = nullptr;
			if (seg.in_memory)
				ret = vaccel_blob_from_buf(&blob, reinterpret_cast<const uint8_t *>(seg.mem.data()),
							   seg.size, false, b.name().c_str(), nullptr, false);
			else
				ret = vaccel_blob_new(&blob, (dir + "/" + b.name()).c_str());
			if (ret == VACCEL_OK)
				blobs.push_back(blob);
		}
		if (ret == VACCEL_OK)
			ret = vaccel_resource_from_blobs(&res, const_cast<const vaccel_blob **>(blobs.data()),
							 blobs.size(), type);
		for (auto *b : blobs)
			vaccel_blob_delete(b);
	}
	if (ret != VACCEL_OK) {
		cleanup_dir();
		if (m.urls_size() > 0)
			fail_url_resource(r, id_, ret, "creation");
		else
			r.fail(ret, "host resource creation failed");
		return true;
	}
	ret = vaccel_resource_register(res, s->sess);
	if (ret != VACCEL_OK) {
		vaccel_resource_delete(res);
		cleanup_dir();
		if (m.urls_size() > 0)
			fail_url_resource(r, id_, ret, "download or register");
		else
			r.fail(ret, "host resource register failed");
		return true;
	}
	ResourceEntry e;
	e.res = res;
	e.sessions.insert(m.session_id());
	e.dir = dir;
	e.memory = std::move(mem_charge);
	e.disk = std::move(disk_charge);
	resources_[res->id] = std::move(e);
	r.resp.mutable_resource_registered()->set_resource_id(res->id);
	RPC_DEBUG("conn %llu: resource %lld registered (%llu bytes)", (unsigned long long)id_, (long long)res->id,
		  (unsigned long long)declared);
	return true;
}

void Connection::release_resource_if_unused(int64_t id)
{
	auto it = resources_.find(id);
	if (it == resources_.end() || !it->second.sessions.empty())
		return;
	vaccel_resource_delete(it->second.res);
	std::error_code ec;
	if (!it->second.dir.empty())
		fs::remove_all(it->second.dir, ec);
	resources_.erase(it); // gives its charges back
}

void Connection::do_resource_unregister(const v1::ResourceUnregister &m, Reply &r)
{
	SessionEntry *s = find_session(m.session_id(), r);
	if (!s)
		return;
	ResourceEntry *e = find_resource(m.resource_id(), r);
	if (!e)
		return;
	if (!e->sessions.count(m.session_id())) {
		r.fail(VACCEL_EPERM, "resource is not registered with this session");
		return;
	}
	int ret = vaccel_resource_unregister(e->res, s->sess);
	e->sessions.erase(m.session_id());
	release_resource_if_unused(m.resource_id());
	if (ret != VACCEL_OK)
		r.fail(ret, "host resource unregister failed");
}

void Connection::do_resource_sync(const v1::ResourceSync &m, Reply &r)
{
	SessionEntry *s = find_session(m.session_id(), r);
	if (!s)
		return;
	ResourceEntry *e = find_resource(m.resource_id(), r);
	if (!e)
		return;
	uint64_t total = 0;
	for (size_t i = 0; i < e->res->nr_blobs; ++i)
		if (e->res->blobs[i]->type == VACCEL_BLOB_BUFFER)
			total += e->res->blobs[i]->size;
	if (total > cfg_.max_response) {
		r.fail(VACCEL_ENOMEM, "resource blobs exceed the response limit (--max-response)");
		return;
	}
	auto *out = r.resp.mutable_resource_synced();
	for (size_t i = 0; i < e->res->nr_blobs; ++i) {
		vaccel_blob *b = e->res->blobs[i];
		if (b->type != VACCEL_BLOB_BUFFER)
			continue;
		auto *pb = out->add_blobs();
		pb->set_name(b->name ? b->name : "");
		pb->set_type(b->type);
		pb->set_size(b->size);
		r.payload.push_back({b->data, b->size});
	}
}

void Connection::release_all()
{
	for (auto &[sid, s] : sessions_) {
		for (auto &[rid, e] : resources_)
			if (e.sessions.erase(sid))
				vaccel_resource_unregister(e.res, s.sess);
		vaccel_session_delete(s.sess);
	}
	sessions_.clear();
	for (auto &[rid, e] : resources_) {
		vaccel_resource_delete(e.res);
		std::error_code ec;
		if (!e.dir.empty())
			fs::remove_all(e.dir, ec);
	}
	resources_.clear();
	mcache_.clear();
	std::error_code ec;
	fs::remove_all(agent_.spool_dir() + "/c" + std::to_string(id_), ec);
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
