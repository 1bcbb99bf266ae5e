// SPDX-License-Identifier: Apache-2.0
// Issue 10, persistent channels: a VM reaches the agent through a channel that outlives guest
// processes (a virtio-serial port, whose host side is QEMU's chardev connected to the agent's
// unix socket) or through vsock (vaccel-vsock-bridge turns each guest connection into a unix
// connection to "<uds>_PORT"). When a tenant's worker crashes on such a channel, its client must
// get an error within 2 s, the channel must come back with a fresh worker (the chardev
// reconnecting; a new guest connection through the bridge), and another tenant must be served
// throughout. No VM and no AF_VSOCK here: the chardev is a pty relayed to the agent's socket,
// the guest's vsock driver a fake vhost-user front-end (tests/rpc/vsock_fake_frontend.hpp).
#include "crash_tenants.hpp"

#include <pty.h>
#include <sys/wait.h>
#include <termios.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#ifdef HAVE_VSOCK_FAKE_FRONTEND
#include "vsock_fake_frontend.hpp"
#include "vsock_mux.hpp"
#endif

namespace {

using namespace rpctest;

// Another tenant, on its own connection, runs noops until stopped; every one must succeed.
class SteadyTenant {
public:
	explicit SteadyTenant(const std::string &addr) : c_(make_client(addr))
	{
		sid_ = create_session(*c_);
		if (sid_ > 0)
			th_ = std::thread([this] {
				for (int i = 0; i < 100000 && !stop_.load(); ++i) { // bounded: the test stops it
					(noop(*c_, sid_) == 0 ? served_ : failed_).fetch_add(1);
					std::this_thread::sleep_for(std::chrono::milliseconds(5));
				}
			});
	}
	~SteadyTenant() { finish(); }
	void finish()
	{
		stop_.store(true);
		if (th_.joinable())
			th_.join();
	}
	[[nodiscard]] bool ok() const { return sid_ > 0; }
	std::atomic<int> served_{0}, failed_{0};

private:
	std::unique_ptr<Client> c_;
	int64_t sid_ = -1;
	std::atomic<bool> stop_{false};
	std::thread th_;
};

// QEMU's virtio-serial chardev (`-chardev socket,path=AGENT_SOCK,reconnect=N`) and the guest's
// port: the guest side is a pty reached by a fixed path (a symlink, as /dev/virtio-ports/NAME is
// in the guest), relayed to a unix connection to the agent. When the agent's end closes, the
// guest's port loses its host (the pty is hung up: a guest process's read fails, as a virtio
// port's read returns 0), and the chardev reconnects to the same socket after a delay (QEMU's
// reconnect=, in seconds there; shorter here), behind a fresh port the same path names.
class SerialChardev {
public:
	SerialChardev(std::string agent_sock, std::string port_path)
	    : sock_path_(std::move(agent_sock)), port_(std::move(port_path))
	{
		ok_ = attach();
		if (ok_)
			th_ = std::thread([this] { relay(); });
	}
	~SerialChardev()
	{
		stop_.store(true);
		if (th_.joinable())
			th_.join();
		detach();
	}
	[[nodiscard]] bool ok() const { return ok_; }
	[[nodiscard]] int connects() const { return connects_.load(); }
	// Waits (bounded) until the chardev has connected `n` times in all.
	bool wait_connects(int n, int timeout_ms = 5000) const
	{
		for (int i = 0; i < timeout_ms / 10 && connects_.load() < n; ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		return connects_.load() >= n;
	}
	std::string address() const { return "serial://" + port_; }
	// Bytes the chardev delivers first after its next reconnect: what a guest process wrote
	// while the host side was gone (QEMU holds a port's unsent guest bytes and sends them once
	// the chardev is connected again), e.g. the rest of a frame it was sending when it died.
	void leave_on_reconnect(std::string bytes)
	{
		std::lock_guard lock(stale_lock_);
		stale_ = std::move(bytes);
	}

private:
	bool attach()
	{
		char name[128];
		if (openpty(&master_, &slave_, name, nullptr, nullptr) != 0)
			return false;
		termios t{};
		tcgetattr(slave_, &t);
		cfmakeraw(&t);
		tcsetattr(slave_, TCSANOW, &t);
		std::string tmp = port_ + ".new";
		unlink(tmp.c_str());
		if (symlink(name, tmp.c_str()) != 0 || rename(tmp.c_str(), port_.c_str()) != 0)
			return false;
		sock_ = raw_unix_connect(sock_path_);
		if (sock_ < 0)
			return false;
		connects_.fetch_add(1);
		return true;
	}
	void detach()
	{
		for (int *fd : {&sock_, &master_, &slave_})
			if (*fd >= 0) {
				close(*fd);
				*fd = -1;
			}
	}
	void relay()
	{
		char b[65536];
		while (!stop_.load()) {
			pollfd p[2] = {{master_, POLLIN, 0}, {sock_, POLLIN, 0}};
			if (poll(p, 2, 20) <= 0)
				continue;
			bool host_gone = false;
			if (p[0].revents & POLLIN) {
				ssize_t n = read(master_, b, sizeof(b));
				if (n > 0 && !write_all_fd(sock_, std::string(b, n)))
					host_gone = true;
			}
			if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t n = recv(sock_, b, sizeof(b), 0);
				if (n <= 0)
					host_gone = true;
				for (ssize_t off = 0; n > 0 && off < n;) {
					ssize_t w = write(master_, b + off, n - off);
					if (w <= 0)
						break;
					off += w;
				}
			}
			if (!host_gone)
				continue;
			detach();                                       // the guest's port loses its host
			for (int i = 0; i < 50 && !stop_.load(); ++i) { // bounded: 5 s of retries
				std::this_thread::sleep_for(std::chrono::milliseconds(100)); // reconnect delay
				detach();
				if (attach()) {
					std::lock_guard lock(stale_lock_);
					if (!stale_.empty() && write_all_fd(sock_, stale_))
						stale_.clear();
					break;
				}
			}
			if (sock_ < 0)
				return;
		}
	}

	std::string sock_path_, port_;
	int master_ = -1, slave_ = -1, sock_ = -1;
	bool ok_ = false;
	std::atomic<int> connects_{0};
	std::atomic<bool> stop_{false};
	std::mutex stale_lock_;
	std::string stale_;
	std::thread th_;
};

const std::string kPlugins = std::string(NOOP_PLUGIN) + ":" CRASH_PLUGIN;

// The crashing tenant's client gets an error within 2 s; the channel's next client (a new
// guest process, or a new guest connection) gets a fresh worker: session id 1, served.
void crash_then_reconnect(const AgentProcess &agent, const std::function<std::unique_ptr<Client>()> &connect,
			  const std::function<bool()> &channel_back, const char *crash)
{
	SteadyTenant other(agent.address());
	ASSERT_TRUE(other.ok()) << agent.log_text();
	{
		auto c = connect();
		const int64_t sid = crashtest_session(*c);
		ASSERT_EQ(sid, 1) << agent.log_text();
		std::string text;
		ASSERT_EQ(classify(*c, sid, "hello", &text), 0) << agent.log_text();
		EXPECT_EQ(text, "crashtest ok");
		ASSERT_EQ(crashtest_session(*c), 2) << "a second session on the same worker";
		const auto t0 = Clock::now();
		EXPECT_LE(classify(*c, sid, crash), -1000) << "the crashing call returned instead of failing";
		EXPECT_LT(ms_since(t0), 2000) << "the crashed tenant's call took more than 2 s to fail";
	}
	ASSERT_TRUE(channel_back()) << "the channel did not come back after the worker crashed\n" << agent.log_text();
	auto c = connect();
	const auto t0 = Clock::now();
	const int64_t sid = crashtest_session(*c);
	EXPECT_EQ(sid, 1) << "the channel's next client must get a fresh worker\n" << agent.log_text();
	std::string text;
	EXPECT_EQ(classify(*c, sid, "again", &text), 0) << agent.log_text();
	EXPECT_EQ(text, "crashtest ok");
	printf("[persistent] next client served %ld ms after the channel came back\n", ms_since(t0));
	other.finish();
	EXPECT_GT(other.served_.load(), 0);
	EXPECT_EQ(other.failed_.load(), 0) << "the other tenant was not served throughout";
	EXPECT_TRUE(agent.alive());
}

TEST(PersistentChannels, VirtioSerialChardevReconnectsToAFreshWorker)
{
	let_crashes_be_signals();
	AgentProcess agent;
	ASSERT_TRUE(agent.start(kPlugins, {"--hello-timeout-ms", "0"})) << agent.log_text();
	SerialChardev port(agent.socket_path(), agent.dir() + "/vport");
	ASSERT_TRUE(port.ok());
	crash_then_reconnect(
		agent, [&] { return make_client(port.address(), 0); }, [&] { return port.wait_connects(2); }, "segv");
	EXPECT_EQ(port.connects(), 2) << "one reconnect of the chardev, no more";
	EXPECT_TRUE(log_has(agent, "died of SIGSEGV")) << agent.log_text();
}

// The reconnected chardev first delivers the torn end of a frame (a guest process killed while
// the agent end was gone): the fresh worker must skip it to the next guest process's HELLO, as
// the worker before it resynchronised after a client crash, not drop the channel again (its
// next client would then fail too).
TEST(PersistentChannels, VirtioSerialSkipsStaleBytesAfterReconnect)
{
	let_crashes_be_signals();
	AgentProcess agent;
	ASSERT_TRUE(agent.start(kPlugins, {"--hello-timeout-ms", "0"})) << agent.log_text();
	SerialChardev port(agent.socket_path(), agent.dir() + "/vport");
	ASSERT_TRUE(port.ok());
	port.leave_on_reconnect(
		frame_bytes(vaccel::rpc::FrameType::request, vaccel::rpc::frame_flags::end, 9, "", 5000, 5000) +
		std::string(100, 'x'));
	crash_then_reconnect(
		agent, [&] { return make_client(port.address(), 0); }, [&] { return port.wait_connects(2); }, "segv");
	EXPECT_EQ(port.connects(), 2) << "the channel was dropped again after its reconnect\n" << agent.log_text();
}

TEST(PersistentChannels, VirtioSerialSurvivesRepeatedCrashes)
{
	let_crashes_be_signals();
	AgentProcess agent;
	ASSERT_TRUE(agent.start(kPlugins, {"--hello-timeout-ms", "0"})) << agent.log_text();
	SerialChardev port(agent.socket_path(), agent.dir() + "/vport");
	ASSERT_TRUE(port.ok());
	for (int i = 0; i < 3; ++i) {
		auto c = make_client(port.address(), 0);
		const int64_t sid = crashtest_session(*c);
		ASSERT_EQ(sid, 1) << "round " << i << "\n" << agent.log_text();
		EXPECT_LE(classify(*c, sid, i % 2 ? "abort" : "fpe"), -1000);
		c.reset();
		ASSERT_TRUE(port.wait_connects(i + 2)) << agent.log_text();
	}
	EXPECT_TRUE(log_has(agent, "died of SIGABRT")) << agent.log_text();
	EXPECT_TRUE(log_has(agent, "died of SIGFPE")) << agent.log_text();
}

#ifdef HAVE_VSOCK_FAKE_FRONTEND
using vbridge::Header;
using vbridge::Op;

// The guest's vsock driver for rpc clients: each unix connection to `path` becomes a guest vsock
// connection to (host, port) through a real vaccel-vsock-bridge (driven by the fake front-end,
// on this object's thread), and bytes are copied both ways within the bridge's credit. What a
// guest kernel does on SHUTDOWN and RST is done to the client's socket: SHUTDOWN from the host
// ends the client's reads (EOF); RST closes it.
class GuestVsock {
public:
	GuestVsock(const std::string &listen_path, uint32_t port) : port_(port)
	{
		vbridge::BridgeConfig cfg;
		f_ = std::make_unique<vtest::FakeFrontend>(cfg);
		f_->handshake();
		f_->post_rx(32);
		listener_ = vtest::listen_unix(listen_path);
		th_ = std::thread([this] { run(); });
	}
	~GuestVsock()
	{
		stop_.store(true);
		if (th_.joinable())
			th_.join();
	}
	[[nodiscard]] std::string uds() const { return f_->uds; }
	[[nodiscard]] int host_closes() const { return host_closes_.load(); }

private:
	struct Conn {
		vtest::UniqueFd fd;
		uint32_t gp = 0;
		bool established = false;
		uint32_t peer_buf = 0, peer_fwd = 0, tx = 0; // the bridge's credit for our bytes
		uint32_t rx = 0, reported = 0;               // bytes we consumed, and last told
	};

	Header hdr(Conn &c, Op op, uint32_t len = 0)
	{
		f_->guest_fwd_cnt = c.rx;
		c.reported = c.rx;
		return f_->hdr(op, c.gp, port_, len);
	}

	void run()
	{
		std::map<uint32_t, Conn> conns;
		uint32_t next_gp = 40000;
		while (!stop_.load()) {
			if (auto fd = vtest::accept_one(listener_.get(), 0); fd.valid()) {
				Conn c;
				c.fd = std::move(fd);
				c.gp = next_gp++;
				f_->send(hdr(c, Op::request));
				conns.emplace(c.gp, std::move(c));
			}
			Header h;
			std::vector<std::byte> p;
			while (f_->recv(h, p, 2)) {
				auto it = conns.find(h.dst_port);
				if (it == conns.end())
					continue;
				Conn &c = it->second;
				c.peer_buf = h.buf_alloc;
				c.peer_fwd = h.fwd_cnt;
				if (h.op == Op::response) {
					c.established = true;
				} else if (h.op == Op::rw) {
					rpctest::write_all_fd(
						c.fd.get(),
						std::string(reinterpret_cast<const char *>(p.data()), p.size()));
					c.rx += static_cast<uint32_t>(p.size());
					if (c.rx - c.reported >= 65536)
						f_->send(hdr(c, Op::credit_update));
				} else if (h.op == Op::credit_request) {
					f_->send(hdr(c, Op::credit_update));
				} else if (h.op == Op::shutdown || h.op == Op::rst) {
					// The host end closed: the client reads EOF; a guest kernel answers a full
					// SHUTDOWN with RST and forgets the connection.
					if (h.op == Op::shutdown)
						f_->send(hdr(c, Op::rst));
					host_closes_.fetch_add(1);
					conns.erase(it);
				}
			}
			for (auto it = conns.begin(); it != conns.end();) {
				if (!pump(it->second)) {
					it = conns.erase(it);
					continue;
				}
				++it;
			}
		}
	}

	// Client bytes to the bridge; false when the client closed (the guest shuts down and resets).
	bool pump(Conn &c)
	{
		if (!c.established)
			return true;
		const uint32_t credit = vbridge::peer_credit(c.peer_buf, c.tx, c.peer_fwd);
		if (credit == 0)
			return true;
		char b[16384];
		ssize_t n = recv(c.fd.get(), b, std::min<size_t>(sizeof(b), credit), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		if (n == 0) {
			auto sh = hdr(c, Op::shutdown);
			sh.flags = vbridge::kShutdownRcv | vbridge::kShutdownSend;
			f_->send(sh);
			return false;
		}
		std::vector<std::byte> payload(reinterpret_cast<std::byte *>(b), reinterpret_cast<std::byte *>(b) + n);
		f_->send(hdr(c, Op::rw, static_cast<uint32_t>(n)), payload);
		c.tx += static_cast<uint32_t>(n);
		return true;
	}

	uint32_t port_;
	std::unique_ptr<vtest::FakeFrontend> f_;
	vtest::UniqueFd listener_;
	std::atomic<int> host_closes_{0};
	std::atomic<bool> stop_{false};
	std::thread th_;
};

TEST(PersistentChannels, VsockBridgeGuestReconnectsToAFreshWorker)
{
	let_crashes_be_signals();
	// The bridge's prefix is the fake front-end's: start the guest side first, then the agent on
	// "<uds>_2048" (as under Firecracker), then let rpc clients in through the guest side.
	const std::string guest_dir = make_temp_dir("guest");
	GuestVsock guest(guest_dir + "/vsock.sock", 2048);
	AgentProcess agent;
	ASSERT_TRUE(agent.start(kPlugins, {"-a", "unix://" + guest.uds() + "_2048"})) << agent.log_text();
	for (int i = 0; i < 200 && access((guest.uds() + "_2048").c_str(), F_OK) != 0; ++i) // bounded: 5 s
		std::this_thread::sleep_for(std::chrono::milliseconds(25));
	const std::string addr = "unix://" + guest_dir + "/vsock.sock";
	crash_then_reconnect(
		agent, [&] { return make_client(addr, 0); }, [&] { return guest.host_closes() >= 1; }, "abort");
	EXPECT_TRUE(log_has(agent, "died of SIGABRT")) << agent.log_text();
	std::error_code ec;
	std::filesystem::remove_all(guest_dir, ec);
}
#endif

} // namespace
