// SPDX-License-Identifier: Apache-2.0
// Finding 1: the exec policy is checked on bytes the client can still change. A client whose
// genop args live in a shared memfd flips them from another thread while the agent serves
// the request: NOOP (passes the check) <-> EXEC_WITH_RESOURCE of its own LIB resource, and
// an allowlisted EXEC library <-> its own library. The agent must decide and run on one
// private copy, so the library's constructor (it leaves a marker file) never runs.
#include "rpc_test_util.hpp"
#include "shared_memfd.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#ifdef EXEC_PLUGIN

namespace {

using namespace rpctest;
using sectest::SharedMemfd;

constexpr int kMaxTries = 5000;
constexpr auto kMaxTime = std::chrono::seconds(20);

std::vector<char> file_bytes(const char *path)
{
	std::ifstream f(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

bool exists(const std::string &p)
{
	return access(p.c_str(), F_OK) == 0;
}

// Keeps rewriting one region of the shared memfd with `a` and `b` until stopped.
class Flipper {
public:
	Flipper(std::byte *where, std::vector<std::byte> a, std::vector<std::byte> b)
	    : t_([this, where, a = std::move(a), b = std::move(b)] {
		      while (!stop_.load(std::memory_order_relaxed)) {
			      // volatile stores: each flip really reaches the shared page
			      auto *dst = reinterpret_cast<volatile std::byte *>(where);
			      for (size_t i = 0; i < a.size(); ++i)
				      dst[i] = a[i];
			      for (size_t i = 0; i < b.size(); ++i)
				      dst[i] = b[i];
		      }
	      })
	{
	}
	~Flipper()
	{
		stop_ = true;
		t_.join();
	}

private:
	std::atomic<bool> stop_{false};
	std::thread t_;
};

std::vector<std::byte> bytes_of(const void *p, size_t n)
{
	auto *b = static_cast<const std::byte *>(p);
	return {b, b + n};
}

// One genop whose read args are the given (type, bytes) pairs, all in the shared memfd.
int send_genop(Client &c, int64_t sid, const std::vector<std::pair<uint32_t, iovec>> &read)
{
	v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(sid);
	std::vector<iovec> payload;
	for (auto &[type, v] : read) {
		auto *a = g->add_read();
		a->set_type(type);
		a->set_size(v.iov_len);
		a->set_has_data(true);
		payload.push_back(v);
	}
	CallResult res;
	std::string why;
	if (c.call(req, payload, res, why) != 0)
		return -1;
	return res.response.status();
}

class Toctou : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_TRUE(shm.ok());
		dir = make_temp_dir("toctou");
		marker = dir + "/constructor-ran";
		setenv("VACCEL_TEST_MARKER", marker.c_str(), 1); // inherited by the agent
	}
	void TearDown() override
	{
		unsetenv("VACCEL_TEST_MARKER");
		std::error_code ec;
		std::filesystem::remove_all(dir, ec);
	}
	// Sends `make_request` until the marker appears, kMaxTries or kMaxTime.
	template <typename F>
	int race(F &&make_request)
	{
		auto end = std::chrono::steady_clock::now() + kMaxTime;
		int tries = 0;
		while (tries < kMaxTries && std::chrono::steady_clock::now() < end && !exists(marker)) {
			if (make_request() < 0)
				break; // connection gone: reported by the caller's checks
			++tries;
		}
		return tries;
	}

	SharedMemfd shm{1 << 16};
	std::string dir, marker;
};

TEST_F(Toctou, OpCodeFlipNeverRunsUploadedLibrary)
{
	AgentProcess agent; // default policy: exec refused
	ASSERT_TRUE(agent.start(EXEC_PLUGIN)) << agent.log_text();
	Client c(sectest::zero_copy_options(agent.address(), shm));
	int64_t sid = create_session(c);
	ASSERT_GT(sid, 0);
	auto lib = file_bytes(MARKER_LIB);
	ASSERT_FALSE(lib.empty());
	int64_t rid = 0;
	ASSERT_EQ(register_blob(c, sid, "libmarker.so", lib.data(), lib.size(), VACCEL_BLOB_FILE, &rid, 0,
				VACCEL_RESOURCE_LIB),
		  0);
	ASSERT_FALSE(exists(marker)); // registering bytes runs nothing

	// read[0] op code at 0, read[1] the resource id at 64, read[2] the symbol at 128.
	std::byte *b = shm.base();
	memcpy(b + 64, &rid, sizeof(rid));
	const char sym[] = "vaccel_test_marker_fn";
	memcpy(b + 128, sym, sizeof(sym));
	const uint8_t op_noop = VACCEL_OP_NOOP, ewr = VACCEL_OP_EXEC_WITH_RESOURCE;
	int tries = 0;
	{
		Flipper flip(b, bytes_of(&op_noop, 1), bytes_of(&ewr, 1));
		tries = race([&] {
			return send_genop(c, sid,
					  {{VACCEL_ARG_UINT8, {b, 1}},
					   {VACCEL_ARG_INT64, {b + 64, sizeof(rid)}},
					   {VACCEL_ARG_STRING, {b + 128, sizeof(sym)}}});
		});
	}
	printf("[toctou] op code flip: %d tries\n", tries);
	EXPECT_FALSE(exists(marker)) << "the uploaded library's constructor ran after " << tries << " tries";
	EXPECT_TRUE(agent.alive());
	EXPECT_EQ(rpctest::noop(c, sid), 0); // and still serves its client
}

TEST_F(Toctou, AllowlistedLibraryFlipNeverRunsOtherLibrary)
{
	// Two library paths one byte apart: libA.so (the only one EXEC may load; it does not
	// exist) and libB.so (the client's code, a copy of the marker library).
	const std::string allowed = dir + "/libA.so", other = dir + "/libB.so";
	std::filesystem::copy_file(MARKER_LIB, other);
	AgentProcess agent;
	ASSERT_TRUE(agent.start(EXEC_PLUGIN, {"--exec-allowlist", allowed})) << agent.log_text();
	Client c(sectest::zero_copy_options(agent.address(), shm));
	int64_t sid = create_session(c);
	ASSERT_GT(sid, 0);

	// read[0] EXEC at 0, read[1] the library path at 256 (its 'A'/'B' byte flipped), read[2]
	// the symbol at 4096.
	std::byte *b = shm.base();
	b[0] = static_cast<std::byte>(VACCEL_OP_EXEC);
	memcpy(b + 256, allowed.c_str(), allowed.size() + 1);
	const size_t flip_at = allowed.size() - 4; // "libA.so": the 'A'
	const char sym[] = "vaccel_test_marker_fn";
	memcpy(b + 4096, sym, sizeof(sym));
	const char a_byte = 'A', b_byte = 'B';
	int tries = 0;
	{
		Flipper flip(b + 256 + flip_at, bytes_of(&a_byte, 1), bytes_of(&b_byte, 1));
		tries = race([&] {
			return send_genop(c, sid,
					  {{VACCEL_ARG_UINT8, {b, 1}},
					   {VACCEL_ARG_STRING, {b + 256, allowed.size() + 1}},
					   {VACCEL_ARG_STRING, {b + 4096, sizeof(sym)}}});
		});
	}
	printf("[toctou] allowlisted library flip: %d tries\n", tries);
	EXPECT_FALSE(exists(marker)) << "a library outside the allowlist ran after " << tries << " tries";
	EXPECT_TRUE(agent.alive());
	EXPECT_EQ(rpctest::noop(c, sid), 0);
}

} // namespace

#else
TEST(Toctou, SkippedWithoutExecPlugin)
{
	GTEST_SKIP() << "exec plugin not built";
}
#endif
