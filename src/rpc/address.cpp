// SPDX-License-Identifier: Apache-2.0
#include "address.hpp"

#include <sys/un.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace vaccel::rpc {
namespace {

bool parse_u32(std::string_view s, uint32_t max, uint32_t &out)
{
	if (s.empty() || s.size() > 10)
		return false;
	uint64_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc{} || p != s.data() + s.size() || v > max)
		return false;
	out = static_cast<uint32_t>(v);
	return true;
}

int parse_path(std::string_view rest, bool is_unix, Address &out, std::string &why)
{
	if (rest.empty() || rest.front() != '/') {
		why = "path must be absolute (scheme:///abs/path)";
		return EINVAL;
	}
	if (rest.find('\0') != std::string_view::npos) {
		why = "path contains NUL";
		return EINVAL;
	}
	if (is_unix && rest.size() >= sizeof(sockaddr_un{}.sun_path)) {
		why = "unix socket path too long";
		return EINVAL;
	}
	out.path = std::string(rest);
	return 0;
}

int parse_tcp(std::string_view rest, Address &out, std::string &why)
{
	std::string_view host;
	std::string_view port;
	if (!rest.empty() && rest.front() == '[') {
		auto close = rest.find(']');
		if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
			why = "expected [ipv6]:port";
			return EINVAL;
		}
		host = rest.substr(1, close - 1);
		port = rest.substr(close + 2);
	} else {
		auto colon = rest.rfind(':');
		if (colon == std::string_view::npos) {
			why = "expected host:port";
			return EINVAL;
		}
		host = rest.substr(0, colon);
		port = rest.substr(colon + 1);
		if (host.find(':') != std::string_view::npos) {
			why = "IPv6 literals must be bracketed: tcp://[::1]:port";
			return EINVAL;
		}
	}
	if (host.empty() || host.size() > 253) {
		why = "empty or too long host";
		return EINVAL;
	}
	uint32_t p = 0;
	// Port 0 is accepted for listeners (ephemeral port); connect refuses it.
	if (!parse_u32(port, 65535, p)) {
		why = "port must be 0..65535";
		return EINVAL;
	}
	out.host = std::string(host);
	out.port = p;
	return 0;
}

int parse_vsock(std::string_view rest, Address &out, std::string &why)
{
	auto colon = rest.find(':');
	if (colon == std::string_view::npos) {
		why = "expected vsock://cid:port";
		return EINVAL;
	}
	uint32_t cid = 0;
	uint32_t port = 0;
	auto cid_text = rest.substr(0, colon);
	// "-1" is how the reference (ttrpc, Kata) writes VMADDR_CID_ANY for a listener: the CID
	// is a u32 there too, printed as a signed int. Only this one negative value is accepted.
	if (cid_text == "-1")
		cid_text = "4294967295";
	if (!parse_u32(cid_text, UINT32_MAX, cid) || !parse_u32(rest.substr(colon + 1), UINT32_MAX, port)) {
		why = "cid (or -1 for any) and port must be unsigned 32-bit numbers";
		return EINVAL;
	}
	out.cid = cid;
	out.port = port;
	return 0;
}

} // namespace

int parse_address(std::string_view text, Address &out, std::string &why)
{
	auto sep = text.find("://");
	if (sep == std::string_view::npos) {
		why = "missing scheme (unix://, tcp://, vsock://, serial://)";
		return EINVAL;
	}
	auto scheme = text.substr(0, sep);
	auto rest = text.substr(sep + 3);
	Address a;
	int ret = 0;
	if (scheme == "unix") {
		a.kind = Address::Kind::unix_socket;
		ret = parse_path(rest, true, a, why);
	} else if (scheme == "serial") {
		a.kind = Address::Kind::serial;
		ret = parse_path(rest, false, a, why);
	} else if (scheme == "tcp") {
		a.kind = Address::Kind::tcp;
		ret = parse_tcp(rest, a, why);
	} else if (scheme == "vsock") {
		a.kind = Address::Kind::vsock;
		ret = parse_vsock(rest, a, why);
	} else {
		why = "unknown scheme '" + std::string(scheme) + "'";
		return EINVAL;
	}
	if (ret == 0)
		out = std::move(a);
	return ret;
}

std::string Address::to_string() const
{
	switch (kind) {
	case Kind::unix_socket:
		return "unix://" + path;
	case Kind::serial:
		return "serial://" + path;
	case Kind::tcp:
		if (host.find(':') != std::string::npos)
			return "tcp://[" + host + "]:" + std::to_string(port);
		return "tcp://" + host + ":" + std::to_string(port);
	case Kind::vsock:
		return "vsock://" + std::to_string(cid) + ":" + std::to_string(port);
	}
	return "?";
}

std::string address_from_env()
{
	if (const char *a = getenv("VACCEL_RPC_ADDRESS"); a && *a)
		return a;
	if (const char *a = getenv("VACCEL_RPC_ADDR"); a && *a)
		return a;
	return kDefaultAddress;
}

} // namespace vaccel::rpc
