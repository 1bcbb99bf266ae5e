// SPDX-License-Identifier: Apache-2.0
// Real vaccel-agent process + noop plugin, driven at protocol level over loopback sockets:
// lifecycle, isolation, exec policy, failure behaviour, concurrency, virtio-serial handshake.
#include "rpc_test_util.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>

#include <atomic>
#include <thread>

using namespace rpctest;

namespace {

const std::string kClassText = "This is a dummy classification tag!";

std::string cstr(const std::vector<uint8_t> &v)
{
	return std::string(reinterpret_cast<const char *>(v.data()),
			   strnlen(reinterpret_cast<const char *>(v.data()), v.size()));
}

int classify(Client &c, int64_t sid, std::string *text)
{
	std::vector<uint8_t> img(1000, 7);
	std::vector<std::vector<uint8_t>> outs;
	int st = genop(c, sid, {u8(VACCEL_OP_IMAGE_CLASSIFY), buf(VACCEL_ARG_BUFFER, img.data(), img.size())},
		       {out(VACCEL_ARG_UCHAR_ARRAY, 256), out(VACCEL_ARG_UCHAR_ARRAY, 256)}, &outs);
	if (st == 0 && text)
		*text = cstr(outs.at(1));
	return st;
}

class AgentTest : public ::testing::Test {
protected:
	void SetUp() override { ASSERT_TRUE(agent.start(NOOP_PLUGIN)) << agent.log_text(); }
	AgentProcess agent;
};

} // namespace

TEST_F(AgentTest, SessionOpsAndResources)
{
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	ASSERT_GT(sid, 0);
	EXPECT_EQ(noop(*c, sid), 0);
	std::string text;
	ASSERT_EQ(classify(*c, sid, &text), 0);
	EXPECT_EQ(text, kClassText);

	// A BUFFER resource round trip, shared with a second session without re-sending bytes.
	std::vector<uint8_t> data(4096);
	for (size_t i = 0; i < data.size(); ++i)
		data[i] = static_cast<uint8_t>(i * 7);
	int64_t rid = 0;
	ASSERT_EQ(register_blob(*c, sid, "data.bin", data.data(), data.size(), VACCEL_BLOB_BUFFER, &rid), 0);
	EXPECT_GT(rid, 0);
	std::vector<uint8_t> synced;
	EXPECT_EQ(sync_resource(*c, sid, rid, &synced), 0);
	EXPECT_EQ(synced, data);
	int64_t sid2 = create_session(*c);
	int64_t rid2 = 0;
	EXPECT_EQ(register_blob(*c, sid2, "", nullptr, 0, 0, &rid2, rid), 0);
	EXPECT_EQ(rid2, rid);
	EXPECT_EQ(unregister(*c, sid, rid), 0);
	EXPECT_EQ(sync_resource(*c, sid2, rid), 0); // still alive through sid2
	EXPECT_EQ(release_session(*c, sid2), 0);    // last user gone: resource destroyed
	EXPECT_EQ(sync_resource(*c, sid, rid), VACCEL_ENOENT);
	EXPECT_EQ(release_session(*c, sid), 0);
	EXPECT_EQ(noop(*c, sid), VACCEL_ENOENT);
}

TEST_F(AgentTest, FileBlobIsSpooledWithoutHostPaths)
{
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	int64_t rid = 0;
	const char bytes[] = "model-bytes";
	// Names that try to escape the spool directory are refused.
	EXPECT_EQ(register_blob(*c, sid, "../evil", bytes, sizeof(bytes), VACCEL_BLOB_FILE, &rid), VACCEL_EINVAL);
	EXPECT_EQ(register_blob(*c, sid, "/etc/passwd", bytes, sizeof(bytes), VACCEL_BLOB_FILE, &rid), VACCEL_EINVAL);
	EXPECT_EQ(register_blob(*c, sid, "m.bin", bytes, sizeof(bytes), VACCEL_BLOB_FILE, &rid), 0);
	// URL resources are refused unless the agent allows them.
	v1::Request req;
	auto *m = req.mutable_resource_register();
	m->set_session_id(sid);
	m->set_type(VACCEL_RESOURCE_MODEL);
	m->add_urls("file:///etc/passwd");
	CallResult res;
	ASSERT_EQ(call(*c, req, res), 0);
	EXPECT_EQ(res.response.status(), VACCEL_EPERM);
	EXPECT_EQ(noop(*c, sid), 0); // connection still in sync
}

TEST_F(AgentTest, IsolationBetweenConnections)
{
	auto a = make_client(agent.address());
	auto b = make_client(agent.address());
	int64_t sa = create_session(*a);
	int64_t sb = create_session(*b);
	ASSERT_GT(sa, 0);
	ASSERT_GT(sb, 0);
	const char secret[] = "client A secret";
	int64_t ra = 0;
	ASSERT_EQ(register_blob(*a, sa, "s", secret, sizeof(secret), VACCEL_BLOB_BUFFER, &ra), 0);

	// Ids are per tenant (in process isolation both first sessions are 1): A's second session
	// has an id B never had.
	int64_t sa2 = create_session(*a);
	ASSERT_GT(sa2, 0);
	ASSERT_NE(sa2, sb);
	EXPECT_EQ(noop(*b, sa2), VACCEL_ENOENT);            // use A's session
	EXPECT_EQ(release_session(*b, sa2), VACCEL_ENOENT); // release A's session
	std::vector<uint8_t> stolen;
	EXPECT_EQ(sync_resource(*b, sb, ra, &stolen), VACCEL_ENOENT); // read A's resource
	EXPECT_TRUE(stolen.empty());
	EXPECT_EQ(unregister(*b, sb, ra), VACCEL_ENOENT); // release A's resource
	int64_t r = 0;
	EXPECT_EQ(register_blob(*b, sb, "", nullptr, 0, 0, &r, ra), VACCEL_ENOENT); // share A's resource
	v1::Request load;
	load.mutable_tflite_model_load()->set_session_id(sb);
	load.mutable_tflite_model_load()->set_model_id(ra);
	CallResult res;
	ASSERT_EQ(call(*b, load, res), 0);
	EXPECT_EQ(res.response.status(), VACCEL_ENOENT);

	// A is unaffected.
	EXPECT_EQ(noop(*a, sa), 0);
	EXPECT_EQ(noop(*a, sa2), 0);
	std::vector<uint8_t> mine;
	EXPECT_EQ(sync_resource(*a, sa, ra, &mine), 0);
	EXPECT_EQ(memcmp(mine.data(), secret, sizeof(secret)), 0);

	// Everything of A is released when A goes away; B still works.
	a.reset();
	EXPECT_EQ(noop(*b, sb), 0);
}

TEST_F(AgentTest, ExecIsRefusedWithoutAllowOption)
{
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	int32_t in = 10;
	EXPECT_EQ(genop(*c, sid, {u8(VACCEL_OP_EXEC), str("/tmp/libx.so"), str("f"), buf(VACCEL_ARG_INT32, &in, 4)},
			{out(VACCEL_ARG_INT32, 4)}),
		  VACCEL_EPERM);
	const char lib[] = "\x7f"
			   "ELF";
	int64_t rid = 0;
	ASSERT_EQ(register_blob(*c, sid, "lib.so", lib, sizeof(lib), VACCEL_BLOB_FILE, &rid, 0, VACCEL_RESOURCE_LIB),
		  0);
	EXPECT_EQ(genop(*c, sid, {u8(VACCEL_OP_EXEC_WITH_RESOURCE), i64(rid), str("f")}, {}), VACCEL_EPERM);
	EXPECT_NE(agent.log_text().find("not allowed"), std::string::npos);
}

TEST(AgentPolicy, ExecAllowedAndResourceIdsStillIsolated)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--allow-exec"}));
	auto a = make_client(agent.address());
	auto b = make_client(agent.address());
	int64_t sa = create_session(*a);
	int64_t sb = create_session(*b);
	int32_t in = 10;
	EXPECT_EQ(genop(*a, sa, {u8(VACCEL_OP_EXEC), str("/tmp/libx.so"), str("f"), buf(VACCEL_ARG_INT32, &in, 4)},
			{out(VACCEL_ARG_INT32, 4)}),
		  0); // the noop plugin accepts exec
	const char lib[] = "lib";
	int64_t ra = 0;
	ASSERT_EQ(register_blob(*a, sa, "lib.so", lib, sizeof(lib), VACCEL_BLOB_FILE, &ra, 0, VACCEL_RESOURCE_LIB), 0);
	EXPECT_EQ(genop(*a, sa, {u8(VACCEL_OP_EXEC_WITH_RESOURCE), i64(ra), str("f")}, {}), 0);
	// B names A's resource in exec_with_resource: refused before the host runtime sees it.
	EXPECT_EQ(genop(*b, sb, {u8(VACCEL_OP_EXEC_WITH_RESOURCE), i64(ra), str("f")}, {}), VACCEL_ENOENT);
}

TEST(AgentPolicy, ExecAllowlist)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--exec-allowlist", "/opt/ok.so"}));
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	EXPECT_EQ(genop(*c, sid, {u8(VACCEL_OP_EXEC), str("/opt/ok.so"), str("f")}, {}), 0);
	EXPECT_EQ(genop(*c, sid, {u8(VACCEL_OP_EXEC), str("/opt/other.so"), str("f")}, {}), VACCEL_EPERM);
}

TEST(AgentTcp, WorksOverLoopbackTcp)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {}, true)) << agent.log_text();
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	ASSERT_GT(sid, 0);
	std::string text;
	EXPECT_EQ(classify(*c, sid, &text), 0);
	EXPECT_EQ(text, kClassText);
	// 3 MiB payload goes through chunked DATA frames over tcp.
	std::vector<uint8_t> big(3 << 20, 1);
	int64_t rid = 0;
	EXPECT_EQ(register_blob(*c, sid, "big", big.data(), big.size(), VACCEL_BLOB_BUFFER, &rid), 0);
	std::vector<uint8_t> back;
	EXPECT_EQ(sync_resource(*c, sid, rid, &back), 0);
	EXPECT_EQ(back, big);
}

TEST_F(AgentTest, MemfdPayloadAndAgentErrorCodePassThrough)
{
	auto c = make_client(agent.address(), 4096);
	int64_t sid = create_session(*c);
	std::vector<uint8_t> data(1 << 20);
	for (size_t i = 0; i < data.size(); ++i)
		data[i] = static_cast<uint8_t>(i ^ (i >> 8));
	int64_t rid = 0;
	ASSERT_EQ(register_blob(*c, sid, "m", data.data(), data.size(), VACCEL_BLOB_BUFFER, &rid), 0);
	std::vector<uint8_t> back;
	ASSERT_EQ(sync_resource(*c, sid, rid, &back), 0);
	EXPECT_EQ(back, data);
	// The host runtime's own error code comes back unchanged (genop arg validation: EINVAL).
	EXPECT_EQ(genop(*c, sid, {u8(VACCEL_OP_IMAGE_CLASSIFY)}, {}), VACCEL_EINVAL);
	EXPECT_EQ(genop(*c, sid, {u8(200)}, {}), genop(*c, sid, {u8(201)}, {}));
}

// Small write args live in memory the agent reuses across requests: an output-only one must
// still start zeroed, never with bytes an earlier request of the connection left there.
TEST_F(AgentTest, OutputOnlyWriteArgsStartZeroedInReusedMemory)
{
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	const std::vector<uint8_t> mark(256, 0xAA);
	std::vector<std::vector<uint8_t>> outs;
	// The noop OPENCV op echoes read args into write args: the mark is in the agent's memory.
	ASSERT_EQ(genop(*c, sid, {u8(VACCEL_OP_OPENCV), buf(VACCEL_ARG_RAW, mark.data(), mark.size())},
			{out(VACCEL_ARG_RAW, mark.size())}, &outs),
		  0);
	ASSERT_EQ(outs.at(0), mark);
	for (int i = 0; i < 3; ++i) {
		outs.clear();
		ASSERT_EQ(genop(*c, sid, {u8(VACCEL_OP_OPENCV)}, {out(VACCEL_ARG_RAW, mark.size())}, &outs), 0);
		EXPECT_EQ(outs.at(0), std::vector<uint8_t>(mark.size(), 0)) << "call " << i;
	}
}

TEST(AgentFailure, AgentGoneFailsFastAndNextSessionReconnects)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN));
	std::string addr = agent.address();
	std::string sock = agent.socket_path();
	auto c = make_client(addr);
	int64_t sid = create_session(*c);
	ASSERT_EQ(noop(*c, sid), 0);
	agent.kill9();
	auto t0 = std::chrono::steady_clock::now();
	int st = noop(*c, sid);
	EXPECT_LE(st, -1000); // transport failure, not an agent status
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
	uint64_t gen = c->generation();

	// A new agent on the same path (stale socket file replaced); next session reconnects.
	AgentProcess again;
	ASSERT_TRUE(again.start(NOOP_PLUGIN));
	auto c2 = make_client(again.address());
	EXPECT_GT(create_session(*c2), 0);
	(void)gen;
	(void)sock;
}

TEST(AgentFailure, StaleSessionAfterReconnectIsRefused)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN));
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	uint64_t gen = c->generation();
	ASSERT_EQ(noop(*c, sid), 0);
	c->disconnect();
	v1::Request req;
	req.mutable_genop()->set_session_id(sid);
	CallResult res;
	std::string why;
	// Pinned to the old connection: refused locally, never sent to the new one.
	EXPECT_EQ(c->call(req, {}, res, why, gen), ECONNRESET);
	EXPECT_GT(create_session(*c), 0);
	EXPECT_NE(c->generation(), gen);
}

TEST_F(AgentTest, StopsCleanlyOnSigtermAndRemovesSocket)
{
	auto c = make_client(agent.address());
	ASSERT_GT(create_session(*c), 0);
	std::string sock = agent.socket_path();
	EXPECT_EQ(agent.stop(), 0);
	EXPECT_NE(access(sock.c_str(), F_OK), 0);
}

TEST_F(AgentTest, ConcurrentClientsMixedOps)
{
	constexpr int kClients = 8;
	constexpr int kOps = 1000;
	std::atomic<int> failures{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < kClients; ++t) {
		threads.emplace_back([&, t] {
			auto c = make_client(agent.address(), t % 2 ? 4096 : 0);
			int64_t sid = create_session(*c);
			if (sid <= 0) {
				failures++;
				return;
			}
			for (int i = 0; i < kOps; ++i) {
				int kind = (i + t) % 4;
				if (kind == 0) {
					if (noop(*c, sid) != 0)
						failures++;
				} else if (kind == 1) {
					std::string text;
					if (classify(*c, sid, &text) != 0 || text != kClassText)
						failures++;
				} else if (kind == 2) {
					std::vector<uint8_t> d(64 + (i % 7) * 1000, static_cast<uint8_t>(t * 31 + i));
					int64_t rid = 0;
					std::vector<uint8_t> back;
					if (register_blob(*c, sid, "b", d.data(), d.size(), VACCEL_BLOB_BUFFER, &rid) !=
						    0 ||
					    sync_resource(*c, sid, rid, &back) != 0 || back != d ||
					    unregister(*c, sid, rid) != 0)
						failures++;
				} else {
					int64_t s2 = create_session(*c);
					if (s2 <= 0 || noop(*c, s2) != 0 || release_session(*c, s2) != 0)
						failures++;
				}
			}
			if (release_session(*c, sid) != 0)
				failures++;
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(failures.load(), 0);
}

// virtio-serial stand-in: a pty whose master side is bridged to the agent's unix socket, as
// QEMU's chardev would be. The guest side (the slave) outlives client "processes".
TEST_F(AgentTest, SerialChannelHandshakeReleasesPreviousClientState)
{
	int master = -1, slave = -1;
	char name[128];
	ASSERT_EQ(openpty(&master, &slave, name, nullptr, nullptr), 0);
	termios t{};
	tcgetattr(slave, &t);
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	int sock = raw_unix_connect(agent.socket_path());
	ASSERT_GE(sock, 0);
	std::atomic<bool> stop{false};
	std::thread bridge([&] {
		char b[65536];
		while (!stop) {
			pollfd p[2] = {{master, POLLIN, 0}, {sock, POLLIN, 0}};
			if (poll(p, 2, 50) <= 0)
				continue;
			if (p[0].revents & POLLIN) {
				ssize_t n = read(master, b, sizeof(b));
				if (n > 0)
					write_all_fd(sock, std::string(b, n));
			}
			if (p[1].revents & POLLIN) {
				ssize_t n = recv(sock, b, sizeof(b), 0);
				if (n <= 0)
					break;
				for (ssize_t off = 0; off < n;) {
					ssize_t w = write(master, b + off, n - off);
					if (w <= 0)
						break;
					off += w;
				}
			}
		}
	});
	std::string addr = std::string("serial://") + name;

	// Client process 1: creates a session, then dies in the middle of sending a frame.
	int64_t sid1, rid1 = 0;
	{
		auto c1 = make_client(addr);
		sid1 = create_session(*c1);
		ASSERT_GT(sid1, 0);
		ASSERT_EQ(noop(*c1, sid1), 0);
		const char d[] = "client 1 data";
		ASSERT_EQ(register_blob(*c1, sid1, "d", d, sizeof(d), VACCEL_BLOB_BUFFER, &rid1), 0);
	}
	int fd = open(name, O_RDWR | O_NOCTTY);
	ASSERT_GE(fd, 0);
	std::string torn =
		frame_bytes(vaccel::rpc::FrameType::request, vaccel::rpc::frame_flags::end, 1, "", 5000, 5000) +
		std::string(100, 'x');
	ASSERT_EQ(write(fd, torn.data(), torn.size()), static_cast<ssize_t>(torn.size()));
	close(fd);

	// Client process 2 on the same channel: handshake resynchronises, state of 1 is gone.
	auto c2 = make_client(addr);
	auto t0 = std::chrono::steady_clock::now();
	int64_t sid2 = create_session(*c2);
	ASSERT_GT(sid2, 0);
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
	// Session ids may be reused by the host runtime, resource ids of client 1 must be gone.
	EXPECT_EQ(sync_resource(*c2, sid2, rid1), VACCEL_ENOENT);
	EXPECT_EQ(noop(*c2, sid2), 0);
	std::string text;
	EXPECT_EQ(classify(*c2, sid2, &text), 0);
	EXPECT_EQ(text, kClassText);
	c2.reset();
	stop = true;
	bridge.join();
	close(sock);
	close(master);
	close(slave);
}
