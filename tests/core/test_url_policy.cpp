// SPDX-License-Identifier: Apache-2.0
// vaccel/url_policy.h: allowlist syntax, which addresses a policy refuses (checked on the
// internal classifier, without any network traffic), and fetches from a 127.0.0.1 server
// with and without a policy.
#include "../../src/core/url_policy.hpp"
#include "vtest.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <vaccel.h>

namespace {

using vtest::VaccelTest;

class UrlPolicy : public VaccelTest {
protected:
	void SetUp() override { ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU}))); }
	void TearDown() override
	{
		vaccel_url_policy_clear();
		VaccelTest::TearDown();
	}
};

int set_one(const char *entry)
{
	return vaccel_url_policy_set(0, &entry, 1);
}

TEST_F(UrlPolicy, AllowlistSyntax)
{
	for (const char *ok :
	     {"models.internal", "Models.Internal:8080", "127.0.0.1", "127.0.0.1:80", "10.0.0.0/8", "10.0.0.0/8:443",
	      "::1", "fd00::/8", "[fd00::]/8:443", "[::1]:8080", "[::ffff:127.0.0.1]"})
		EXPECT_OK(set_one(ok)) << ok;
	for (const char *bad :
	     {"", ":80", "host:", "host:0", "host:65536", "host:80x", "10.0.0.0/33", "10.0.0.0/", "[::1", "[::1]x",
	      "[::1]/129", "::1/", "1.2.3", "10.1", "bad host", "host/8", "a:b:c:d:e:f:g:h:i"})
		EXPECT_EQ(VACCEL_EINVAL, set_one(bad)) << bad;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_url_policy_set(0x80, nullptr, 0)) << "unknown flag";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_url_policy_set(0, nullptr, 2));
}

// url_connect_allowed on crafted socket addresses: internal ranges and their IPv6 forms are
// refused, public ones allowed, allowlist entries (by address, range, port or name) win.
bool allowed(const vaccel::core::UrlPolicy &p, const char *addr, uint16_t port, const std::string &host = "h")
{
	sockaddr_storage ss{};
	if (inet_pton(AF_INET, addr, &reinterpret_cast<sockaddr_in *>(&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		reinterpret_cast<sockaddr_in *>(&ss)->sin_port = htons(port);
	} else {
		EXPECT_EQ(1, inet_pton(AF_INET6, addr, &reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_addr)) << addr;
		ss.ss_family = AF_INET6;
		reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port = htons(port);
	}
	std::string why;
	return vaccel::core::url_connect_allowed(p, host, reinterpret_cast<sockaddr *>(&ss), why);
}

TEST(UrlPolicyAddresses, InternalRangesRefusedPublicAllowed)
{
	vaccel::core::UrlPolicy p;
	for (const char *a : {"0.0.0.0",
			      "10.1.2.3",
			      "100.64.0.1",
			      "100.127.255.254",
			      "127.0.0.1",
			      "127.255.0.9",
			      "169.254.169.254",
			      "172.16.0.1",
			      "172.31.255.255",
			      "192.168.1.1",
			      "192.0.0.8",
			      "198.18.0.1",
			      "224.0.0.1",
			      "239.1.1.1",
			      "255.255.255.255",
			      "240.0.0.1",
			      "::",
			      "::1",
			      "::127.0.0.1",
			      "::ffff:127.0.0.1",
			      "::ffff:169.254.169.254",
			      "::ffff:10.0.0.1",
			      "64:ff9b::a9fe:a9fe",
			      "2002:7f00:1::",
			      "2002:c0a8:101::1",
			      "fc00::1",
			      "fd12:3456::1",
			      "fe80::1",
			      "fec0::1",
			      "ff02::1",
			      "2001:db8::1",
			      "100::1",
			      "::ffff:0:7f00:1"})
		EXPECT_FALSE(allowed(p, a, 80)) << a;
	for (const char *a : {"1.1.1.1", "8.8.8.8", "100.128.0.1", "172.32.0.1", "192.169.0.1", "2606:4700::1111",
			      "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"})
		EXPECT_TRUE(allowed(p, a, 80)) << a;
}

TEST(UrlPolicyAddresses, AllowlistEntriesMatchAddressRangePortOrName)
{
	vaccel::core::UrlPolicy p;
	for (const char *e :
	     {"127.0.0.1:8080", "10.0.0.0/8", "[fd00::]/8:443", "models.internal", "::ffff:192.168.0.0/112"}) {
		vaccel::core::UrlAllowEntry entry;
		ASSERT_TRUE(vaccel::core::parse_url_allow_entry(e, entry)) << e;
		p.allow.push_back(entry);
	}
	EXPECT_TRUE(allowed(p, "127.0.0.1", 8080));
	EXPECT_TRUE(allowed(p, "::ffff:127.0.0.1", 8080)) << "v4-mapped is the same address";
	EXPECT_FALSE(allowed(p, "127.0.0.1", 8081)) << "other port";
	EXPECT_FALSE(allowed(p, "127.0.0.2", 8080));
	EXPECT_TRUE(allowed(p, "10.200.0.1", 1));
	EXPECT_TRUE(allowed(p, "fdab::1", 443));
	EXPECT_FALSE(allowed(p, "fdab::1", 80));
	EXPECT_TRUE(allowed(p, "192.168.7.7", 80)) << "v4-mapped entry folded to 192.168.0.0/16";
	EXPECT_TRUE(allowed(p, "172.16.0.1", 80, "models.internal")) << "a trusted name reaches its addresses";
	EXPECT_FALSE(allowed(p, "172.16.0.1", 80, "other.internal"));
}

// Without a policy, URL resources from 127.0.0.1 work as in vAccel 0.8; with one, they are
// refused before any connection unless allowlisted, and every failure is VACCEL_EREMOTEIO.
// vAccel 0.8 fetches a URL when the resource is registered with a local
// session (init never connects), so the policy applies there.
int fetch(const std::string &url)
{
	vaccel_resource res{};
	if (int rc = vaccel_resource_init(&res, url.c_str(), VACCEL_RESOURCE_MODEL))
		return rc;
	vaccel_session sess{};
	int rc = vaccel_session_init(&sess, 0);
	if (rc == VACCEL_OK) {
		rc = vaccel_resource_register(&res, &sess);
		if (rc == VACCEL_OK &&
		    (res.nr_blobs != 1 || vtest::read_file(vaccel_blob_path(res.blobs[0])) != "MODEL"))
			rc = -1;
		vaccel_session_release(&sess);
	}
	vaccel_resource_release(&res);
	return rc;
}

TEST_F(UrlPolicy, FetchFromLoopback)
{
	vtest::HttpServer server(std::map<std::string, std::string>{{"/m.bin", "MODEL"}});
	EXPECT_OK(fetch(server.url("/m.bin")));
	EXPECT_EQ(VACCEL_ENOENT, fetch(server.url("/absent")));
	size_t before = server.requests();

	ASSERT_OK(vaccel_url_policy_set(0, nullptr, 0));
	EXPECT_EQ(VACCEL_EREMOTEIO, fetch(server.url("/m.bin")));
	EXPECT_EQ(before, server.requests()) << "refused before connecting";

	std::string entry = "127.0.0.1:" + std::to_string(server.port());
	const char *allow[] = {entry.c_str()};
	ASSERT_OK(vaccel_url_policy_set(0, allow, 1));
	EXPECT_OK(fetch(server.url("/m.bin")));
	EXPECT_EQ(VACCEL_EREMOTEIO, fetch(server.url("/absent"))) << "a 404 is the same error as a refusal";
	EXPECT_EQ(VACCEL_EREMOTEIO, fetch("ftp://127.0.0.1/m.bin")) << "http(s) only";

	vaccel_url_policy_clear();
	EXPECT_EQ(VACCEL_ENOENT, fetch(server.url("/absent")));
}

} // namespace
