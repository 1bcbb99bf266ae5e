// SPDX-License-Identifier: Apache-2.0
// Unit tests of src/rpc/address.cpp: agent addresses (unix, tcp, vsock, serial).
#include "address.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace vaccel::rpc;

TEST(Address, Parses)
{
	Address a;
	std::string why;
	ASSERT_EQ(parse_address("unix:///tmp/x.sock", a, why), 0);
	EXPECT_EQ(a.kind, Address::Kind::unix_socket);
	EXPECT_EQ(a.path, "/tmp/x.sock");
	ASSERT_EQ(parse_address("tcp://127.0.0.1:65500", a, why), 0);
	EXPECT_EQ(a.host, "127.0.0.1");
	EXPECT_EQ(a.port, 65500u);
	ASSERT_EQ(parse_address("tcp://[::1]:80", a, why), 0);
	EXPECT_EQ(a.host, "::1");
	EXPECT_EQ(a.to_string(), "tcp://[::1]:80");
	ASSERT_EQ(parse_address("tcp://localhost:1", a, why), 0);
	ASSERT_EQ(parse_address("vsock://2:2048", a, why), 0);
	EXPECT_EQ(a.kind, Address::Kind::vsock);
	EXPECT_EQ(a.cid, 2u);
	EXPECT_EQ(a.port, 2048u);
	ASSERT_EQ(parse_address("vsock://4294967295:1", a, why), 0);
	ASSERT_EQ(parse_address("serial:///dev/virtio-ports/agent", a, why), 0);
	EXPECT_EQ(a.kind, Address::Kind::serial);
	EXPECT_EQ(a.path, "/dev/virtio-ports/agent");

	for (const char *bad :
	     {"", "tcp://", "tcp://host", "tcp://::1:80", "tcp://h:70000", "tcp://h:-1", "unix://relative", "unix://",
	      "vsock://2", "vsock://x:1", "vsock://4294967296:1", "serial://dev", "http://x:1", "/tmp/sock"}) {
		EXPECT_NE(parse_address(bad, a, why), 0) << bad;
	}
	std::string long_path = "unix:///" + std::string(200, 'a');
	EXPECT_NE(parse_address(long_path, a, why), 0);
}

// VMADDR_CID_ANY written as -1, as the reference and Kata agents do (vsock://-1:1024): the
// agent in the guest-loopback case listens on it. Any other negative or malformed CID is refused.
TEST(Address, VsockCidAnyAsMinusOne)
{
	Address a;
	std::string why;
	ASSERT_EQ(parse_address("vsock://-1:2048", a, why), 0) << why;
	EXPECT_EQ(a.kind, Address::Kind::vsock);
	EXPECT_EQ(a.cid, 4294967295u);
	EXPECT_EQ(a.port, 2048u);
	for (const char *bad : {"vsock://-2:1", "vsock://-1:-1", "vsock://--1:1", "vsock://-1", "vsock://-01:1",
				"vsock://-1 :1", "vsock://+1:1"}) {
		EXPECT_NE(parse_address(bad, a, why), 0) << bad;
		EXPECT_FALSE(why.empty()) << bad;
	}
}
