// SPDX-License-Identifier: Apache-2.0
// Finding 7: with --allow-url-resources, a client's URL must not reach the host's own network
// (loopback, private, link-local ...) unless the operator allowlists it, redirects must not
// lead elsewhere, and the client must not tell a closed port from an open one (one error for
// every fetch failure). Everything here runs on 127.0.0.1 only: refused addresses are refused
// before any connection is made.
#include "rpc_test_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

using namespace rpctest;

namespace {

// A tiny HTTP/1.0 server on 127.0.0.1: fixed answers per path ("Location: X" answers are 302
// redirects), 404 otherwise. Records every request line. Stopped in the destructor.
class LoopbackHttp {
public:
	explicit LoopbackHttp(std::map<std::string, std::string> paths) : paths_(std::move(paths))
	{
		fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t len = sizeof(a);
		if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0 || listen(fd_, 16) != 0 ||
		    getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len) != 0)
			throw std::runtime_error("cannot listen on 127.0.0.1");
		port_ = ntohs(a.sin_port);
		thread_ = std::thread([this] { serve(); });
	}
	~LoopbackHttp()
	{
		stop_ = true;
		thread_.join();
		close(fd_);
	}
	int port() const { return port_; }
	std::string url(const std::string &path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
	size_t requests()
	{
		std::lock_guard l(lock_);
		return seen_.size();
	}
	bool saw(const std::string &line)
	{
		std::lock_guard l(lock_);
		for (auto &s : seen_)
			if (s.rfind(line, 0) == 0)
				return true;
		return false;
	}

private:
	void serve()
	{
		while (!stop_) {
			pollfd p{fd_, POLLIN, 0};
			if (poll(&p, 1, 50) <= 0)
				continue;
			int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			answer(c);
			close(c);
		}
	}
	void answer(int c)
	{
		std::string req;
		char buf[1024];
		for (int i = 0; i < 50 && req.find("\r\n\r\n") == std::string::npos && req.size() < 16384; ++i) {
			pollfd p{c, POLLIN, 0};
			if (poll(&p, 1, 100) <= 0)
				continue;
			ssize_t n = read(c, buf, sizeof(buf));
			if (n <= 0)
				return;
			req.append(buf, static_cast<size_t>(n));
		}
		std::string line = req.substr(0, req.find("\r\n"));
		{
			std::lock_guard l(lock_);
			seen_.push_back(line);
		}
		std::string method = line.substr(0, line.find(' '));
		std::string path = line.substr(method.size() + 1);
		path = path.substr(0, path.find(' '));
		std::string head, body;
		auto it = paths_.find(path);
		if (it == paths_.end()) {
			head = "HTTP/1.0 404 Not Found\r\n";
			body = "no such document\n";
		} else if (it->second.rfind("Location: ", 0) == 0) {
			head = "HTTP/1.0 302 Found\r\n" + it->second + "\r\n";
			body = "moved\n";
		} else {
			head = "HTTP/1.0 200 OK\r\n";
			body = it->second;
		}
		std::string out =
			head + "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
		if (method != "HEAD")
			out += body;
		ssize_t ignored = write(c, out.data(), out.size());
		(void)ignored;
	}

	std::map<std::string, std::string> paths_;
	int fd_ = -1;
	int port_ = 0;
	std::atomic<bool> stop_{false};
	std::thread thread_;
	std::mutex lock_;
	std::vector<std::string> seen_;
};

// A port nothing listens on (bound, then closed).
int closed_port()
{
	LoopbackHttp s({});
	return s.port();
}

struct Outcome {
	int status = -1;
	std::string error;
};

// Registers a URL resource in a fresh session; returns the agent's answer.
Outcome register_url(const AgentProcess &agent, const std::string &url)
{
	auto c = make_client(agent.address());
	int64_t sid = create_session(*c);
	EXPECT_GT(sid, 0);
	v1::Request req;
	auto *m = req.mutable_resource_register();
	m->set_session_id(sid);
	m->set_type(VACCEL_RESOURCE_DATA);
	m->add_urls(url);
	CallResult res;
	EXPECT_EQ(call(*c, req, res), 0);
	return {res.response.status(), res.response.error()};
}

constexpr const char *kSecret = "TOP-SECRET internal document\n";

class Ssrf : public ::testing::Test {
protected:
	LoopbackHttp internal{{{"/secret", kSecret}}};
};

} // namespace

// No allowlist: a loopback URL is refused, and the internal server never sees a request.
TEST_F(Ssrf, LoopbackRefusedWithoutAllowlist)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--allow-url-resources"})) << agent.log_text();
	Outcome o = register_url(agent, internal.url("/secret"));
	EXPECT_NE(o.status, 0) << "the internal document was fetched for the client";
	EXPECT_EQ(internal.requests(), 0u);
}

// The check is on the address connected to, so other spellings of loopback are refused too:
// a name, the unspecified address, a decimal address, v4-mapped and plain IPv6 loopback.
TEST_F(Ssrf, LoopbackInAnySpellingRefused)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--allow-url-resources"})) << agent.log_text();
	std::string port = std::to_string(internal.port());
	for (const std::string host : {"localhost", "0.0.0.0", "2130706433", "[::ffff:127.0.0.1]", "[::1]", "127.1"}) {
		Outcome o = register_url(agent, "http://" + host + ":" + port + "/secret");
		EXPECT_NE(o.status, 0) << host;
	}
	EXPECT_EQ(internal.requests(), 0u);
}

// A redirect from an allowlisted host:port to one that is not is refused, with or without
// --url-allow-redirects (each hop is checked); the target never sees a request.
TEST_F(Ssrf, RedirectToNonAllowlistedRefused)
{
	LoopbackHttp front(
		{{"/model", "Location: " + internal.url("/secret")}, {"/self", "Location: /ok"}, {"/ok", "fine"}});
	std::string allow = "127.0.0.1:" + std::to_string(front.port());
	{
		AgentProcess agent;
		ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--allow-url-resources", "--url-allow-host", allow}))
			<< agent.log_text();
		EXPECT_NE(register_url(agent, front.url("/model")).status, 0);
		EXPECT_NE(register_url(agent, front.url("/self")).status, 0) << "redirects are off by default";
	}
	{
		AgentProcess agent;
		ASSERT_TRUE(agent.start(NOOP_PLUGIN,
					{"--allow-url-resources", "--url-allow-host", allow, "--url-allow-redirects"}))
			<< agent.log_text();
		EXPECT_NE(register_url(agent, front.url("/model")).status, 0);
		EXPECT_EQ(register_url(agent, front.url("/self")).status, 0) << agent.log_text();
		EXPECT_TRUE(front.saw("GET /ok "));
	}
	EXPECT_EQ(internal.requests(), 0u);
}

// The client gets one answer for every failure: a closed port, an open port without the
// document, a refused address. (The agent log says which.)
TEST_F(Ssrf, ClosedAndOpenPortsLookTheSame)
{
	std::string closed = "http://127.0.0.1:" + std::to_string(closed_port()) + "/secret";
	std::string missing = internal.url("/missing");
	AgentProcess plain;
	ASSERT_TRUE(plain.start(NOOP_PLUGIN, {"--allow-url-resources"})) << plain.log_text();
	Outcome a = register_url(plain, closed), b = register_url(plain, missing);
	EXPECT_NE(a.status, 0);
	EXPECT_EQ(a.status, b.status);
	EXPECT_EQ(a.error, b.error);

	AgentProcess trusting;
	ASSERT_TRUE(trusting.start(NOOP_PLUGIN, {"--allow-url-resources", "--url-allow-host", "127.0.0.0/8"}))
		<< trusting.log_text();
	Outcome c = register_url(trusting, closed), d = register_url(trusting, missing);
	// vAccel 0.8: the URL is fetched at register (a GET), never probed at init.
	EXPECT_TRUE(internal.saw("GET /missing ")) << "the allowlisted server was asked";
	for (const Outcome &o : {c, d}) {
		EXPECT_EQ(o.status, a.status);
		EXPECT_EQ(o.error, a.error);
	}
}

// With the allowlist naming the host (and port), fetching works.
TEST_F(Ssrf, AllowlistedHostIsFetched)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--allow-url-resources", "--url-allow-host",
					      "127.0.0.1:" + std::to_string(internal.port())}))
		<< agent.log_text();
	Outcome o = register_url(agent, internal.url("/secret"));
	EXPECT_EQ(o.status, 0) << o.error << "\n" << agent.log_text();
	EXPECT_TRUE(internal.saw("GET /secret "));
}

// Allowlist entries are validated at start.
TEST(SsrfOptions, InvalidAllowlistEntryRefusedAtStart)
{
	AgentProcess agent;
	EXPECT_FALSE(agent.start(NOOP_PLUGIN, {"--allow-url-resources", "--url-allow-host", "10.0.0.0/33"}));
	EXPECT_NE(agent.log_text().find("url-allow-host"), std::string::npos) << agent.log_text();
}
