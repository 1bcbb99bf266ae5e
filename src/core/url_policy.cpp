// SPDX-License-Identifier: Apache-2.0
// URL fetch policy (include/vaccel/url_policy.h): the allowlist syntax and which addresses
// are not globally routable. net.cpp asks url_connect_allowed() before every socket it opens.
#include "url_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "utils_internal.hpp"
#include "vaccel/url_policy.h"

namespace vaccel::core {
namespace {

// An address as the kernel connects to it: a v4-mapped IPv6 address is the IPv4 address.
struct Address {
	int family = 0;
	std::array<uint8_t, 16> b{};
	uint16_t port = 0;
};

bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	auto mask = static_cast<uint8_t>(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

struct SpecialRange {
	const char *net;
	unsigned prefix;
	const char *what;
};

// IPv4 ranges that are not globally routable (IANA special-purpose registry).
constexpr SpecialRange kSpecialV4[] = {
	{"0.0.0.0", 8, "unspecified (0.0.0.0/8)"},
	{"10.0.0.0", 8, "private (10.0.0.0/8)"},
	{"100.64.0.0", 10, "shared address space (100.64.0.0/10)"},
	{"127.0.0.0", 8, "loopback (127.0.0.0/8)"},
	{"169.254.0.0", 16, "link-local (169.254.0.0/16)"},
	{"172.16.0.0", 12, "private (172.16.0.0/12)"},
	{"192.0.0.0", 24, "IETF protocol assignments (192.0.0.0/24)"},
	{"192.0.2.0", 24, "documentation (192.0.2.0/24)"},
	{"192.88.99.0", 24, "6to4 relay anycast (192.88.99.0/24)"},
	{"192.168.0.0", 16, "private (192.168.0.0/16)"},
	{"198.18.0.0", 15, "benchmarking (198.18.0.0/15)"},
	{"198.51.100.0", 24, "documentation (198.51.100.0/24)"},
	{"203.0.113.0", 24, "documentation (203.0.113.0/24)"},
	{"224.0.0.0", 4, "multicast (224.0.0.0/4)"},
	{"240.0.0.0", 4, "reserved or broadcast (240.0.0.0/4)"},
};

// IPv6 ranges that are not globally routable. ::/96 covers ::, ::1 and the deprecated
// IPv4-compatible form; the v4-mapped form never gets here (see to_address).
constexpr SpecialRange kSpecialV6[] = {
	{"::", 96, "unspecified, loopback or IPv4-compatible (::/96)"},
	{"64:ff9b:1::", 48, "local-use NAT64 (64:ff9b:1::/48)"},
	{"100::", 64, "discard-only (100::/64)"},
	{"2001::", 23, "IETF protocol assignments, Teredo (2001::/23)"},
	{"2001:db8::", 32, "documentation (2001:db8::/32)"},
	{"3fff::", 20, "documentation (3fff::/20)"},
	{"fc00::", 7, "unique-local (fc00::/7)"},
	{"fe80::", 10, "link-local (fe80::/10)"},
	{"fec0::", 10, "site-local (fec0::/10)"},
	{"ff00::", 8, "multicast (ff00::/8)"},
};

// IPv6 prefixes whose addresses carry an IPv4 address that a translator connects to.
struct Embedding {
	const char *net;
	unsigned prefix;
	size_t v4_offset;
};
constexpr Embedding kEmbeddingV6[] = {
	{"64:ff9b::", 96, 12},    // NAT64 well-known prefix
	{"::ffff:0:0:0", 96, 12}, // SIIT IPv4-translated
	{"2002::", 16, 2},        // 6to4
};

bool in_range(const uint8_t *a, int family, const char *net, unsigned prefix)
{
	uint8_t n[16] = {};
	if (inet_pton(family, net, n) != 1)
		return false; // our own tables are valid; never reached
	return prefix_match(a, n, prefix);
}

const char *special_v4(const uint8_t *a)
{
	for (const auto &r : kSpecialV4)
		if (in_range(a, AF_INET, r.net, r.prefix))
			return r.what;
	return nullptr;
}

const char *special_v6(const uint8_t *a)
{
	for (const auto &r : kSpecialV6)
		if (in_range(a, AF_INET6, r.net, r.prefix))
			return r.what;
	for (const auto &e : kEmbeddingV6)
		if (in_range(a, AF_INET6, e.net, e.prefix) && special_v4(a + e.v4_offset))
			return "IPv6 form (NAT64, SIIT or 6to4) of a non-public IPv4 address";
	return nullptr;
}

bool to_address(const sockaddr *sa, Address &out)
{
	if (sa->sa_family == AF_INET) {
		sockaddr_in in{};
		memcpy(&in, sa, sizeof(in));
		out.family = AF_INET;
		memcpy(out.b.data(), &in.sin_addr, 4);
		out.port = ntohs(in.sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		sockaddr_in6 in6{};
		memcpy(&in6, sa, sizeof(in6));
		out.port = ntohs(in6.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
			out.family = AF_INET;
			memcpy(out.b.data(), in6.sin6_addr.s6_addr + 12, 4);
		} else {
			out.family = AF_INET6;
			memcpy(out.b.data(), in6.sin6_addr.s6_addr, 16);
		}
		return true;
	}
	return false;
}

bool entry_matches(const UrlAllowEntry &e, const std::string &url_host, const Address &a)
{
	if (e.port != 0 && e.port != a.port)
		return false;
	if (!e.host.empty())
		return e.host == url_host;
	return e.family == a.family && prefix_match(a.b.data(), e.addr.data(), e.prefix);
}

bool parse_number(const std::string &s, unsigned max, unsigned &out)
{
	if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
		return false;
	out = static_cast<unsigned>(std::stoul(s));
	return out <= max;
}

// Host names: letters, digits, '-', '.', '_'. All-numeric names are refused, so that a
// short IPv4 form (curl reads "10.1" as 10.0.0.1) cannot pass as a name.
bool valid_host_name(const std::string &s)
{
	if (s.empty() || s.size() > 253)
		return false;
	bool letter = false;
	for (char c : s) {
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		letter |= alpha;
		if (!alpha && !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_')
			return false;
	}
	return letter;
}

// An IPv6 entry for v4-mapped addresses is the IPv4 entry (addresses are compared that way).
void fold_v4_mapped(UrlAllowEntry &e)
{
	in6_addr a6{};
	memcpy(&a6, e.addr.data(), 16);
	if (e.family != AF_INET6 || e.prefix < 96 || !IN6_IS_ADDR_V4MAPPED(&a6))
		return;
	e.family = AF_INET;
	std::array<uint8_t, 16> v4{};
	memcpy(v4.data(), e.addr.data() + 12, 4);
	e.addr = v4;
	e.prefix -= 96;
}

struct PolicyStore {
	std::mutex lock;
	std::shared_ptr<const UrlPolicy> policy;
};

// Never destroyed (fetches may run while static destructors do).
PolicyStore &store()
{
	static auto *s = new PolicyStore;
	return *s;
}

} // namespace

std::shared_ptr<const UrlPolicy> current_url_policy()
{
	std::lock_guard lock(store().lock);
	return store().policy;
}

bool parse_url_allow_entry(const std::string &text, UrlAllowEntry &out)
{
	out = UrlAllowEntry{};
	std::string addr, prefix, port;
	bool v6 = false;
	if (!text.empty() && text[0] == '[') {
		size_t close = text.find(']');
		if (close == std::string::npos)
			return false;
		addr = text.substr(1, close - 1);
		std::string rest = text.substr(close + 1);
		size_t colon = rest.find(':');
		if (colon != std::string::npos) {
			port = rest.substr(colon + 1);
			if (port.empty())
				return false;
			rest.resize(colon);
		}
		if (!rest.empty()) {
			if (rest[0] != '/' || rest.size() < 2)
				return false;
			prefix = rest.substr(1);
		}
		v6 = true;
	} else if (std::count(text.begin(), text.end(), ':') >= 2) {
		size_t slash = text.find('/');
		addr = text.substr(0, slash);
		if (slash != std::string::npos && (prefix = text.substr(slash + 1)).empty())
			return false;
		v6 = true;
	} else {
		size_t colon = text.find(':');
		addr = text.substr(0, colon);
		if (colon != std::string::npos && (port = text.substr(colon + 1)).empty())
			return false;
		size_t slash = addr.find('/');
		if (slash != std::string::npos) {
			prefix = addr.substr(slash + 1);
			addr.resize(slash);
			if (prefix.empty())
				return false;
		}
	}
	unsigned n = 0;
	if (!port.empty()) {
		if (!parse_number(port, 65535, n) || n == 0)
			return false;
		out.port = static_cast<uint16_t>(n);
	}
	if (v6 || inet_pton(AF_INET, addr.c_str(), out.addr.data()) == 1) {
		out.family = v6 ? AF_INET6 : AF_INET;
		if (v6 && inet_pton(AF_INET6, addr.c_str(), out.addr.data()) != 1)
			return false;
		unsigned max = v6 ? 128 : 32;
		out.prefix = max;
		if (!prefix.empty() && !parse_number(prefix, max, out.prefix))
			return false;
		fold_v4_mapped(out);
		return true;
	}
	if (!prefix.empty() || !valid_host_name(addr))
		return false;
	out.host = addr;
	std::transform(out.host.begin(), out.host.end(), out.host.begin(),
		       [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
	return true;
}

bool url_connect_allowed(const UrlPolicy &p, const std::string &url_host, const sockaddr *sa, std::string &why)
{
	Address a;
	if (!sa || !to_address(sa, a)) {
		why = "not an IPv4 or IPv6 address";
		return false;
	}
	for (const auto &e : p.allow)
		if (entry_matches(e, url_host, a))
			return true;
	const char *special = a.family == AF_INET ? special_v4(a.b.data()) : special_v6(a.b.data());
	if (!special)
		return true;
	why = std::string("address is ") + special + " and not in the allowlist";
	return false;
}

} // namespace vaccel::core

extern "C" {

int vaccel_url_policy_set(unsigned int flags, const char *const *allow, size_t nr_allow)
{
	return vaccel::core::guard(__func__, [&] {
		using namespace vaccel::core;
		if ((flags & ~VACCEL_URL_POLICY_REDIRECTS) != 0 || (nr_allow > 0 && !allow)) {
			vaccel_error("Invalid URL policy (flags 0x%x, %zu allowlist entries)", flags, nr_allow);
			return VACCEL_EINVAL;
		}
		auto p = std::make_shared<UrlPolicy>();
		p->follow_redirects = (flags & VACCEL_URL_POLICY_REDIRECTS) != 0;
		for (size_t i = 0; i < nr_allow; ++i) {
			UrlAllowEntry e;
			if (!allow[i] || !parse_url_allow_entry(allow[i], e)) {
				vaccel_error("Invalid URL allowlist entry '%s' (HOST[:PORT], IPV4[/LEN][:PORT], "
					     "[IPV6][/LEN][:PORT] or IPV6[/LEN])",
					     allow[i] ? allow[i] : "(null)");
				return VACCEL_EINVAL;
			}
			p->allow.push_back(std::move(e));
		}
		std::lock_guard lock(store().lock);
		store().policy = std::move(p);
		return VACCEL_OK;
	});
}

void vaccel_url_policy_clear(void)
{
	std::lock_guard lock(vaccel::core::store().lock);
	vaccel::core::store().policy.reset();
}

} // extern "C"
