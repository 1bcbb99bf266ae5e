// SPDX-License-Identifier: Apache-2.0
// Finding 2: a memfd payload used to be mapped whole and pre-faulted. A 1-byte request backed
// by a large empty memfd made the agent fault in (allocate) every page of it. The agent must
// map only the pages a request uses, never pre-fault, refuse memfds above its payload limit
// and count what it maps in its budgets.
#include "rpc_test_util.hpp"
#include "shared_memfd.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace {

using namespace rpctest;
using sectest::SharedMemfd;

constexpr size_t kBig = 256u << 20;

// A genop NOOP whose one-byte op code is the first byte of `shm` (sent as a memfd range).
int noop_from(Client &c, int64_t sid, const SharedMemfd &shm)
{
	shm.base()[0] = static_cast<std::byte>(VACCEL_OP_NOOP);
	v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(sid);
	auto *a = g->add_read();
	a->set_type(VACCEL_ARG_UINT8);
	a->set_size(1);
	a->set_has_data(true);
	iovec v{shm.base(), 1};
	CallResult res;
	std::string why;
	if (c.call(req, {&v, 1}, res, why) != 0)
		return -1;
	return res.response.status();
}

vaccel::rpc::ClientOptions options_over(const std::string &address,
					const std::vector<std::unique_ptr<SharedMemfd>> &all)
{
	auto o = sectest::zero_copy_options(address, *all.front());
	o.find_shared = [&all](const void *p, size_t len, int *fd, size_t *off) {
		for (auto &m : all)
			if (m->lookup(p, len, fd, off) == 0)
				return 0;
		return -1;
	};
	return o;
}

TEST(MemfdBudget, OneByteRequestsOnHugeEmptyMemfdsCostNoSharedMemory)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN)) << agent.log_text();
	std::vector<std::unique_ptr<SharedMemfd>> memfds;
	for (int i = 0; i < 4; ++i) {
		memfds.push_back(std::make_unique<SharedMemfd>(kBig));
		ASSERT_TRUE(memfds.back()->ok());
	}
	Client c(options_over(agent.address(), memfds));
	int64_t sid = create_session(c);
	ASSERT_GT(sid, 0);
	for (auto &m : memfds)
		for (int round = 0; round < 3; ++round)
			EXPECT_EQ(noop_from(c, sid, *m), 0);
	// Still connected: mappings the agent caches are alive now.
	long shmem_kb = agent.status_kb("RssShmem");
	long rss_kb = agent.rss_kb();
	printf("[memfd] 4 x 256 MiB empty memfds behind 1-byte requests: agent RssShmem %ld KiB, VmRSS %ld KiB\n",
	       shmem_kb, rss_kb);
	ASSERT_GE(shmem_kb, 0);
	EXPECT_LT(shmem_kb, 64 * 1024);
	EXPECT_LT(rss_kb, 128 * 1024);
}

TEST(MemfdBudget, MemfdLargerThanPayloadLimitIsRefused)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--max-payload", "1M"})) << agent.log_text();
	std::vector<std::unique_ptr<SharedMemfd>> memfds;
	memfds.push_back(std::make_unique<SharedMemfd>(kBig));
	ASSERT_TRUE(memfds.back()->ok());
	Client c(options_over(agent.address(), memfds));
	int64_t sid = create_session(c);
	ASSERT_GT(sid, 0);
	EXPECT_NE(noop_from(c, sid, *memfds.front()), 0); // protocol error: the connection is dropped
	long shmem_kb = agent.status_kb("RssShmem");
	EXPECT_LT(shmem_kb, 64 * 1024);
	EXPECT_NE(agent.log_text().find("larger than the payload limit"), std::string::npos) << agent.log_text();
	// The agent still serves a fresh connection.
	auto fresh = make_client(agent.address());
	int64_t sid2 = create_session(*fresh);
	ASSERT_GT(sid2, 0);
	EXPECT_EQ(noop(*fresh, sid2), 0);
}

} // namespace
