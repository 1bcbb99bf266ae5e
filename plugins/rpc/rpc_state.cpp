// SPDX-License-Identifier: Apache-2.0
#include "rpc_state.hpp"

#include "log.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>

namespace vaccel::rpcplugin {

State &State::get()
{
	// Deliberately never destroyed: libvaccel finalises plugins from its own destructor, which
	// runs after this library's static destructors at exit; fini() empties it instead. It lives
	// in this library's static storage, not on the heap, so that nothing of it is left behind
	// (or reported as leaked) once libvaccel has dlclose()d the plugin.
	alignas(State) static std::byte storage[sizeof(State)];
	static State *s = new (storage) State;
	return *s;
}

std::shared_ptr<rpc::Client> State::client()
{
	std::lock_guard lock(lock_);
	// A process may point VACCEL_RPC_ADDRESS elsewhere between sessions: follow it once no
	// session of the current connection is left.
	if (client_ && sessions_.empty() && client_->options().address != rpc::address_from_env())
		client_.reset();
	if (!client_) {
		auto opt = rpc::ClientOptions::from_env();
		opt.client_name = "libvaccel-rpc pid " + std::to_string(getpid());
		// Buffers the application took from vaccel_shm_alloc() reach the agent as their memfd.
		opt.find_shared = vaccel_shm_lookup;
		client_ = std::make_shared<rpc::Client>(opt);
	}
	return client_;
}

void State::reset_client()
{
	{
		std::lock_guard lock(lock_);
		client_.reset();
		sessions_.clear();
		resources_.clear();
	}
	// Freed, not only emptied: the State outlives fini() in this library's static storage,
	// which goes with dlclose(), so a kept vector buffer would leak.
	std::vector<rpc::GrowableRegion> gone;
	std::lock_guard spare(spare_lock_);
	gone.swap(spare_regions_);
}

rpc::GrowableRegion State::take_region()
{
	std::lock_guard lock(spare_lock_);
	if (spare_regions_.empty())
		return {};
	rpc::GrowableRegion r = std::move(spare_regions_.back());
	spare_regions_.pop_back();
	return r;
}

void State::give_region(rpc::GrowableRegion r)
{
	r.trim(kKeepRegion); // a large response's region is not kept
	if (r.capacity() == 0)
		return;
	std::lock_guard lock(spare_lock_);
	if (spare_regions_.size() < kSpareRegions)
		spare_regions_.push_back(std::move(r));
}

int State::session_remote_id(const vaccel_session *sess, int64_t &id, uint64_t &gen)
{
	std::lock_guard lock(lock_);
	auto it = sessions_.find(sess->id);
	if (it == sessions_.end()) {
		vaccel_error("[rpc] session %lld is not a remote session of this plugin", (long long)sess->id);
		return VACCEL_EINVAL;
	}
	id = it->second.remote_id;
	gen = it->second.generation;
	return VACCEL_OK;
}

void State::add_session(vaccel_id_t local, RemoteSession rs)
{
	std::lock_guard lock(lock_);
	sessions_[local] = rs;
}

void State::remove_session(vaccel_id_t local)
{
	std::lock_guard lock(lock_);
	sessions_.erase(local);
	for (auto it = resources_.begin(); it != resources_.end();) {
		it->second.sessions.erase(local);
		it = it->second.sessions.empty() ? resources_.erase(it) : std::next(it);
	}
}

int64_t State::resource_remote_id(const vaccel_resource *res, uint64_t gen)
{
	std::lock_guard lock(lock_);
	auto it = resources_.find(res->id);
	if (it == resources_.end() || it->second.generation != gen)
		return 0;
	return it->second.remote_id;
}

void State::resource_registered(const vaccel_resource *res, vaccel_id_t sess, int64_t remote, uint64_t gen)
{
	std::lock_guard lock(lock_);
	auto &e = resources_[res->id];
	if (e.generation != gen) {
		e.sessions.clear();
		e.generation = gen;
	}
	e.remote_id = remote;
	e.sessions.insert(sess);
}

bool State::resource_unregistered(const vaccel_resource *res, vaccel_id_t sess)
{
	std::lock_guard lock(lock_);
	auto it = resources_.find(res->id);
	if (it == resources_.end())
		return true;
	it->second.sessions.erase(sess);
	if (it->second.sessions.empty()) {
		resources_.erase(it);
		return true;
	}
	return false;
}

int State::call(const vaccel_session *sess, const v1::Request &req, std::span<const iovec> payload,
		rpc::CallResult &out)
{
	uint64_t gen = 0;
	if (sess) {
		int64_t rid = 0;
		if (int r = session_remote_id(sess, rid, gen))
			return r;
	}
	std::string why;
	int r = client()->call(req, payload, out, why, gen);
	if (r == ECONNRESET) {
		vaccel_error("[rpc] session %lld: %s; create a new session to reconnect",
			     sess ? (long long)sess->id : 0LL, why.c_str());
		return VACCEL_ESESS;
	}
	if (r != 0) {
		if (r != EREMOTEIO) // transport failures were already logged by the client
			vaccel_error("[rpc] %s", why.c_str());
		if (r == EACCES) // authentication refused or impossible (VACCEL_RPC_AUTH_KEY_FILE)
			return VACCEL_EACCES;
		return r == EMSGSIZE ? VACCEL_EINVAL : VACCEL_EREMOTEIO;
	}
	int status = out.response.status();
	if (status != VACCEL_OK && !out.response.error().empty())
		vaccel_debug("[rpc] agent returned %d: %s", status, out.response.error().c_str());
	return status;
}

int State::genop(vaccel_session *sess, const std::vector<WireArg> &read, const std::vector<WireArg> &write)
{
	int64_t rid = 0;
	uint64_t gen = 0;
	if (int r = session_remote_id(sess, rid, gen))
		return r;
	v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(rid);
	std::vector<iovec> payload;
	payload.reserve(read.size() + write.size());
	auto put = [&](const WireArg &a, v1::Arg *pa) {
		pa->set_type(a.type);
		pa->set_size(a.size);
		pa->set_custom_type_id(a.custom_type_id);
		pa->set_has_data(a.has_data);
		if (a.has_data && a.size)
			payload.push_back({const_cast<void *>(a.data), a.size});
	};
	for (auto &a : read)
		put(a, g->add_read());
	for (auto &a : write)
		put(a, g->add_write());

	PooledResult pooled;
	rpc::CallResult &res = pooled.get();
	int ret = call(sess, req, payload, res);
	if (ret != VACCEL_OK)
		return ret;
	const auto &done = res.response.genop_done();
	if (done.write_size() != static_cast<int>(write.size())) {
		vaccel_error("[rpc] agent returned %d write args, expected %zu", done.write_size(), write.size());
		return VACCEL_EREMOTEIO;
	}
	const std::byte *p = res.payload.data();
	uint64_t left = res.payload.size();
	for (size_t i = 0; i < write.size(); ++i) {
		uint64_t n = done.write(static_cast<int>(i)).size();
		if (n > write[i].size || n > left) {
			vaccel_error("[rpc] agent returned an oversized write arg %zu", i);
			return VACCEL_EREMOTEIO;
		}
		if (n && write[i].dest)
			memcpy(write[i].dest, p, n);
		p += n;
		left -= n;
	}
	return VACCEL_OK;
}

} // namespace vaccel::rpcplugin
