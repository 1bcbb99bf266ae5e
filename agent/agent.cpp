// SPDX-License-Identifier: Apache-2.0
#include "agent.hpp"

#include "address.hpp"
#include "connection.hpp"
#include "log.hpp"
#include "spool.hpp"
#include "supervisor.hpp"
#include "transport.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace vaccel::agent {

namespace {

rpc::ServerConfig server_config_of(const AgentConfig &cfg)
{
	rpc::ServerConfig sc;
	sc.limits.max_payload = cfg.max_payload;
	sc.limits.max_chunk = cfg.max_chunk;
	sc.limits.gap_timeout_ms = cfg.io_timeout_ms;
	sc.limits.frame_timeout_ms = cfg.io_timeout_ms;
	sc.limits.min_rate = cfg.min_rate;
	sc.io_timeout_ms = cfg.io_timeout_ms;
	sc.persistent_gap_ms = cfg.persistent_gap_ms;
	sc.idle_timeout_ms = cfg.idle_timeout_ms;
	sc.hello_timeout_ms = cfg.hello_timeout_ms;
	sc.accept_memfd = cfg.accept_memfd;
	sc.workers = cfg.workers_per_connection;
	sc.retain_buffer = cfg.retain_buffer;
	sc.max_sessions = static_cast<uint32_t>(cfg.max_sessions_per_connection);
	sc.agent_version = std::string("vaccel-agent ") + VACCEL_VERSION;
	return sc;
}

} // namespace

Agent::Agent(AgentConfig cfg)
    : cfg_(std::move(cfg)), memory_(cfg_.max_memory), disk_(cfg_.max_disk), server_cfg_(server_config_of(cfg_))
{
}

Agent::~Agent()
{
	shutdown();
}

int Agent::start(int stop_fd)
{
	if (int r = load_auth_key())
		return r;
	server_cfg_.auth_key = auth_key_;
	std::string base = cfg_.workdir;
	if (base.empty()) {
		const char *t = getenv("TMPDIR");
		base = (t && *t) ? t : "/tmp";
	}
	if (int e = open_spool(base, spool_))
		return e;

	conn_cap_ = connections_within_fd_limit(cfg_.max_connections);
	for (auto &text : cfg_.addresses) {
		rpc::Address addr;
		std::string why;
		if (int r = rpc::parse_address(text, addr, why)) {
			RPC_ERROR("invalid address '%s': %s", text.c_str(), why.c_str());
			return r;
		}
		Listener l;
		l.address = text;
		rpc::ListenOptions lo;
		lo.unix_mode = cfg_.socket_mode;
		lo.unix_group = cfg_.socket_group;
		lo.allow_remote = cfg_.allow_remote;
		if (int r = rpc::listen_on(addr, 128, l.fd, why, lo)) {
			RPC_ERROR("cannot listen on %s: %s", text.c_str(), why.c_str());
			return r;
		}
		if (addr.kind == rpc::Address::Kind::unix_socket)
			l.unix_path = addr.path;
		warn_exposure(l);
		if (addr.kind == rpc::Address::Kind::tcp) {
			int port = rpc::bound_tcp_port(l.fd.get());
			RPC_INFO("listening on %s (port %d)", text.c_str(), port);
			// Machine-readable line for scripts and tests that asked for port 0.
			printf("vaccel-agent: listening on tcp port %d\n", port);
		} else {
			RPC_INFO("listening on %s", text.c_str());
			printf("vaccel-agent: listening on %s\n", text.c_str());
		}
		fflush(stdout);
		listeners_.push_back(std::move(l));
	}
	if (cfg_.process_isolation) {
		supervisor_ = std::make_unique<Supervisor>(*this, stop_fd);
		if (int e = supervisor_->start())
			return e;
	}
	return 0;
}

std::vector<int> Agent::tcp_ports() const
{
	std::vector<int> ports;
	for (auto &l : listeners_)
		ports.push_back(rpc::bound_tcp_port(l.fd.get()));
	return ports;
}

void Agent::reap_finished()
{
	std::list<std::shared_ptr<Connection>> done;
	{
		std::lock_guard lock(conns_lock_);
		for (auto it = conns_.begin(); it != conns_.end();) {
			if ((*it)->finished()) {
				done.push_back(*it);
				it = conns_.erase(it);
			} else {
				++it;
			}
		}
	}
	for (auto &c : done)
		c->join();
}

void Agent::back_off_accept(Listener &l, int err)
{
	constexpr int kPauseMs = 100;
	constexpr size_t kShedPerPause = 16;
	size_t shed = fd_reserve_.shed(l.fd.get(), kShedPerPause);
	accept_paused_until_ = rpc::deadline_after(std::chrono::steady_clock::now(), kPauseMs);
	RPC_LOG_LIMITED(accept_log_, rpc::LogLevel::warn,
			"accept on %s: %s: refused %zu pending connection(s), not accepting for %d ms",
			l.address.c_str(), strerror(err), shed, kPauseMs);
}

void Agent::accept_one(Listener &l)
{
	rpc::UniqueFd fd;
	int r = rpc::accept_connection(l.fd.get(), fd);
	if (r == EMFILE || r == ENFILE || r == ENOBUFS || r == ENOMEM) {
		back_off_accept(l, r);
		return;
	}
	if (r != 0) {
		if (r != EAGAIN && r != EINTR && r != ECONNABORTED)
			RPC_LOG_LIMITED(accept_log_, rpc::LogLevel::warn, "accept on %s: %s", l.address.c_str(),
					strerror(r));
		return;
	}
	if (!admit_peer(l, fd.get()))
		return; // fd closes here
	if (supervisor_) {
		supervisor_->accept(std::move(fd), l.address);
		return;
	}
	reap_finished();
	std::lock_guard lock(conns_lock_);
	std::shared_ptr<Connection> victim;
	switch (admit_new(conns_, conn_cap_, cfg_.max_pre_hello, victim)) {
	case Admission::admit:
		break;
	case Admission::evict_then_admit:
		RPC_LOG_LIMITED(
			evict_log_, rpc::LogLevel::warn,
			"connection slots full or too many waiting for HELLO: closing conn %llu (oldest without "
			"HELLO) for a new one on %s",
			(unsigned long long)victim->id(), l.address.c_str());
		victim->stop(); // its thread ends and is reaped later; it no longer counts
		break;
	case Admission::refuse:
		RPC_LOG_LIMITED(refuse_log_, rpc::LogLevel::warn,
				"connection limit (%zu) reached: refusing a connection on %s", conn_cap_,
				l.address.c_str());
		return; // fd closes here
	}
	auto c = std::make_shared<Connection>(*this, std::move(fd), next_conn_id_++, l.address);
	conns_.push_back(c);
	c->start();
}

int Agent::run(int stop_fd)
{
	std::vector<pollfd> pfds;
	for (auto &l : listeners_)
		pfds.push_back({l.fd.get(), POLLIN, 0});
	pfds.push_back({stop_fd, POLLIN, 0});
	for (;;) {
		// While backing off (back_off_accept) the listeners are left out of the poll set.
		const int tick_ms = supervisor_ ? supervisor_->poll_ms() : 1000;
		const int pause_ms = rpc::clamp_timeout(tick_ms, accept_paused_until_);
		for (size_t i = 0; i < listeners_.size(); ++i)
			pfds[i].fd = pause_ms > 0 ? -1 : listeners_[i].fd.get();
		for (auto &p : pfds)
			p.revents = 0;
		int n = ::poll(pfds.data(), pfds.size(), pause_ms > 0 ? pause_ms : tick_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			RPC_ERROR("poll: %s", strerror(e));
			return e;
		}
		if (pfds.back().revents)
			return 0;
		for (size_t i = 0; i < listeners_.size(); ++i)
			if (pfds[i].revents & POLLIN)
				accept_one(listeners_[i]);
		if (supervisor_)
			supervisor_->tick();
		else if (n == 0)
			reap_finished();
	}
}

void Agent::shutdown()
{
	if (shut_)
		return;
	shut_ = true;
	for (auto &l : listeners_) {
		l.fd.reset();
		if (!l.unix_path.empty())
			::unlink(l.unix_path.c_str());
	}
	listeners_.clear();
	if (supervisor_)
		supervisor_->shutdown();
	std::list<std::shared_ptr<Connection>> all;
	{
		std::lock_guard lock(conns_lock_);
		all.swap(conns_);
	}
	for (auto &c : all)
		c->stop();
	for (auto &c : all)
		c->join();
	all.clear();
	spool_.remove();
}

} // namespace vaccel::agent
