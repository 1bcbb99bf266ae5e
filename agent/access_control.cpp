// SPDX-License-Identifier: Apache-2.0
#include "access_control.hpp"

#include "agent.hpp"
#include "auth.hpp"
#include "log.hpp"
#include "transport.hpp"

#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace vaccel::agent {
namespace {

bool parse_number(std::string_view s, uint32_t &out)
{
	uint32_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc{} || p != s.data() + s.size() || v == static_cast<uint32_t>(-1))
		return false; // -1 means "no change" to chown and is never a real id
	out = v;
	return true;
}

bool lookup_id(const std::string &name, bool group, uint32_t &out, std::string &why)
{
	if (parse_number(name, out))
		return true;
	std::vector<char> buf(16384);
	int r = 0;
	if (group) {
		struct group g {
		}, *found = nullptr;
		r = getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found);
		if (r == 0 && found) {
			out = found->gr_gid;
			return true;
		}
	} else {
		struct passwd pw {
		}, *found = nullptr;
		r = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
		if (r == 0 && found) {
			out = found->pw_uid;
			return true;
		}
	}
	why = std::string("unknown ") + (group ? "group" : "user") + " '" + name + "'";
	return false;
}

// The peer's supplementary groups (SO_PEERGROUPS, Linux 4.13+); empty when unavailable.
std::vector<gid_t> peer_groups(int fd)
{
	std::vector<gid_t> groups(64);
	for (int tries = 0; tries < 3; ++tries) {
		socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
			groups.resize(len / sizeof(gid_t));
			return groups;
		}
		if (errno != ERANGE || len / sizeof(gid_t) > 65536)
			break;
		groups.resize(len / sizeof(gid_t)); // the kernel said how many there are
	}
	return {};
}

template <typename T>
bool listed(const std::vector<T> &ids, T id)
{
	return std::find(ids.begin(), ids.end(), id) != ids.end();
}

} // namespace

bool PeerPolicy::admits(int fd, std::string &who) const
{
	ucred cred{};
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		who = std::string("peer of unknown credentials (") + strerror(errno) + ")";
		return false; // cannot tell who it is: not on the list
	}
	who = "uid " + std::to_string(cred.uid) + " gid " + std::to_string(cred.gid) + " pid " +
	      std::to_string(cred.pid);
	if (listed(uids, cred.uid) || listed(gids, cred.gid))
		return true;
	if (gids.empty())
		return false;
	for (gid_t g : peer_groups(fd))
		if (listed(gids, g))
			return true;
	return false;
}

bool parse_id_list(const char *text, bool groups, std::vector<uint32_t> &out, std::string &why)
{
	std::string_view s(text);
	size_t start = 0;
	bool any = false;
	while (start <= s.size()) {
		size_t comma = s.find(',', start);
		std::string item(
			s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
		if (!item.empty()) {
			uint32_t id = 0;
			if (!lookup_id(item, groups, id, why))
				return false;
			out.push_back(id);
			any = true;
		}
		if (comma == std::string_view::npos)
			break;
		start = comma + 1;
	}
	if (!any)
		why = "empty list";
	return any;
}

bool parse_group(const char *text, gid_t &out, std::string &why)
{
	uint32_t id = 0;
	if (!*text) {
		why = "empty group";
		return false;
	}
	if (!lookup_id(text, true, id, why))
		return false;
	out = id;
	return true;
}

bool parse_socket_mode(const char *text, mode_t &out, std::string &why)
{
	char *end = nullptr;
	errno = 0;
	unsigned long v = strtoul(text, &end, 8);
	if (!*text || *end || errno || v > 0777) {
		why = "expected octal permission bits up to 0777 (e.g. 0660)";
		return false;
	}
	out = static_cast<mode_t>(v);
	return true;
}

// ---- Agent members about access (declared in agent.hpp) ----------------------------------

int Agent::load_auth_key()
{
	if (cfg_.auth_key_file.empty())
		return 0;
	std::string why;
	if (int r = rpc::load_auth_key(cfg_.auth_key_file, auth_key_, why)) {
		RPC_ERROR("%s", why.c_str());
		return r;
	}
	RPC_INFO("clients must authenticate with the key of %s", cfg_.auth_key_file.c_str());
	return 0;
}

bool Agent::admit_peer(const Listener &l, int fd)
{
	if (l.unix_path.empty() || !cfg_.peers.restricts())
		return true;
	std::string who;
	if (cfg_.peers.admits(fd, who))
		return true;
	RPC_LOG_LIMITED(refuse_log_, rpc::LogLevel::warn,
			"refused a connection on %s from %s: not in --allow-uid/--allow-gid", l.address.c_str(),
			who.c_str());
	return false;
}

void Agent::warn_exposure(const Listener &l) const
{
	if (!l.unix_path.empty())
		return;
	if (cfg_.peers.restricts())
		RPC_WARN("%s: --allow-uid/--allow-gid apply to unix sockets only; this listener is not restricted by "
			 "them",
			 l.address.c_str());
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	if (getsockname(l.fd.get(), reinterpret_cast<sockaddr *>(&ss), &len) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
	    rpc::is_loopback(reinterpret_cast<sockaddr *>(&ss)))
		return;
	// Printed whatever the log level: an operator must not miss it.
	fprintf(stderr, "vaccel-agent: WARNING: %s accepts connections from other hosts (--allow-remote)%s\n",
		l.address.c_str(),
		auth_key_.empty() ? "; without --auth-key-file ANY host that reaches it can use this agent" : "");
	fflush(stderr);
}

} // namespace vaccel::agent
