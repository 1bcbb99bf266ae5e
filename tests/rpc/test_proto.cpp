// SPDX-License-Identifier: Apache-2.0
// Unit tests of src/rpc/proto/vaccel_rpc.proto: the generated metadata messages.
#include "vaccel_rpc.pb.h"

#include <gtest/gtest.h>

#include <string>

TEST(Proto, RequestRoundTrip)
{
	vaccel::rpc::v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(42);
	auto *arg = g->add_read();
	arg->set_type(9);
	arg->set_size(1);
	arg->set_has_data(true);
	std::string s;
	ASSERT_TRUE(req.SerializeToString(&s));
	vaccel::rpc::v1::Request back;
	ASSERT_TRUE(back.ParseFromString(s));
	EXPECT_EQ(back.call_case(), vaccel::rpc::v1::Request::kGenop);
	EXPECT_EQ(back.genop().session_id(), 42);
	EXPECT_FALSE(back.ParseFromString(std::string("\xff\xff\xff\xff garbage", 13)));
}
