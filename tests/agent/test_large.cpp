// SPDX-License-Identifier: Apache-2.0
// A 2 GiB resource streams to the agent, which spools it to disk; the spooled file's sha256
// matches the source and the agent's memory stays bounded (never holds it in memory).
#include "rpc_test_util.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <filesystem>

using namespace rpctest;

namespace {

std::string sha256_of(const std::string &path)
{
	std::string cmd = "sha256sum '" + path + "'";
	FILE *p = popen(cmd.c_str(), "r");
	char buf[128] = {};
	if (!p)
		return {};
	if (!fgets(buf, sizeof(buf), p))
		buf[0] = 0;
	pclose(p);
	return std::string(buf).substr(0, 64);
}

} // namespace

TEST(AgentLarge, TwoGibResourceShaMatchesOnAgent)
{
	const uint64_t size = 2ull << 30;
	std::string dir = make_temp_dir("large");
	std::string src = dir + "/model.bin";
	{
		// Pseudo-random content written in 4 MiB blocks (bounded memory).
		FILE *f = fopen(src.c_str(), "wb");
		ASSERT_NE(f, nullptr);
		std::vector<uint64_t> block((4u << 20) / 8);
		uint64_t x = 0x9e3779b97f4a7c15ull;
		for (uint64_t off = 0; off < size; off += block.size() * 8) {
			for (auto &w : block) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				w = x;
			}
			ASSERT_EQ(fwrite(block.data(), 8, block.size(), f), block.size());
		}
		fclose(f);
	}
	AgentProcess agent;
	// Above the default limits (1 GiB payload, 2 GiB per connection): an operator raises them.
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--max-payload", "3G", "--max-connection-bytes", "3G"}));
	int fd = open(src.c_str(), O_RDONLY);
	void *map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(map, MAP_FAILED);
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	int64_t rid = 0;
	auto t0 = std::chrono::steady_clock::now();
	ASSERT_EQ(register_blob(*c, sid, "model.bin", map, size, VACCEL_BLOB_FILE, &rid, 0, VACCEL_RESOURCE_MODEL), 0);
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	munmap(map, size);
	close(fd);

	std::string spooled;
	for (auto &e : std::filesystem::recursive_directory_iterator(agent.dir()))
		if (e.is_regular_file() && e.path().filename() == "model.bin")
			spooled = e.path();
	ASSERT_FALSE(spooled.empty());
	long hwm = agent.hwm_kb();
	printf("[large] 2 GiB registered in %.2f s (%.0f MB/s); agent peak RSS %ld KiB\n", secs, size / secs / 1e6,
	       hwm);
	EXPECT_LT(hwm, 128 * 1024);
	EXPECT_EQ(sha256_of(spooled), sha256_of(src));
	EXPECT_EQ(release_session(*c, sid), 0);
	EXPECT_FALSE(std::filesystem::exists(spooled)); // removed with the resource
	std::filesystem::remove_all(dir);
}
