// SPDX-License-Identifier: Apache-2.0
#include "client.hpp"

#include "auth.hpp"
#include "log.hpp"
#include "transport.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace vaccel::rpc {
namespace {

uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end = nullptr;
	unsigned long long x = strtoull(v, &end, 10);
	if (end == v || *end) {
		RPC_WARN("ignoring invalid %s=%s", name, v);
		return def;
	}
	return x;
}

uint64_t fresh_nonce()
{
	uint64_t n = 0;
	if (getrandom(&n, sizeof(n), 0) != sizeof(n))
		n = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
		    (static_cast<uint64_t>(getpid()) << 32);
	return n | 1; // never 0
}

} // namespace

ClientOptions ClientOptions::from_env()
{
	ClientOptions o;
	o.address = address_from_env();
	o.response_timeout_ms = static_cast<int>(env_u64("VACCEL_RPC_TIMEOUT_MS", o.response_timeout_ms));
	o.chunk = env_u64("VACCEL_RPC_CHUNK", o.chunk);
	o.memfd_min = env_u64("VACCEL_RPC_MEMFD_MIN", o.memfd_min);
	o.memfd_max = env_u64("VACCEL_RPC_MEMFD_MAX", o.memfd_max);
	o.shm_min = env_u64("VACCEL_RPC_SHM_MIN", o.shm_min);
	if (const char *k = getenv(kAuthKeyFileEnv))
		o.auth_key_file = k;
	return o;
}

Client::Client(ClientOptions opt) : opt_(std::move(opt))
{
	std::string why;
	addr_ok_ = parse_address(opt_.address, addr_, why) == 0;
	if (!addr_ok_)
		RPC_ERROR("invalid agent address '%s': %s", opt_.address.c_str(), why.c_str());
	limits_.gap_timeout_ms = opt_.io_timeout_ms;
	limits_.max_payload = UINT64_MAX / 2; // responses are bounded by what we asked for
}

Client::~Client() = default;

Client::AgentInfo Client::agent_info()
{
	std::lock_guard lock(lock_);
	return ack_;
}

bool Client::connected()
{
	std::lock_guard lock(lock_);
	return ch_ != nullptr;
}

void Client::disconnect()
{
	std::lock_guard lock(lock_);
	if (ch_)
		drop_locked(ch_, "disconnected", false);
}

void Client::drop_locked(const std::shared_ptr<Channel> &ch, const std::string &why, bool log)
{
	lock_.assert_held();
	if (!ch || ch_ != ch)
		return; // already dropped (the calls on it were failed then)
	if (log)
		RPC_ERROR("agent %s: %s", opt_.address.c_str(), why.c_str());
	ch_->shutdown(); // wakes a thread blocked reading or writing on it
	ch_.reset();
	for (auto &[stream, p] : pending_) {
		p->err = EREMOTEIO;
		p->why = why;
		// A call whose response is being read stays with the reader, which finishes it.
		if (!p->claimed)
			p->done = true;
	}
	pending_.clear();
	turn_.notify_all();
}

int Client::ensure_connected(std::string &why)
{
	std::lock_guard lock(lock_);
	if (ch_)
		return 0;
	return connect_locked(why);
}

int Client::connect_locked(std::string &why)
{
	lock_.assert_held();
	if (!addr_ok_) {
		why = "invalid agent address '" + opt_.address + "'";
		return EINVAL;
	}
	UniqueFd fd;
	if (connect_to(addr_, opt_.connect_timeout_ms, fd, why) != 0) {
		// The callers do not log EREMOTEIO again: this line is the one place the reason shows.
		RPC_ERROR("cannot reach the agent: %s", why.c_str());
		return EREMOTEIO;
	}
	ch_ = std::make_shared<Channel>(std::move(fd));
	if (int r = handshake_locked(why)) {
		ch_.reset();
		if (r == EREMOTEIO)
			RPC_ERROR("agent %s: %s", opt_.address.c_str(), why.c_str());
		return r;
	}
	generation_.fetch_add(1);
	RPC_DEBUG("connected to %s (agent %s)", opt_.address.c_str(), ack_.agent_version.c_str());
	return 0;
}

// HELLO with a fresh nonce; the agent answers HELLO_ACK echoing it. On a persistent byte
// stream, bytes left by a previous client process may precede the answer: skip anything that is
// not our HELLO_ACK, and resend HELLO if the agent stays silent (it may still be swallowing a
// torn frame of the previous process until its gap timeout).
int Client::handshake_locked(std::string &why)
{
	lock_.assert_held();
	const bool persistent = addr_.kind == Address::Kind::serial;
	v1::Hello hello;
	hello.set_protocol_version(kProtocolVersion);
	hello.set_nonce(fresh_nonce());
	hello.set_persistent_channel(persistent);
	hello.set_client_name(opt_.client_name);
	hello.set_want_memfd(ch_->can_pass_fds() && (opt_.memfd_min > 0 || shared_wanted()));
	std::string key;
	if (int r = auth_hello_locked(hello, key, why))
		return r;
	std::string meta = hello.SerializeAsString();

	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.hello_timeout_ms);
	const int attempt_ms = persistent ? 3000 : opt_.hello_timeout_ms;
	while (std::chrono::steady_clock::now() < deadline) {
		SendOptions so;
		// A HELLO is tiny: if it cannot be sent within the connect timeout, nobody is reading
		// (e.g. a virtio-serial port whose host side is not connected).
		so.timeout_ms = std::min(opt_.io_timeout_ms, opt_.connect_timeout_ms);
		if (int r = send_message(*ch_, FrameType::hello, 0, meta, {}, so)) {
			why = "sending HELLO: " + std::string(strerror(r));
			return EREMOTEIO;
		}
		auto attempt_end =
			std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(attempt_ms));
		while (std::chrono::steady_clock::now() < attempt_end) {
			int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
							  attempt_end - std::chrono::steady_clock::now())
							  .count());
			InMessage in;
			int r = persistent ? scan_for_head(*ch_, limits_, FrameType::hello_ack, in, std::max(ms, 1),
							   64u << 20, why)
					   : recv_head(*ch_, limits_, in, std::max(ms, 1), why);
			if (r == ETIMEDOUT)
				break;
			if (r) {
				why = "handshake: " + why;
				return EREMOTEIO;
			}
			if (in.head.type != FrameType::hello_ack) {
				if (!persistent) {
					why = "handshake: unexpected " + std::string(frame_type_name(in.head.type));
					return EREMOTEIO;
				}
				continue;
			}
			v1::HelloAck ack;
			if (!ack.ParseFromString(in.meta) || ack.nonce() != hello.nonce())
				continue; // a stale answer meant for a previous client process
			if (in.payload_size() && discard_payload(*ch_, limits_, in, why))
				return EREMOTEIO;
			if (ack.protocol_version() != kProtocolVersion) {
				why = "agent speaks protocol " + std::to_string(ack.protocol_version());
				return EPROTO;
			}
			ack_.agent_version = ack.agent_version();
			ack_.max_payload = ack.max_payload();
			ack_.max_chunk = ack.max_chunk();
			ack_.memfd_accepted = ack.memfd_accepted();
			ack_.parts_accepted = ack.parts_accepted();
			memfd_ok_ = ack.memfd_accepted() && ch_->can_pass_fds() && opt_.memfd_min > 0;
			parts_ok_ =
				ack.memfd_accepted() && ack.parts_accepted() && ch_->can_pass_fds() && shared_wanted();
			return authenticate_locked(key, hello, ack.auth_challenge(), why);
		}
	}
	why = "handshake: no HELLO_ACK from agent at " + opt_.address;
	return EREMOTEIO;
}

int Client::call(const v1::Request &req, std::span<const iovec> payload, CallResult &out, std::string &why,
		 uint64_t expected_generation)
{
	std::unique_lock lock(lock_);
	if (expected_generation != 0 && (!ch_ || generation_.load() != expected_generation)) {
		why = "the connection this session was created on is gone";
		return ECONNRESET;
	}
	if (!ch_) {
		if (int r = connect_locked(why))
			return r;
	}
	Route rt{ch_, memfd_ok_, parts_ok_, ack_.max_payload};
	out.generation = generation_.load();
	uint32_t stream = next_stream_;
	next_stream_ += 2; // client streams are odd
	if (next_stream_ >= 0x7fffffff)
		next_stream_ = 1;
	Pending me;
	me.ch = rt.ch.get();
	me.out = &out;
	// Calls from a second thread (or overlapping ones) mark this client concurrent for good:
	// the agent then keeps reading while it runs our data-path ops, so they can overlap.
	auto self = std::this_thread::get_id();
	if (!pending_.empty() || (last_caller_ != std::thread::id{} && last_caller_ != self))
		concurrent_ = true;
	last_caller_ = self;
	bool concurrent = concurrent_;
	pending_[stream] = &me;
	lock.unlock();

	// Held until the response: the agent reads a pooled memfd while it runs the op.
	MemfdPool::Lease lease;
	std::string send_why;
	int r = send_request(rt, req, stream, concurrent, payload, lease, send_why);
	lock.lock();
	if (r == EMSGSIZE) {
		pending_.erase(stream);
		why = send_why;
		return r;
	}
	if (r != 0)
		drop_locked(rt.ch, "sending request: " + send_why, true);
	r = wait_response(lock, rt.ch, me);
	if (r)
		why = me.why;
	return r;
}

int Client::send_request(const Route &rt, const v1::Request &req, uint32_t stream, bool concurrent,
			 std::span<const iovec> payload, MemfdPool::Lease &lease, std::string &why)
{
	uint64_t total = iov_total(payload);
	if (rt.max_payload && total > rt.max_payload) {
		why = "payload of " + std::to_string(total) + " bytes exceeds the agent's limit of " +
		      std::to_string(rt.max_payload);
		return EMSGSIZE;
	}
	std::string meta = req.SerializeAsString();
	if (concurrent) {
		// Appending a serialized message merges it into the first: only the flag is added.
		v1::Request extra;
		extra.set_concurrent(true);
		meta += extra.SerializeAsString();
	}
	SendOptions so;
	so.chunk = opt_.chunk;
	so.timeout_ms = opt_.io_timeout_ms;
	SharedPlan plan;
	if (rt.parts_ok && plan_shared(payload, plan)) {
		// Zero copy: shared-buffer iovecs travel as ranges of their memfds, the rest inline.
		so.parts = plan.parts;
		so.fds = plan.fds;
		payload = plan.inline_iov;
	} else if (rt.memfd_ok && total >= opt_.memfd_min && total <= opt_.memfd_max) {
		int err = 0;
		lease = pool_.acquire(total, &err);
		if (lease.valid()) {
			// One copy into a pooled sealed memfd; the agent maps it instead of reading a stream.
			std::byte *dst = lease.data();
			for (auto &v : payload) {
				memcpy(dst, v.iov_base, v.iov_len);
				dst += v.iov_len;
			}
			so.memfd = lease.fd();
		}
	}
	std::lock_guard wl(write_lock_);
	if (int r = send_message(*rt.ch, FrameType::request, stream, meta, payload, so)) {
		why = strerror(r);
		return EREMOTEIO;
	}
	return 0;
}

// Waits until `me` is answered. The thread holding the read turn reads responses for every
// waiting call; a single caller never hands off, so it pays no thread wake-up.
int Client::wait_response(std::unique_lock<Mutex> &lock, const std::shared_ptr<Channel> &ch, Pending &me)
{
	while (!me.done) {
		if (reading_) {
			turn_.wait(lock);
			continue;
		}
		reading_ = true;
		lock.unlock();
		std::string why;
		Pending *answered = nullptr;
		int r = read_one_response(*ch, answered, why);
		lock.lock();
		reading_ = false;
		if (answered) {
			answered->claimed = false;
			answered->done = true;
			answered->err = r ? EREMOTEIO : 0;
			if (r)
				answered->why = why;
		}
		if (r)
			drop_locked(ch, why, true);
		turn_.notify_all();
	}
	return me.err;
}

int Client::read_one_response(Channel &ch, Pending *&answered, std::string &why)
{
	InMessage in;
	if (recv_head(ch, limits_, in, opt_.response_timeout_ms, why) != 0) {
		why = "waiting for response: " + why;
		return EREMOTEIO;
	}
	Pending *p = nullptr;
	{
		std::lock_guard lock(lock_);
		auto it = pending_.find(in.head.stream_id);
		if (it != pending_.end() && it->second->ch == &ch && !it->second->done) {
			p = it->second;
			p->claimed = true; // its caller keeps waiting until we are done with its result
			pending_.erase(it);
			answered = p;
		}
	}
	if (in.head.type != FrameType::response || !p) {
		why = "unexpected " + std::string(frame_type_name(in.head.type)) + " frame (stream " +
		      std::to_string(in.head.stream_id) + ")";
		return EREMOTEIO;
	}
	// The caller waits until we mark it done: its result is ours to fill until then.
	if (!p->out->response.ParseFromString(in.meta)) {
		why = "malformed response metadata";
		return EREMOTEIO;
	}
	MemorySink sink(p->out->payload);
	if (int r = recv_payload(ch, limits_, in, sink, why)) {
		why = "receiving response payload: " + why + " (" + strerror(r) + ")";
		return EREMOTEIO;
	}
	return 0;
}

bool Client::shared_wanted() const
{
	return opt_.find_shared && opt_.shm_min > 0;
}

bool Client::plan_shared(std::span<const iovec> payload, SharedPlan &plan) const
{
	bool any_fd = false;
	for (const auto &v : payload) {
		if (v.iov_len == 0)
			continue;
		int fd = -1;
		size_t off = 0;
		// Each fd part may add an inline part after it: stay within the table limit.
		bool room = plan.parts.size() + 2 <= kMaxParts;
		if (room && v.iov_len >= opt_.shm_min && opt_.find_shared(v.iov_base, v.iov_len, &fd, &off) == 0) {
			auto it = std::find(plan.fds.begin(), plan.fds.end(), fd);
			if (it != plan.fds.end() || plan.fds.size() < kMaxMessageFds) {
				if (it == plan.fds.end())
					it = plan.fds.insert(plan.fds.end(), fd);
				auto index = static_cast<uint32_t>(it - plan.fds.begin());
				plan.parts.push_back({PayloadPart::fd_range, index, off, v.iov_len});
				any_fd = true;
				continue;
			}
		}
		if (plan.parts.empty() || plan.parts.back().kind != PayloadPart::inline_bytes)
			plan.parts.push_back({PayloadPart::inline_bytes, 0, 0, 0});
		plan.parts.back().length += v.iov_len;
		plan.inline_iov.push_back(v);
	}
	return any_fd;
}

} // namespace vaccel::rpc
