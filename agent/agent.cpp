#include "agent.hpp"

#include "address.hpp"
#include "connection.hpp"
#include "log.hpp"
#include "transport.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace vaccel::agent {

Agent::Agent(AgentConfig cfg) : cfg_(std::move(cfg)), memory_(cfg_.max_memory), disk_(cfg_.max_disk) {}

Agent::~Agent() { shutdown(); }

int Agent::start()
{
	std::string base = cfg_.workdir;
	if (base.empty()) {
		const char *t = getenv("TMPDIR");
		base = (t && *t) ? t : "/tmp";
	}
	std::string templ = base + "/vaccel-agent.XXXXXX";
	if (!mkdtemp(templ.data())) {
		int e = errno;
		RPC_ERROR("cannot create spool directory under %s: %s", base.c_str(), strerror(e));
		return e;
	}
	spool_ = templ;

	for (auto &text : cfg_.addresses) {
		rpc::Address addr;
		std::string why;
		if (int r = rpc::parse_address(text, addr, why)) {
			RPC_ERROR("invalid address '%s': %s", text.c_str(), why.c_str());
			return r;
		}
		Listener l;
		l.address = text;
		if (int r = rpc::listen_on(addr, 128, l.fd, why)) {
			RPC_ERROR("cannot listen on %s: %s", text.c_str(), why.c_str());
			return r;
		}
		if (addr.kind == rpc::Address::Kind::unix_socket)
			l.unix_path = addr.path;
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

void Agent::accept_one(Listener &l)
{
	rpc::UniqueFd fd;
	int r = rpc::accept_connection(l.fd.get(), fd);
	if (r != 0) {
		if (r != EAGAIN && r != EINTR && r != ECONNABORTED)
			RPC_WARN("accept on %s: %s", l.address.c_str(), strerror(r));
		return;
	}
	reap_finished();
	std::lock_guard lock(conns_lock_);
	if (conns_.size() >= cfg_.max_connections) {
		RPC_WARN("connection limit (%zu) reached: refusing a connection on %s", cfg_.max_connections,
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
		for (auto &p : pfds)
			p.revents = 0;
		int n = ::poll(pfds.data(), pfds.size(), 1000);
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
		if (n == 0)
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
	if (!spool_.empty()) {
		std::error_code ec;
		std::filesystem::remove_all(spool_, ec);
	}
}

} // namespace vaccel::agent
