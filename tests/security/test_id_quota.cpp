// SPDX-License-Identifier: Apache-2.0
// Finding 4: session and resource ids come from process-wide pools. One tenant (agent
// connection) must never be able to use up the ids another tenant is promised: each tenant
// has its own quota, and the agent only starts when all quotas together fit the pools.
#include "rpc_test_util.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace rpctest;

namespace {

// Creates sessions on `c` until the agent refuses (at most `cap` tries). Returns how many were
// created; *last_status gets the refusal's status (0 if none came).
size_t create_sessions_until_refused(Client &c, size_t cap, int *last_status)
{
	*last_status = 0;
	for (size_t i = 0; i < cap; ++i) {
		int status = 0;
		if (create_session(c, &status) <= 0) {
			*last_status = status;
			return i;
		}
	}
	return cap;
}

// Registers one-byte resources with session `sid` until refused (at most `cap` tries).
size_t register_until_refused(Client &c, int64_t sid, size_t cap, int *last_status)
{
	*last_status = 0;
	const char byte = 'x';
	for (size_t i = 0; i < cap; ++i) {
		int64_t rid = 0;
		int status = register_blob(c, sid, "r.bin", &byte, 1, VACCEL_BLOB_FILE, &rid);
		if (status != 0) {
			*last_status = status;
			return i;
		}
	}
	return cap;
}

void expect_victim_served(const AgentProcess &agent)
{
	auto victim = make_client(agent.address());
	int status = -1;
	int64_t sid = create_session(*victim, &status);
	ASSERT_GT(sid, 0) << "a victim's session create failed with " << status;
	EXPECT_EQ(noop(*victim, sid), 0);
	const char data[] = "victim";
	int64_t rid = 0;
	EXPECT_EQ(register_blob(*victim, sid, "v.bin", data, sizeof(data), VACCEL_BLOB_FILE, &rid), 0);
	EXPECT_GT(rid, 0);
	EXPECT_EQ(release_session(*victim, sid), 0);
}

} // namespace

// One tenant runs into its own quotas (sessions, then resources) and gets VACCEL_EUSERS;
// another tenant is served as usual.
TEST(IdQuota, OneTenantStopsAtItsOwnQuota)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--max-sessions", "16", "--max-resources", "32"})) << agent.log_text();
	auto attacker = make_client(agent.address());
	int status = 0;
	EXPECT_EQ(create_sessions_until_refused(*attacker, 16 + 8, &status), 16u);
	EXPECT_EQ(status, VACCEL_EUSERS);

	auto attacker2 = make_client(agent.address());
	int64_t sid = create_session(*attacker2);
	ASSERT_GT(sid, 0);
	EXPECT_EQ(register_until_refused(*attacker2, sid, 32 + 8, &status), 32u);
	EXPECT_EQ(status, VACCEL_EUSERS) << "resources are limited by count, not only by bytes";

	expect_victim_served(agent);
	EXPECT_TRUE(agent.alive());
}

// Several connections of one attacker together take more sessions than the old pool held
// (1024): with per-tenant quotas that fit the pool, a victim still gets a session. On the
// old code the victim got VACCEL_EUSERS (87).
TEST(IdQuota, ManyConnectionsCannotExhaustSessionIds)
{
	constexpr size_t kConns = 17, kPerConn = 64; // 1088 sessions
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--max-connections", "20", "--max-sessions", "64"})) << agent.log_text();
	std::vector<std::unique_ptr<Client>> attackers;
	size_t total = 0;
	for (size_t i = 0; i < kConns; ++i) {
		attackers.push_back(make_client(agent.address()));
		int status = 0;
		total += create_sessions_until_refused(*attackers.back(), kPerConn, &status);
	}
	EXPECT_EQ(total, kConns * kPerConn) << "each connection gets its whole quota";
	expect_victim_served(agent);
}

// The same with resources: 10 connections x 256 resources > the old pool of 2048.
TEST(IdQuota, ManyConnectionsCannotExhaustResourceIds)
{
	constexpr size_t kConns = 10, kPerConn = 256;
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--max-connections", "16"})) << agent.log_text();
	std::vector<std::unique_ptr<Client>> attackers;
	size_t total = 0;
	for (size_t i = 0; i < kConns; ++i) {
		attackers.push_back(make_client(agent.address()));
		int64_t sid = create_session(*attackers.back());
		ASSERT_GT(sid, 0);
		int status = 0;
		total += register_until_refused(*attackers.back(), sid, kPerConn, &status);
	}
	EXPECT_EQ(total, kConns * kPerConn);
	expect_victim_served(agent);
}

// Limits whose sum cannot fit the pools are refused at start, with a message naming them.
TEST(IdQuota, AgentRefusesQuotasThatDoNotFitThePools)
{
	AgentProcess agent;
	EXPECT_FALSE(agent.start(NOOP_PLUGIN, {"--max-connections", "4096", "--max-sessions", "64"}));
	EXPECT_NE(agent.log_text().find("--max-sessions 64 exceeds"), std::string::npos) << agent.log_text();

	AgentProcess agent2;
	EXPECT_FALSE(agent2.start(NOOP_PLUGIN, {"--max-connections", "1024", "--max-resources", "1024"}));
	EXPECT_NE(agent2.log_text().find("--max-resources 1024 exceeds"), std::string::npos) << agent2.log_text();
}
