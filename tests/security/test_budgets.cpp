// SPDX-License-Identifier: Apache-2.0
// Finding 11: a ~100-byte request could ask for gigabytes of write args back, and budgets
// were per connection only. Responses are bounded (--max-response), and the agent has
// agent-wide caps on memory (--max-memory) and spool disk (--max-disk) that connections,
// each within its own --max-connection-bytes, cannot exceed together.
#include "rpc_test_util.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace rpctest;
using vaccel::rpc::FrameType;

// A raw protocol connection: frames written and read one by one, payloads never received.
class RawConn {
public:
	explicit RawConn(const std::string &sock) : ch_(vaccel::rpc::UniqueFd(raw_unix_connect(sock)))
	{
		lim_.max_payload = UINT64_MAX;
		v1::Hello h;
		h.set_protocol_version(1);
		h.set_nonce(42);
		ok_ = send(FrameType::hello, 0, h.SerializeAsString()) && recv_head() &&
		      in_.head.type == FrameType::hello_ack;
	}
	bool ok() const { return ok_; }
	bool send(FrameType type, uint32_t stream, const std::string &meta, std::vector<iovec> payload = {})
	{
		vaccel::rpc::SendOptions so;
		so.timeout_ms = 5000;
		return vaccel::rpc::send_message(ch_, type, stream, meta, payload, so) == 0;
	}
	bool recv_head()
	{
		std::string why;
		return vaccel::rpc::recv_head(ch_, lim_, in_, 20000, why) == 0;
	}
	// Sends a request and reads the head of its response (the payload is left unread).
	bool request(uint32_t stream, const v1::Request &req, v1::Response &resp, uint64_t &payload_size,
		     std::vector<iovec> payload = {})
	{
		if (!send(FrameType::request, stream, req.SerializeAsString(), std::move(payload)) || !recv_head())
			return false;
		payload_size = in_.head.aux;
		return in_.head.type == FrameType::response && resp.ParseFromString(in_.meta);
	}

private:
	vaccel::rpc::Channel ch_;
	vaccel::rpc::Limits lim_;
	vaccel::rpc::InMessage in_;
	bool ok_ = false;
};

TEST(Budgets, TinyRequestForHugeWriteArgsIsRefused)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN)) << agent.log_text();
	RawConn conn(agent.socket_path());
	ASSERT_TRUE(conn.ok());
	v1::Request req;
	req.mutable_session_create();
	v1::Response resp;
	uint64_t size = 0;
	ASSERT_TRUE(conn.request(1, req, resp, size));
	ASSERT_EQ(resp.status(), 0);
	int64_t sid = resp.session_created().session_id();

	// OPENCV is the noop plugin's pass-through: it succeeds and returns its write args.
	for (uint64_t ask : {8ull << 30, 2ull << 30, (1ull << 30) + 1}) {
		v1::Request g;
		g.mutable_genop()->set_session_id(sid);
		auto *op = g.mutable_genop()->add_read();
		op->set_type(VACCEL_ARG_UINT8);
		op->set_size(1);
		op->set_has_data(true);
		auto *w = g.mutable_genop()->add_write();
		w->set_type(VACCEL_ARG_UINT8_ARRAY);
		w->set_size(ask);
		uint8_t code = VACCEL_OP_OPENCV;
		ASSERT_EQ(g.ByteSizeLong() < 100, true);
		ASSERT_TRUE(conn.request(3, g, resp, size, {{&code, 1}}));
		EXPECT_EQ(resp.status(), VACCEL_ENOMEM) << ask;
		EXPECT_NE(resp.error().find("response limit"), std::string::npos) << resp.error();
		ASSERT_EQ(size, 0u) << "the agent started sending " << size << " bytes back";
	}
	long rss = agent.rss_kb();
	printf("[budgets] after asking for 8 GiB of write args: agent VmRSS %ld KiB\n", rss);
	EXPECT_LT(rss, 64 * 1024);
}

// Registers a one-blob resource of n bytes; returns the agent status.
int upload(Client &c, int64_t sid, uint32_t blob_type, size_t n, int64_t *rid)
{
	std::vector<uint8_t> bytes(n, 7);
	return register_blob(c, sid, "blob", bytes.data(), bytes.size(), blob_type, rid);
}

void two_connections_share_agent_cap(const char *cap_flag, uint32_t blob_type, int refused_status)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--max-connection-bytes", "48M", cap_flag, "64M"})) << agent.log_text();
	auto a = make_client(agent.address());
	auto b = make_client(agent.address());
	int64_t sa = create_session(*a), sb = create_session(*b);
	ASSERT_GT(sa, 0);
	ASSERT_GT(sb, 0);
	const size_t kBlob = 40u << 20; // within each connection's 48 MiB; two exceed 64 MiB
	int64_t ra = 0, rb = 0;
	ASSERT_EQ(upload(*a, sa, blob_type, kBlob, &ra), 0);
	EXPECT_EQ(upload(*b, sb, blob_type, kBlob, &rb), refused_status);
	// Past its own budget a connection is refused whatever the agent has left.
	EXPECT_EQ(upload(*a, sa, blob_type, 16u << 20, &rb), VACCEL_ENOMEM);
	// Once the first connection lets go, the second one fits.
	ASSERT_EQ(unregister(*a, sa, ra), 0);
	EXPECT_EQ(upload(*b, sb, blob_type, kBlob, &rb), 0);
	EXPECT_EQ(noop(*a, sa), 0);
}

TEST(Budgets, TwoConnectionsCannotExceedAgentMemoryCap)
{
	two_connections_share_agent_cap("--max-memory", VACCEL_BLOB_BUFFER, VACCEL_ENOMEM);
}

TEST(Budgets, TwoConnectionsCannotExceedAgentDiskCap)
{
	two_connections_share_agent_cap("--max-disk", VACCEL_BLOB_FILE, VACCEL_ENOSPC);
}

} // namespace
