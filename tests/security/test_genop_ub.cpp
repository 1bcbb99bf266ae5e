// SPDX-License-Identifier: Apache-2.0
// Finding 10: undefined behaviour any client could trigger in the agent. Packed genop args put
// doubles at odd payload offsets (MINMAX of the noop plugin then loaded misaligned doubles),
// and wire integers were cast straight to C enums (arg types, tensor data types). The agent
// must copy numeric args into aligned storage and refuse values outside an enum with a clear
// error. Under the sanitizer build, AgentProcess fails the test on any "runtime error:" line
// of the agent's log.
#include "rpc_test_util.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using namespace rpctest;

class GenopUb : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_TRUE(agent.start(NOOP_PLUGIN)) << agent.log_text();
		c = make_client(agent.address());
		sid = create_session(*c);
		ASSERT_GT(sid, 0);
	}
	// Genop returning the whole response (status and error text).
	v1::Response genop_raw(const std::vector<GArg> &read, const std::vector<GArg> &write)
	{
		CallResult res;
		std::string why;
		EXPECT_EQ(genop_call(*c, sid, read, write, res, why), 0) << why;
		return res.response;
	}

	AgentProcess agent;
	std::unique_ptr<Client> c;
	int64_t sid = -1;
};

TEST_F(GenopUb, MisalignedDoublesInPackedMinmaxArgs)
{
	// Payload layout: op code (1 byte), then the doubles at offset 1: misaligned.
	const double in[5] = {3.5, -2.25, 9.0, 0.5, 4.0};
	const int n = 5, low = 0, high = 10;
	std::vector<std::vector<uint8_t>> out;
	int st = genop(*c, sid,
		       {u8(VACCEL_OP_MINMAX), buf(VACCEL_ARG_RAW, in, sizeof(in)), buf(VACCEL_ARG_RAW, &n, sizeof(n)),
			buf(VACCEL_ARG_RAW, &low, sizeof(low)), buf(VACCEL_ARG_RAW, &high, sizeof(high))},
		       {rpctest::out(VACCEL_ARG_RAW, sizeof(in)), rpctest::out(VACCEL_ARG_RAW, 8),
			rpctest::out(VACCEL_ARG_RAW, 8)},
		       &out);
	ASSERT_EQ(st, 0);
	ASSERT_EQ(out.size(), 3u);
	double mn = 0, mx = 0;
	memcpy(&mn, out[1].data(), 8);
	memcpy(&mx, out[2].data(), 8);
	EXPECT_EQ(mn, -2.25);
	EXPECT_EQ(mx, 9.0);
	EXPECT_EQ(memcmp(out[0].data(), in, sizeof(in)), 0);
}

TEST_F(GenopUb, OutOfRangeArgTypeIsRefusedClearly)
{
	for (uint32_t bad : {static_cast<uint32_t>(VACCEL_ARG_MAX), 1000u, 0xffffffffu}) {
		GArg op = u8(VACCEL_OP_NOOP);
		op.type = bad; // the op code arg itself
		v1::Response r = genop_raw({op}, {});
		EXPECT_EQ(r.status(), VACCEL_EINVAL) << bad;
		EXPECT_NE(r.error().find("invalid type"), std::string::npos) << r.error();

		GArg w = rpctest::out(VACCEL_ARG_RAW, 8);
		w.type = bad; // a write arg
		r = genop_raw({u8(VACCEL_OP_OPENCV)}, {w});
		EXPECT_EQ(r.status(), VACCEL_EINVAL) << bad;
		EXPECT_NE(r.error().find("invalid type"), std::string::npos) << r.error();
	}
	EXPECT_EQ(noop(*c, sid), 0); // the connection is still served
}

TEST_F(GenopUb, OutOfRangeTensorDataTypeIsRefusedClearly)
{
	const char model[] = "not really a model";
	int64_t rid = 0;
	ASSERT_EQ(register_blob(*c, sid, "model.pt", model, sizeof(model), VACCEL_BLOB_FILE, &rid, 0,
				VACCEL_RESOURCE_MODEL),
		  0);
	for (int32_t bad : {0, 8, 1000, -1}) {
		v1::Request req;
		auto *m = req.mutable_torch_model_run();
		m->set_session_id(sid);
		m->set_model_id(rid);
		m->set_nr_out(1);
		auto *t = m->add_in_tensors();
		t->add_dims(2);
		t->set_data_type(bad);
		float data[2] = {1, 2};
		t->set_size(sizeof(data));
		iovec v{data, sizeof(data)};
		CallResult res;
		std::string why;
		ASSERT_EQ(c->call(req, {&v, 1}, res, why), 0) << why;
		EXPECT_EQ(res.response.status(), VACCEL_EINVAL) << bad;
		EXPECT_NE(res.response.error().find("invalid tensor data type"), std::string::npos)
			<< res.response.error();
	}
	EXPECT_EQ(noop(*c, sid), 0);
}

} // namespace
