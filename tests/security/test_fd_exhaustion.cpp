// SPDX-License-Identifier: Apache-2.0
// Finding 6: fd exhaustion. Under a small RLIMIT_NOFILE, clients that park fds on many
// connections must neither make the accept loop spin (log flood) nor starve a tenant already
// served; once they leave, new clients are served.
#include "rpc_test_util.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

namespace {

using namespace rpctest;
using Clock = std::chrono::steady_clock;

// Connects and parks `fds` on the agent: they ride on the first byte of a frame that never
// completes (the agent queues them until the frame's deadline).
int attacker(const std::string &sock, const std::vector<int> &fds)
{
	int s = raw_unix_connect(sock);
	if (s < 0)
		return -1;
	char byte = 'V';
	iovec iov{&byte, 1};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	std::vector<char> cbuf(CMSG_SPACE(sizeof(int) * fds.size()));
	msg.msg_control = cbuf.data();
	msg.msg_controllen = cbuf.size();
	cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
	memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
	sendmsg(s, &msg, MSG_NOSIGNAL | MSG_DONTWAIT); // may fail once the agent sheds us: fine
	return s;
}

TEST(FdExhaustion, AcceptLoopBacksOffAndTenantsKeepWorking)
{
	AgentProcess agent;
	agent.set_fd_limit(256);
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"-l", "2", "--io-timeout-ms", "3000"}));

	// The tenant is served before the attack and must stay served during it.
	auto tenant = make_client(agent.address());
	int64_t sid = create_session(*tenant);
	ASSERT_GT(sid, 0);

	std::vector<int> memfds;
	for (int i = 0; i < 16; ++i)
		memfds.push_back(memfd_create("park", MFD_CLOEXEC));
	const size_t log_before = agent.log_text().size();

	std::vector<int> attackers;
	int tenant_ok = 0, tenant_failed = 0;
	auto end = Clock::now() + std::chrono::seconds(5);
	for (int round = 0; Clock::now() < end && round < 1000; ++round) {
		// Keep up to 64 connections parking 16 fds each (over 1000 fds against a limit of 256).
		for (auto &s : attackers)
			if (s >= 0 && closed_by_peer(s, 0)) {
				close(s);
				s = -1;
			}
		std::erase(attackers, -1);
		while (attackers.size() < 64) {
			int s = attacker(agent.socket_path(), memfds);
			if (s < 0)
				break;
			attackers.push_back(s);
		}
		// The tenant's work needs fds too (a spool file per upload).
		std::string data(1024, 't');
		int64_t rid = 0;
		int st = register_blob(*tenant, sid, "t" + std::to_string(round) + ".bin", data.data(), data.size(),
				       VACCEL_BLOB_FILE, &rid);
		if (st == 0 && noop(*tenant, sid) == 0 && unregister(*tenant, sid, rid) == 0)
			++tenant_ok;
		else
			++tenant_failed;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	const size_t log_growth = agent.log_text().size() - log_before;
	for (int s : attackers)
		close(s);
	for (int fd : memfds)
		close(fd);

	EXPECT_LT(log_growth, 1u << 20) << "the agent log grew by " << log_growth << " bytes in 5 s";
	EXPECT_GT(tenant_ok, 0);
	EXPECT_EQ(tenant_failed, 0) << "the tenant's requests failed under fd exhaustion";
	EXPECT_TRUE(agent.alive());

	// The attackers are gone: a new client is served.
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	auto fresh = make_client(agent.address());
	EXPECT_GT(create_session(*fresh), 0) << agent.log_text().substr(0, 4096);
}

} // namespace
