// SPDX-License-Identifier: Apache-2.0
// Finding 9 (docs/security.md): who may talk to the agent. Unix socket files are 0600 unless
// --socket-mode/--socket-group say otherwise, --allow-uid/--allow-gid admit only listed peers
// (SO_PEERCRED), tcp listeners are loopback-only unless --allow-remote, and --auth-key-file
// makes every client prove with HMAC-SHA256 over fresh nonces that it holds the shared key.
// Tests run as root: other peers are forked children that drop to uid kOtherUid.
#include "auth.hpp"
#include "rpc_test_util.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

using namespace rpctest;
namespace rpc = vaccel::rpc;

namespace {

constexpr uid_t kOtherUid = 4242;
constexpr gid_t kOtherGid = 4243;
constexpr gid_t kOtherSupplementaryGid = 4244;

// A private directory for key files, removed at the end of the test.
class TempDir {
public:
	TempDir() : path_(make_temp_dir("auth")) {}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	[[nodiscard]] const std::string &path() const { return path_; }

	std::string write(const std::string &name, const std::string &bytes, mode_t mode) const
	{
		std::string p = path_ + "/" + name;
		std::ofstream(p, std::ios::binary) << bytes;
		chmod(p.c_str(), mode);
		return p;
	}

private:
	std::string path_;
};

const std::string kKey = "0123456789abcdef0123456789abcdef"; // 32 bytes
const std::string kOtherKey = "fedcba9876543210fedcba9876543210";

enum class Netns { none, try_fresh, require_fresh };
constexpr int kNoNetns = 77;

// Runs the agent with `args` until it exits (or `wait_ms` pass: then it is killed), inside a
// fresh network namespace when asked (no interface reachable from outside even if it did
// bind; require_fresh: exit kNoNetns without running it when none can be made). Returns its
// exit status (-1: still running, killed) and its output.
int run_agent_to_exit(std::vector<std::string> args, Netns netns, int wait_ms, std::string &output)
{
	TempDir dir;
	std::string log = dir.path() + "/agent.log";
	args.insert(args.begin(), VACCEL_AGENT_BIN);
	args.insert(args.end(), {"--workdir", dir.path(), "-l", "3"});
	pid_t pid = fork();
	if (pid == 0) {
		if (netns != Netns::none && unshare(CLONE_NEWNET) != 0 && netns == Netns::require_fresh)
			_exit(kNoNetns); // try_fresh: the agent must refuse before binding anyway
		int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("VACCEL_PLUGINS", NOOP_PLUGIN, 1);
		std::vector<char *> argv;
		for (auto &a : args)
			argv.push_back(a.data());
		argv.push_back(nullptr);
		execv(argv[0], argv.data());
		_exit(127);
	}
	int status = -1;
	for (int waited = 0; waited < wait_ms; waited += 20) {
		int st = 0;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			pid = -1;
			break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, nullptr, 0);
	}
	std::ifstream f(log);
	std::stringstream ss;
	ss << f.rdbuf();
	output = ss.str();
	return status;
}

// What a peer of another uid got from the agent's unix socket.
enum PeerResult { served = 0, connect_refused = 1, closed_unanswered = 2, timed_out = 3, setup_failed = 4 };

// Forks a child that becomes uid kOtherUid (gid kOtherGid, supplementary kOtherSupplementaryGid),
// connects to `path` and says HELLO.
PeerResult other_uid_peer(const std::string &path)
{
	// The agent's private test directory must not be what keeps the peer out.
	chmod(std::filesystem::path(path).parent_path().c_str(), 0711);
	const std::string hello = hello_frame(99);
	pid_t pid = fork();
	if (pid == 0) {
		gid_t groups[] = {kOtherSupplementaryGid};
		if (setgroups(1, groups) != 0 || setgid(kOtherGid) != 0 || setuid(kOtherUid) != 0)
			_exit(setup_failed);
		int fd = raw_unix_connect(path);
		if (fd < 0)
			_exit(connect_refused);
		if (!write_all_fd(fd, hello))
			_exit(closed_unanswered);
		unsigned char head[32];
		size_t got = 0;
		while (got < sizeof(head)) {
			pollfd p{fd, POLLIN, 0};
			if (poll(&p, 1, 5000) <= 0)
				_exit(timed_out);
			ssize_t r = recv(fd, head + got, sizeof(head) - got, 0);
			if (r <= 0)
				_exit(closed_unanswered);
			got += static_cast<size_t>(r);
		}
		_exit(head[5] == static_cast<unsigned char>(rpc::FrameType::hello_ack) ? served : closed_unanswered);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? static_cast<PeerResult>(WEXITSTATUS(st)) : setup_failed;
}

mode_t socket_mode(const std::string &path)
{
	struct stat st {};
	EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
	return st.st_mode & 07777;
}

size_t count(const std::string &text, const std::string &needle)
{
	size_t n = 0;
	for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
		++n;
	return n;
}

// The agent logs after it answers: wait (bounded) for the line.
bool log_shows(const AgentProcess &agent, const std::string &line)
{
	for (int i = 0; i < 100; ++i) {
		if (agent.log_text().find(line) != std::string::npos)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return false;
}

std::unique_ptr<Client> auth_client(const std::string &addr, const std::string &key_file)
{
	ClientOptions o;
	o.address = addr;
	o.response_timeout_ms = 20000;
	o.io_timeout_ms = 5000;
	o.hello_timeout_ms = 5000;
	o.auth_key_file = key_file;
	return std::make_unique<Client>(o);
}

// ---- socket file permissions -------------------------------------------------------------------

TEST(AuthSocketMode, Is0600UnderUmask022AndOtherUidsCannotConnect)
{
	mode_t old = umask(022); // inherited by the agent: the socket mode must not follow it
	AgentProcess agent;
	bool started = agent.start(NOOP_PLUGIN);
	umask(old);
	ASSERT_TRUE(started) << agent.log_text();
	EXPECT_EQ(socket_mode(agent.socket_path()), 0600u);
	EXPECT_EQ(other_uid_peer(agent.socket_path()), connect_refused);
	auto c = make_client(agent.address());
	EXPECT_GT(create_session(*c), 0) << "the agent's own uid is served";
}

TEST(AuthSocketMode, SocketModeAndGroupOptions)
{
	mode_t old = umask(077);
	AgentProcess agent;
	bool started = agent.start(NOOP_PLUGIN, {"--socket-mode", "0660", "--socket-group", std::to_string(kOtherGid)});
	umask(old);
	ASSERT_TRUE(started) << agent.log_text();
	EXPECT_EQ(socket_mode(agent.socket_path()), 0660u);
	struct stat st {};
	ASSERT_EQ(stat(agent.socket_path().c_str(), &st), 0);
	EXPECT_EQ(st.st_gid, kOtherGid);
	EXPECT_EQ(other_uid_peer(agent.socket_path()), served) << "group members may connect";
}

TEST(AuthSocketMode, BadValuesAreRefused)
{
	std::string out;
	TempDir d;
	std::string sock = "unix://" + d.path() + "/a.sock";
	EXPECT_EQ(run_agent_to_exit({"-a", sock, "--socket-mode", "0999"}, Netns::none, 5000, out), 2) << out;
	EXPECT_NE(out.find("invalid value for --socket-mode"), std::string::npos) << out;
	EXPECT_EQ(run_agent_to_exit({"-a", sock, "--allow-uid", "no-such-user-here"}, Netns::none, 5000, out), 2)
		<< out;
	EXPECT_NE(out.find("unknown user"), std::string::npos) << out;
}

// ---- peer credentials ----------------------------------------------------------------------------

TEST(AuthPeerCredentials, PeerNotInAllowUidIsRefusedAndListedOneIsServed)
{
	AgentProcess agent;
	ASSERT_TRUE(
		agent.start(NOOP_PLUGIN, {"--socket-mode", "0666", "--allow-uid", "4250," + std::to_string(kOtherUid)}))
		<< agent.log_text();
	EXPECT_EQ(other_uid_peer(agent.socket_path()), served);

	// This test's uid (root) is not listed: closed before HELLO is answered.
	auto c = make_client(agent.address());
	std::string why;
	EXPECT_NE(c->ensure_connected(why), 0);
	EXPECT_TRUE(log_shows(agent, "refused a connection")) << agent.log_text();
	EXPECT_TRUE(log_shows(agent, "from uid " + std::to_string(getuid()) + " ")) << agent.log_text();

	// Refusals are logged at most once per second (with a count), not once each.
	auto t0 = std::chrono::steady_clock::now();
	for (int i = 0; i < 60; ++i) {
		int fd = raw_unix_connect(agent.socket_path());
		ASSERT_GE(fd, 0);
		EXPECT_TRUE(closed_by_peer(fd, 5000));
		close(fd);
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	size_t lines = count(agent.log_text(), "refused a connection");
	EXPECT_GE(lines, 1u);
	EXPECT_LE(static_cast<double>(lines), secs + 3) << agent.log_text();
	EXPECT_TRUE(agent.alive());
}

TEST(AuthPeerCredentials, AllowGidMatchesPrimaryAndSupplementaryGroups)
{
	for (gid_t g : {kOtherGid, kOtherSupplementaryGid}) {
		AgentProcess agent;
		ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--socket-mode", "0666", "--allow-gid", std::to_string(g)}))
			<< agent.log_text();
		EXPECT_EQ(other_uid_peer(agent.socket_path()), served) << "gid " << g;
		auto c = make_client(agent.address());
		std::string why;
		EXPECT_NE(c->ensure_connected(why), 0) << "root's groups are not listed";
	}
}

// ---- tcp exposure ------------------------------------------------------------------------------

TEST(AuthRemoteTcp, NonLoopbackAddressesNeedAllowRemote)
{
	// Never bound: the agent refuses before bind() (and runs in an empty network namespace).
	for (const char *addr : {"tcp://0.0.0.0:0", "tcp://[::]:0", "tcp://192.0.2.1:0", "tcp://[::ffff:10.1.2.3]:0"}) {
		std::string out;
		int status = run_agent_to_exit({"-a", addr}, Netns::try_fresh, 5000, out);
		EXPECT_EQ(status, 1) << addr << ": " << out;
		EXPECT_NE(out.find("is not a loopback address"), std::string::npos) << addr << ": " << out;
		EXPECT_NE(out.find("--allow-remote"), std::string::npos) << addr << ": " << out;
		EXPECT_EQ(out.find("listening on tcp port"), std::string::npos) << addr << ": " << out;
	}
}

TEST(AuthRemoteTcp, AllowRemoteWarnsLoudly)
{
	// Only ever inside a fresh network namespace: nothing outside this test can reach it.
	std::string out;
	int status = run_agent_to_exit({"-a", "tcp://0.0.0.0:0", "--allow-remote"}, Netns::require_fresh, 1500, out);
	if (status == kNoNetns)
		GTEST_SKIP() << "no network namespace available: not binding 0.0.0.0 outside one";
	EXPECT_EQ(status, -1) << out;
	EXPECT_NE(out.find("listening on tcp port"), std::string::npos) << out;
	EXPECT_NE(out.find("WARNING: tcp://0.0.0.0:0 accepts connections from other hosts"), std::string::npos) << out;
	EXPECT_NE(out.find("without --auth-key-file"), std::string::npos) << out;
}

TEST(AuthRemoteTcp, LoopbackNamesAndAddressesNeedNoFlag)
{
	for (const char *addr : {"tcp://127.0.0.1:0", "tcp://127.3.4.5:0", "tcp://localhost:0"}) {
		std::string out;
		EXPECT_EQ(run_agent_to_exit({"-a", addr}, Netns::none, 1500, out), -1)
			<< addr << " should keep running: " << out;
		EXPECT_NE(out.find("listening on tcp port"), std::string::npos) << addr << ": " << out;
		EXPECT_EQ(out.find("WARNING"), std::string::npos) << addr << ": " << out;
	}
}

sockaddr_storage sockaddr_of(const char *text)
{
	sockaddr_storage ss{};
	auto *in = reinterpret_cast<sockaddr_in *>(&ss);
	auto *in6 = reinterpret_cast<sockaddr_in6 *>(&ss);
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1)
		in->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
	else
		ADD_FAILURE() << text;
	return ss;
}

TEST(AuthRemoteTcp, LoopbackCheck)
{
	for (const char *a : {"127.0.0.1", "127.255.1.2", "::1", "::ffff:127.0.0.1", "::ffff:127.9.9.9"}) {
		auto ss = sockaddr_of(a);
		EXPECT_TRUE(rpc::is_loopback(reinterpret_cast<sockaddr *>(&ss))) << a;
	}
	for (const char *a : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "126.255.255.255", "::ffff:10.0.0.1",
			      "::ffff:0.0.0.0", "::127.0.0.1", "fe80::1", "::2"}) {
		auto ss = sockaddr_of(a);
		EXPECT_FALSE(rpc::is_loopback(reinterpret_cast<sockaddr *>(&ss))) << a;
	}
	// The transport refuses before binding (default options), with the way out in the message.
	rpc::Address addr;
	std::string why;
	ASSERT_EQ(rpc::parse_address("tcp://0.0.0.0:0", addr, why), 0);
	rpc::UniqueFd fd;
	EXPECT_EQ(rpc::listen_on(addr, 4, fd, why), EACCES);
	EXPECT_FALSE(fd);
	EXPECT_NE(why.find("--allow-remote"), std::string::npos) << why;
}

// ---- shared-secret handshake ---------------------------------------------------------------------

class AuthSharedSecret : public ::testing::Test {
protected:
	void SetUp() override
	{
		key_ = dir_.write("agent.key", kKey + "\n", 0600);
		ASSERT_TRUE(agent_.start(NOOP_PLUGIN, {"--auth-key-file", key_}, /*use_tcp=*/true))
			<< agent_.log_text();
	}

	// A raw connection: HELLO with `client_nonce`; returns the challenge of HELLO_ACK.
	std::string raw_hello(std::shared_ptr<rpc::Channel> &ch, const std::string &client_nonce)
	{
		return raw_hello_to(agent_, ch, client_nonce);
	}
	std::string raw_hello_to(AgentProcess &agent, std::shared_ptr<rpc::Channel> &ch,
				 const std::string &client_nonce)
	{
		rpc::Address a;
		std::string why;
		EXPECT_EQ(rpc::parse_address(agent.address(), a, why), 0);
		rpc::UniqueFd fd;
		EXPECT_EQ(rpc::connect_to(a, 5000, fd, why), 0) << why;
		ch = std::make_shared<rpc::Channel>(std::move(fd));
		v1::Hello h;
		h.set_protocol_version(1);
		h.set_nonce(5);
		h.set_auth_nonce(client_nonce);
		EXPECT_EQ(rpc::send_message(*ch, rpc::FrameType::hello, 0, h.SerializeAsString(), {}, {}), 0);
		rpc::InMessage in;
		EXPECT_EQ(rpc::recv_head(*ch, limits_, in, 5000, why), 0) << why;
		v1::HelloAck ack;
		EXPECT_TRUE(ack.ParseFromString(in.meta));
		return ack.auth_challenge();
	}

	// Sends `req` and reads its response; false when the connection ended instead.
	bool raw_call(rpc::Channel &ch, const v1::Request &req, v1::Response &resp)
	{
		std::string why;
		if (rpc::send_message(ch, rpc::FrameType::request, 1, req.SerializeAsString(), {}, {}) != 0)
			return false;
		rpc::InMessage in;
		if (rpc::recv_head(ch, limits_, in, 5000, why) != 0)
			return false;
		return in.head.type == rpc::FrameType::response && resp.ParseFromString(in.meta);
	}

	static bool ended(rpc::Channel &ch)
	{
		rpc::InMessage in;
		std::string why;
		rpc::Limits lim;
		return rpc::recv_head(ch, lim, in, 5000, why) == ECONNRESET;
	}

	TempDir dir_;
	std::string key_;
	AgentProcess agent_;
	rpc::Limits limits_;
};

TEST_F(AuthSharedSecret, RightKeyIsServed)
{
	auto c = auth_client(agent_.address(), key_);
	int64_t sid = create_session(*c);
	ASSERT_GT(sid, 0);
	EXPECT_EQ(noop(*c, sid), 0);
	// The same key without the trailing newline (raw key file) is the same key.
	auto c2 = auth_client(agent_.address(), dir_.write("raw.key", kKey, 0600));
	EXPECT_GT(create_session(*c2), 0);
}

TEST_F(AuthSharedSecret, WrongKeyIsRefused)
{
	auto c = auth_client(agent_.address(), dir_.write("other.key", kOtherKey, 0600));
	std::string why;
	EXPECT_EQ(c->ensure_connected(why), EACCES) << why;
	EXPECT_NE(why.find("wrong key"), std::string::npos) << why;
	EXPECT_TRUE(log_shows(agent_, "authentication failed (wrong key)")) << agent_.log_text();
	EXPECT_GT(create_session(*auth_client(agent_.address(), key_)), 0) << "still serves the right key";
}

TEST_F(AuthSharedSecret, NoProofIsRefused)
{
	// A client without a key says why it cannot connect.
	auto c = make_client(agent_.address());
	std::string why;
	EXPECT_EQ(c->ensure_connected(why), EACCES) << why;
	EXPECT_NE(why.find("requires authentication"), std::string::npos) << why;
	EXPECT_NE(why.find(rpc::kAuthKeyFileEnv), std::string::npos) << why;

	// A client that ignores the challenge (as clients before it did) gets a clear refusal of
	// its first request, and the connection ends.
	std::shared_ptr<rpc::Channel> ch;
	ASSERT_EQ(raw_hello(ch, "").size(), rpc::kAuthNonceSize);
	v1::Request req;
	req.mutable_session_create();
	v1::Response resp;
	ASSERT_TRUE(raw_call(*ch, req, resp));
	EXPECT_EQ(resp.status(), VACCEL_EACCES);
	EXPECT_NE(resp.error().find("requires authentication"), std::string::npos) << resp.error();
	EXPECT_TRUE(ended(*ch));
}

// A connection that said HELLO but never proves it holds the key is nobody's client yet: the
// HELLO deadline covers the proof too, so such connections cannot hold slots.
TEST_F(AuthSharedSecret, UnprovenConnectionIsClosedAtTheHelloDeadline)
{
	AgentProcess strict;
	ASSERT_TRUE(strict.start(NOOP_PLUGIN, {"--auth-key-file", key_, "--hello-timeout-ms", "1000"}, true))
		<< strict.log_text();
	std::shared_ptr<rpc::Channel> ch;
	ASSERT_EQ(raw_hello_to(strict, ch, std::string(rpc::kAuthNonceSize, 'x')).size(), rpc::kAuthNonceSize);
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_TRUE(ended(*ch)) << "a connection without its proof was still open 5 s after HELLO";
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
	EXPECT_GT(create_session(*auth_client(strict.address(), key_)), 0) << "a client with the key is served";
}

TEST_F(AuthSharedSecret, ReplayedProofFails)
{
	const std::string nonce(rpc::kAuthNonceSize, 'n');
	std::shared_ptr<rpc::Channel> first;
	std::string c1 = raw_hello(first, nonce);
	ASSERT_EQ(c1.size(), rpc::kAuthNonceSize);
	v1::Request auth;
	auth.mutable_auth()->set_proof(rpc::auth_proof(kKey, rpc::AuthRole::client, c1, nonce));
	v1::Response resp;
	ASSERT_TRUE(raw_call(*first, auth, resp));
	ASSERT_EQ(resp.status(), 0) << resp.error();
	EXPECT_EQ(resp.auth_done().proof(), rpc::auth_proof(kKey, rpc::AuthRole::agent, c1, nonce));

	// The same client nonce and the proof that worked: the new challenge makes it worthless.
	std::shared_ptr<rpc::Channel> second;
	std::string c2 = raw_hello(second, nonce);
	ASSERT_EQ(c2.size(), rpc::kAuthNonceSize);
	EXPECT_NE(c1, c2);
	ASSERT_TRUE(raw_call(*second, auth, resp));
	EXPECT_EQ(resp.status(), VACCEL_EACCES);
	EXPECT_TRUE(ended(*second));
	// Nor is the agent's own proof accepted as a client's.
	std::shared_ptr<rpc::Channel> third;
	std::string c3 = raw_hello(third, nonce);
	auth.mutable_auth()->set_proof(rpc::auth_proof(kKey, rpc::AuthRole::agent, c3, nonce));
	ASSERT_TRUE(raw_call(*third, auth, resp));
	EXPECT_EQ(resp.status(), VACCEL_EACCES);
}

TEST_F(AuthSharedSecret, ClientRefusesAnAgentThatDoesNotAuthenticate)
{
	AgentProcess plain;
	ASSERT_TRUE(plain.start(NOOP_PLUGIN, {}, true)) << plain.log_text();
	auto c = auth_client(plain.address(), key_);
	std::string why;
	EXPECT_EQ(c->ensure_connected(why), EACCES) << why;
	EXPECT_NE(why.find("does not authenticate"), std::string::npos) << why;
	EXPECT_GT(create_session(*make_client(plain.address())), 0) << "no key on either side still works";
}

TEST_F(AuthSharedSecret, WorksOnUnixSockets)
{
	AgentProcess unix_agent;
	ASSERT_TRUE(unix_agent.start(NOOP_PLUGIN, {"--auth-key-file", key_})) << unix_agent.log_text();
	EXPECT_GT(create_session(*auth_client(unix_agent.address(), key_)), 0);
	std::string why;
	EXPECT_EQ(make_client(unix_agent.address())->ensure_connected(why), EACCES) << why;
}

TEST(AuthKeyFile, WeakKeyFilesAreRefused)
{
	TempDir d;
	std::string out;
	std::string sock = "unix://" + d.path() + "/a.sock";
	std::string readable = d.write("readable.key", kKey, 0640);
	EXPECT_EQ(run_agent_to_exit({"-a", sock, "--auth-key-file", readable}, Netns::none, 5000, out), 1) << out;
	EXPECT_NE(out.find("group and others must have no access"), std::string::npos) << out;
	std::string short_key = d.write("short.key", "12345678\n", 0600);
	EXPECT_EQ(run_agent_to_exit({"-a", sock, "--auth-key-file", short_key}, Netns::none, 5000, out), 1) << out;
	EXPECT_NE(out.find("holds 8 bytes"), std::string::npos) << out;
	EXPECT_EQ(run_agent_to_exit({"-a", sock, "--auth-key-file", d.path() + "/missing"}, Netns::none, 5000, out), 1)
		<< out;

	// The client checks its key file the same way, when it connects.
	auto c = auth_client("unix://" + d.path() + "/nobody.sock", readable);
	std::string why;
	EXPECT_EQ(c->ensure_connected(why), EREMOTEIO) << "no agent there: " << why;
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--auth-key-file", d.write("good.key", kKey, 0600)}));
	EXPECT_EQ(auth_client(agent.address(), readable)->ensure_connected(why), EACCES) << why;
	EXPECT_NE(why.find("chmod 600"), std::string::npos) << why;
}

// ---- through the rpc plugin (VACCEL_RPC_AUTH_KEY_FILE) -------------------------------------------

#ifdef RPC_PLUGIN
TEST(AuthPlugin, PluginUsesTheKeyFileFromTheEnvironment)
{
	TempDir d;
	std::string key = d.write("k", kKey, 0600);
	AgentProcess agent;
	ASSERT_TRUE(agent.start(NOOP_PLUGIN, {"--auth-key-file", key}, true)) << agent.log_text();
	AgentProcess agent2;
	ASSERT_TRUE(agent2.start(NOOP_PLUGIN, {"--auth-key-file", key}, true)) << agent2.log_text();
	ASSERT_EQ(vaccel_plugin_load(RPC_PLUGIN), VACCEL_OK);

	setenv("VACCEL_RPC_ADDRESS", agent.address().c_str(), 1);
	setenv(rpc::kAuthKeyFileEnv, key.c_str(), 1);
	vaccel_session sess{};
	ASSERT_EQ(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&sess), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);

	// Another agent (the plugin reconnects once no session is left) and no key: refused.
	unsetenv(rpc::kAuthKeyFileEnv);
	setenv("VACCEL_RPC_ADDRESS", agent2.address().c_str(), 1);
	vaccel_session refused{};
	EXPECT_EQ(vaccel_session_init(&refused, VACCEL_PLUGIN_REMOTE), VACCEL_EACCES);
	unsetenv("VACCEL_RPC_ADDRESS");
}
#endif

} // namespace
