// One client connection: its own sessions, resources and profiling (isolation domain).
// Threads: the connection's thread reads every frame and runs control requests (sessions,
// resources, model load) and a single-threaded client's requests itself; data-path requests
// (genop, model runs) of a client flagged concurrent go to a small per-connection worker pool,
// so that one client's ops overlap. Data-path requests hold the state lock shared, everything
// else exclusive: a session or resource never changes under an op that uses it.
#pragma once

#include "agent.hpp"
#include "budget.hpp"
#include "genop_args.hpp"
#include "vaccel_rpc.pb.h"

#include <vaccel.h>

#include <sys/uio.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <shared_mutex>

namespace vaccel::agent {

namespace v1 = ::vaccel::rpc::v1;

// Bounds on what one request may describe (checked before anything is allocated for it).
inline constexpr size_t kMaxTensors = 1024;
inline constexpr size_t kMaxDims = 64;
inline constexpr const char *kSplitSegment = kSplitSegmentText;

// total += n; false (total unchanged) when the sum would overflow: sizes come from clients.
inline bool add_size(uint64_t &total, uint64_t n)
{
	if (n > UINT64_MAX - total)
		return false;
	total += n;
	return true;
}

// Requests that only read the connection's state: they hold the state lock shared and may run
// on the worker pool, concurrently with each other.
bool is_data_path(const v1::Request &req);

// CLOCK_MONOTONIC in nanoseconds, for the agent-side profiling samples.
uint64_t monotonic_ns();

// What a handler sends back: metadata, payload iovecs and what keeps them alive until sent.
struct Reply {
	v1::Response resp;
	std::vector<iovec> payload;
	std::vector<std::function<void()>> cleanup; // run after the response is written
	~Reply()
	{
		for (auto &c : cleanup)
			c();
	}
	void fail(int status, std::string msg)
	{
		resp.Clear();
		resp.set_status(status);
		resp.set_error(std::move(msg));
	}
};

class Connection {
public:
	Connection(Agent &agent, rpc::UniqueFd fd, uint64_t id, std::string peer);
	~Connection();
	void start();
	void stop();     // wakes the thread (shutdown of the socket)
	void join();
	[[nodiscard]] bool finished() const { return finished_.load(); }
	// Once its first HELLO was answered: the connection serves a client (until then the
	// agent may evict it to make room, agent/admission.hpp).
	[[nodiscard]] bool greeted() const { return greeted_.load(); }
	// stop() was called: the connection is on its way out and no longer holds a slot.
	[[nodiscard]] bool stopping() const { return stopping_.load(); }
	[[nodiscard]] uint64_t id() const { return id_; }

private:
	struct ResourceEntry {
		vaccel_resource *res = nullptr;
		std::set<int64_t> sessions;  // host session ids it is registered with
		std::string dir;             // spool directory (removed on release)
		Charge memory, disk;         // its BUFFER blobs, its spooled files
	};
	struct ProfRegion {
		std::vector<v1::ProfSample> samples;
	};
	struct SessionEntry {
		vaccel_session *sess = nullptr;
		std::map<std::string, ProfRegion> prof;
	};

	// A received request waiting to run (its payload in `region` and mapped memfd parts).
	// Tasks are reused (request, receive buffer) from a small free list.
	struct Task {
		rpc::GrowableRegion region;
		rpc::MemorySink sink{region};
		rpc::GrowableRegion scratch; // private copies of the request's args (genop_args.hpp)
		v1::Request req;
		uint32_t stream = 0;
		Charge charge; // payload + mapped memfd ranges, until the task is finished
	};

	void run();
	// Serves frames until the connection ends. Returns false on a protocol error.
	bool serve(std::string &why);
	bool handle_hello(rpc::InMessage &in, std::string &why);
	// connection_auth.cpp: a challenge for this HELLO when the agent has a key; the answer.
	bool start_auth(const v1::Hello &hello, std::string &why);
	bool handle_auth(rpc::InMessage &in, std::string &why);
	bool handle_request(rpc::InMessage &in, std::string &why);
	// Runs a received request under the state lock and sends its response.
	bool execute(Task &t, std::string &why);
	bool send_reply(uint32_t stream, Reply &reply, std::string &why);
	void run_handler(const v1::Request &req, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch,
			 Reply &reply);
	// Worker pool: dispatch() hands a task over (spawning a worker if none is idle);
	// stop_workers() drops queued tasks and joins the workers (they respawn on demand).
	bool should_dispatch(const v1::Request &req);
	// Charges a request's payload and mapped ranges to the budgets, waiting for this
	// connection's running tasks to finish when only they stand in the way (back-pressure).
	Charge::Refusal charge_request(uint64_t bytes, Charge &out);
	// Mapping cache hook: charges (delta > 0) or gives back the address space it keeps.
	bool account_mapping(int64_t delta);
	void dispatch(std::unique_ptr<Task> t);
	void worker_loop();
	void stop_workers();
	std::unique_ptr<Task> take_task();
	void finish_task(std::unique_ptr<Task> t);
	void release_all();

	// Request handlers. Payload handlers receive the message payload bytes (already received).
	void do_session_create(const v1::SessionCreate &m, Reply &r);
	void do_session_release(const v1::SessionRelease &m, Reply &r);
	bool do_resource_register(const v1::ResourceRegister &m, rpc::InMessage &in, Reply &r, std::string &why);
	void do_resource_unregister(const v1::ResourceUnregister &m, Reply &r);
	void do_resource_sync(const v1::ResourceSync &m, Reply &r);
	void do_genop(const v1::Genop &m, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch, Reply &r);
	void do_tf_load(const v1::ModelRef &m, bool unload, Reply &r);
	void do_tf_run(const v1::TfModelRun &m, const rpc::PayloadView &payload, Reply &r);
	void do_tflite_load(const v1::ModelRef &m, bool unload, Reply &r);
	void do_tflite_run(const v1::TfliteModelRun &m, const rpc::PayloadView &payload, Reply &r);
	void do_torch_load(const v1::ModelRef &m, Reply &r);
	void do_torch_run(const v1::TorchModelRun &m, const rpc::PayloadView &payload, Reply &r);
	void do_profiling_get(const v1::ProfilingGet &m, Reply &r);

	SessionEntry *find_session(int64_t id, Reply &r);
	ResourceEntry *find_resource(int64_t id, Reply &r);
	vaccel_resource *find_model(int64_t sess_id, int64_t model_id, SessionEntry *&s, Reply &r);
	int check_exec_policy(const std::vector<vaccel_arg> &read, SessionEntry &s, std::string &why);
	void release_resource_if_unused(int64_t id);
	void record_sample(SessionEntry &s, const std::string &region, uint64_t start_ns, uint64_t dur_ns);

	Agent &agent_;
	const AgentConfig &cfg_;
	uint64_t id_;
	std::string peer_;
	std::unique_ptr<rpc::Channel> ch_;
	rpc::Limits limits_;
	std::thread thread_;
	std::mutex fd_lock_; // orders stop()'s shutdown against run()'s close of the fd
	bool fd_closed_ = false; // guarded by fd_lock_
	std::atomic<bool> finished_{false};
	std::atomic<bool> stopping_{false};
	std::atomic<bool> greeted_{false};
	rpc::Deadline hello_by_ = rpc::kNoDeadline; // HELLO due by then (--hello-timeout-ms)

	std::mutex write_lock_; // one message at a time on ch_ (connection thread and workers)

	// Worker pool (see above).
	std::mutex work_lock_;
	std::condition_variable work_cv_;
	std::deque<std::unique_ptr<Task>> queue_; // guarded by work_lock_
	std::vector<std::thread> workers_;        // guarded by work_lock_
	size_t idle_workers_ = 0;                 // guarded by work_lock_
	bool workers_stop_ = false;               // guarded by work_lock_
	std::vector<std::unique_ptr<Task>> spare_tasks_; // guarded by work_lock_: reused tasks and buffers
	size_t busy_tasks_ = 0;                   // guarded by work_lock_: dispatched, not finished
	std::condition_variable task_done_cv_;    // a dispatched task finished

	// Everything this connection holds: resources, payloads in flight, mapped memfd ranges,
	// private copies and responses being sent (--max-connection-bytes).
	ByteBudget budget_;

	// Sessions and resources: written only by this connection's thread, holding state_lock_
	// exclusively; data-path requests on workers read them holding it shared.
	std::shared_mutex state_lock_;
	std::mutex prof_lock_; // profiling samples are appended by concurrent data-path requests

	// Everything below is touched only by this connection's thread.
	bool hello_done_ = false;
	bool persistent_ = false;
	bool memfd_ok_ = false;
	bool zero_copy_seen_ = false; // first PARTS payload of this connection is logged once
	uint64_t nonce_ = 0;
	bool auth_pending_ = false;      // requests are refused until a valid Request.auth
	std::string auth_challenge_;     // sent in HELLO_ACK, used up by the first answer
	std::string client_auth_nonce_;  // Hello.auth_nonce
	std::map<int64_t, SessionEntry> sessions_;
	std::map<int64_t, ResourceEntry> resources_;
	uint64_t next_res_dir_ = 1;
	rpc::MappingCache mcache_; // memfd mappings reused across requests (used by the reading thread)
};

} // namespace vaccel::agent
