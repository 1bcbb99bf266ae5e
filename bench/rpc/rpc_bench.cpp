// SPDX-License-Identifier: Apache-2.0
// Remote-path benchmark, everything measured side by side in one run:
//  1. 64 B-class round trip: raw socket ping-pong floor vs genop NOOP through vaccel-agent
//     (protocol client) vs vaccel_noop() through libvaccel + libvaccel-rpc.so; unix and tcp.
//  2. Payload throughput (1 MiB, 64 MiB, 1 GiB): raw streaming vs through the agent, streamed
//     and (unix) sealed memfd: copied into the client's pool, or zero copy from a
//     vaccel_shm_alloc() buffer; memcpy of the same size for reference.
//  3. classify through the agent vs in-process with the same plugin.
//  4. Aggregate noop and 1 MiB throughput with 1, 4 and 16 concurrent clients.
//  --threads (run it unpinned): 1/4/16 threads on one connection vs one connection each, and
//     classify images/s with 1/2/4 threads in-process vs through the agent on one connection.
// Every loop is bounded by an iteration count and a time cap.
//
// usage: rpc_bench [--quick] [--threads | --classify-only] [--agent-workers N] [--classify-plugin PATH --model PATH] [--image PATH]
// (--agent-workers: the agents' --workers; 0 serves each connection's calls one at a time)
#include "client.hpp"
#include "transport.hpp"
#include "vaccel_rpc.pb.h"

#include <vaccel.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono;
using vaccel::rpc::CallResult;
using vaccel::rpc::Client;
using vaccel::rpc::ClientOptions;
namespace v1 = vaccel::rpc::v1;

namespace {

bool g_quick = false;
std::string g_agent_workers = "4"; // --workers of the agents this benchmark starts
std::string g_tmp;

double now_s()
{
	return duration<double>(steady_clock::now().time_since_epoch()).count();
}

struct Stats {
	double p50 = 0, p99 = 0, mean = 0;
};

Stats stats_us(std::vector<double> v)
{
	Stats s;
	if (v.empty())
		return s;
	std::sort(v.begin(), v.end());
	s.p50 = v[v.size() / 2];
	s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
	double sum = 0;
	for (double x : v)
		sum += x;
	s.mean = sum / v.size();
	return s;
}

// ---- raw floor server (separate process, like the agent) ----------------------------------

bool read_full(int fd, void *p, size_t n)
{
	auto *b = static_cast<char *>(p);
	while (n) {
		ssize_t r = read(fd, b, n);
		if (r <= 0)
			return false;
		b += r;
		n -= r;
	}
	return true;
}

bool write_full(int fd, const void *p, size_t n)
{
	auto *b = static_cast<const char *>(p);
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		b += w;
		n -= w;
	}
	return true;
}

// Protocol: [u64 len][len bytes] -> [u64 len]. The payload lands in a buffer of its own size
// (reused across messages), as a consumer that hands the bytes on must do.
void raw_serve(int cfd)
{
	std::vector<char> buf;
	for (;;) {
		uint64_t len;
		if (!read_full(cfd, &len, 8))
			break;
		if (buf.size() < len)
			buf.resize(len);
		if (!read_full(cfd, buf.data(), len))
			break;
		if (!write_full(cfd, &len, 8))
			break;
	}
	close(cfd);
}

pid_t start_raw_server(const std::string &addr_text, std::string &connect_addr)
{
	vaccel::rpc::Address a;
	std::string why;
	vaccel::rpc::parse_address(addr_text, a, why);
	vaccel::rpc::UniqueFd lfd;
	if (vaccel::rpc::listen_on(a, 64, lfd, why)) {
		fprintf(stderr, "raw listen: %s\n", why.c_str());
		return -1;
	}
	connect_addr = a.kind == vaccel::rpc::Address::Kind::tcp
			       ? "tcp://127.0.0.1:" + std::to_string(vaccel::rpc::bound_tcp_port(lfd.get()))
			       : addr_text;
	pid_t pid = fork();
	if (pid == 0) {
		for (;;) {
			int c = accept(lfd.get(), nullptr, nullptr);
			if (c < 0)
				continue;
			int one = 1;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			std::thread(raw_serve, c).detach();
		}
	}
	return pid;
}

int raw_connect(const std::string &addr)
{
	vaccel::rpc::Address a;
	std::string why;
	vaccel::rpc::parse_address(addr, a, why);
	vaccel::rpc::UniqueFd fd;
	if (vaccel::rpc::connect_to(a, 5000, fd, why))
		return -1;
	int f = fd.release();
	int fl = fcntl(f, F_GETFL);
	fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
	return f;
}

// ---- agent process ---------------------------------------------------------------------------

struct Agent {
	pid_t pid = -1;
	std::string addr;
};

Agent start_agent(const std::string &plugins, bool tcp, const std::string &tag)
{
	Agent ag;
	std::string log = g_tmp + "/agent-" + tag + ".log";
	std::string sock = g_tmp + "/agent-" + tag + ".sock";
	ag.pid = fork();
	if (ag.pid == 0) {
		int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("VACCEL_PLUGINS", plugins.c_str(), 1);
		setenv("VACCEL_LOG_LEVEL", "1", 1);
		std::string a = tcp ? "tcp://127.0.0.1:0" : "unix://" + sock;
		// Limits above the defaults: the throughput table sends 1 GiB payloads.
		execl(VACCEL_AGENT_BIN, VACCEL_AGENT_BIN, "-a", a.c_str(), "--workdir", g_tmp.c_str(),
		      "--retain-buffer", "2G", "-l", "1", "--workers", g_agent_workers.c_str(), "--max-payload", "2G",
		      "--max-response", "2G", "--max-connection-bytes", "6G", "--max-memory", "8G", nullptr);
		_exit(127);
	}
	for (int i = 0; i < 200; ++i) {
		std::this_thread::sleep_for(milliseconds(25));
		std::ifstream f(log);
		std::stringstream ss;
		ss << f.rdbuf();
		auto s = ss.str();
		auto p = s.find("tcp port ");
		if (tcp && p != std::string::npos) {
			ag.addr = "tcp://127.0.0.1:" + std::to_string(atoi(s.c_str() + p + 9));
			return ag;
		}
		if (!tcp && access(sock.c_str(), F_OK) == 0) {
			ag.addr = "unix://" + sock;
			return ag;
		}
	}
	fprintf(stderr, "agent did not start (see %s)\n", log.c_str());
	return ag;
}

void stop_process(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	int st;
	for (int i = 0; i < 100; ++i) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		std::this_thread::sleep_for(milliseconds(20));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

// memfd_min: 0 streams every payload, 1 copies it into a pooled sealed memfd; `shared` sends
// payloads that lie in vaccel_shm_alloc() buffers as ranges of their memfds (zero copy).
std::unique_ptr<Client> client(const std::string &addr, size_t memfd_min, bool shared = false)
{
	ClientOptions o;
	o.address = addr;
	o.memfd_min = memfd_min;
	o.memfd_max = 2ull << 30;
	if (shared)
		o.find_shared = vaccel_shm_lookup;
	return std::make_unique<Client>(o);
}

int64_t session(Client &c)
{
	v1::Request req;
	req.mutable_session_create();
	CallResult res;
	std::string why;
	if (c.call(req, {}, res, why) || res.response.status())
		return -1;
	return res.response.session_created().session_id();
}

// genop NOOP, or OPENCV (pass-through op of the noop plugin) carrying a payload of n bytes.
int genop_payload(Client &c, int64_t sid, const void *data, size_t n, CallResult &res)
{
	static const uint8_t op_noop = VACCEL_OP_NOOP, op_cv = VACCEL_OP_OPENCV;
	v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(sid);
	auto *a = g->add_read();
	a->set_type(VACCEL_ARG_UINT8);
	a->set_size(1);
	a->set_has_data(true);
	std::vector<iovec> iov{{const_cast<uint8_t *>(n ? &op_cv : &op_noop), 1}};
	if (n) {
		auto *b = g->add_read();
		b->set_type(VACCEL_ARG_BUFFER);
		b->set_size(n);
		b->set_has_data(true);
		iov.push_back({const_cast<void *>(data), n});
	}
	std::string why;
	if (int r = c.call(req, iov, res, why))
		return -r;
	return res.response.status();
}

// ---- 1. latency ------------------------------------------------------------------------------

std::vector<double> raw_pingpong(const std::string &addr, size_t size, int iters)
{
	int fd = raw_connect(addr);
	std::vector<char> msg(size, 1);
	uint64_t len = size - 8;
	memcpy(msg.data(), &len, 8);
	std::vector<double> t;
	char back[8];
	for (int i = 0; i < iters + 1000; ++i) {
		double t0 = now_s();
		write_full(fd, msg.data(), msg.size());
		read_full(fd, back, 8);
		if (i >= 1000)
			t.push_back((now_s() - t0) * 1e6);
	}
	close(fd);
	return t;
}

std::vector<double> agent_noop(const std::string &addr, int iters)
{
	auto c = client(addr, 0);
	int64_t sid = session(*c);
	std::vector<double> t;
	CallResult res;
	for (int i = 0; i < iters + 1000; ++i) {
		double t0 = now_s();
		if (genop_payload(*c, sid, nullptr, 0, res) != 0)
			fprintf(stderr, "noop failed\n");
		if (i >= 1000)
			t.push_back((now_s() - t0) * 1e6);
	}
	return t;
}

std::vector<double> api_noop(const std::string &addr, int iters)
{
	setenv("VACCEL_RPC_ADDRESS", addr.c_str(), 1);
	vaccel_session sess{};
	std::vector<double> t;
	if (vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE) != VACCEL_OK) {
		fprintf(stderr, "api session failed\n");
		return t;
	}
	for (int i = 0; i < iters + 1000; ++i) {
		double t0 = now_s();
		vaccel_noop(&sess);
		if (i >= 1000)
			t.push_back((now_s() - t0) * 1e6);
	}
	vaccel_session_release(&sess);
	return t;
}

void bench_latency(const std::string &kind, const std::string &raw_addr, const std::string &agent_addr)
{
	int iters = g_quick ? 2000 : 20000;
	// Request of a noop genop is ~48 B on the wire, the response ~36 B: 64 B ping-pong floor.
	auto raw = stats_us(raw_pingpong(raw_addr, 64, iters));
	auto ag = stats_us(agent_noop(agent_addr, iters));
	auto api = stats_us(api_noop(agent_addr, iters));
	printf("| %s | %.1f / %.1f | %.1f / %.1f (%.2fx) | %.1f / %.1f (%.2fx) |\n", kind.c_str(), raw.p50, raw.p99,
	       ag.p50, ag.p99, ag.p50 / raw.p50, api.p50, api.p99, api.p50 / raw.p50);
	fflush(stdout);
}

// ---- 2. throughput ---------------------------------------------------------------------------

double raw_stream_gbps(const std::string &addr, const std::vector<char> &buf, int iters, double cap_s)
{
	int fd = raw_connect(addr);
	uint64_t len = buf.size();
	uint64_t back;
	double t0 = 0;
	int n = -1; // iteration -1 warms up the server's buffer, like the agent runs' warm-up call
	for (; n < iters && (n <= 0 || now_s() - t0 < cap_s); ++n) {
		if (n == 0)
			t0 = now_s();
		iovec iov[2] = {{&len, 8}, {const_cast<char *>(buf.data()), buf.size()}};
		msghdr m{};
		m.msg_iov = iov;
		m.msg_iovlen = 2;
		size_t total = 8 + buf.size();
		// Single gather write per message, as the agent path does.
		while (total) {
			ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			total -= w;
			while (w > 0 && m.msg_iovlen) {
				if (static_cast<size_t>(w) >= m.msg_iov[0].iov_len) {
					w -= m.msg_iov[0].iov_len;
					m.msg_iov++;
					m.msg_iovlen--;
				} else {
					m.msg_iov[0].iov_base = static_cast<char *>(m.msg_iov[0].iov_base) + w;
					m.msg_iov[0].iov_len -= w;
					w = 0;
				}
			}
		}
		read_full(fd, &back, 8);
	}
	double dt = now_s() - t0;
	close(fd);
	return n * static_cast<double>(buf.size()) / dt / 1e9;
}

double agent_gbps(const std::string &addr, const char *data, size_t size, int iters, double cap_s, size_t memfd_min,
		  bool shared = false)
{
	auto c = client(addr, memfd_min, shared);
	int64_t sid = session(*c);
	CallResult res;
	genop_payload(*c, sid, data, size, res); // warm-up: buffers, pool, mapping
	double t0 = now_s();
	int n = 0;
	for (; n < iters && now_s() - t0 < cap_s; ++n)
		if (genop_payload(*c, sid, data, size, res) != 0)
			fprintf(stderr, "payload genop failed\n");
	return n * static_cast<double>(size) / (now_s() - t0) / 1e9;
}

// Throughput of payloads that the application placed in a shared buffer (vaccel_shm_alloc).
double agent_shared_gbps(const std::string &addr, size_t size, int iters, double cap_s)
{
	auto *shm = static_cast<char *>(vaccel_shm_alloc(size));
	if (!shm)
		return 0;
	memset(shm, 3, size);
	double g = agent_gbps(addr, shm, size, iters, cap_s, 0, true);
	vaccel_shm_free(shm);
	return g;
}

double memcpy_gbps(const std::vector<char> &src, int iters, double cap_s)
{
	std::vector<char> dst(src.size());
	memcpy(dst.data(), src.data(), src.size());
	double t0 = now_s();
	int n = 0;
	for (; n < iters && now_s() - t0 < cap_s; ++n)
		memcpy(dst.data(), src.data(), src.size());
	return n * static_cast<double>(src.size()) / (now_s() - t0) / 1e9;
}

void bench_throughput(const std::string &kind, const std::string &raw_addr, const std::string &agent_addr,
		      bool unix_sock)
{
	for (size_t size : {size_t{1} << 20, size_t{64} << 20, size_t{1} << 30}) {
		if (g_quick && size > (64u << 20))
			continue;
		std::vector<char> buf(size, 3);
		int iters = size >= (1u << 30) ? 4 : size >= (64u << 20) ? 40 : 2000;
		double cap = 3.0;
		double raw = raw_stream_gbps(raw_addr, buf, iters, cap);
		double ag = agent_gbps(agent_addr, buf.data(), size, iters, cap, 0);
		double mfd = unix_sock ? agent_gbps(agent_addr, buf.data(), size, iters, cap, 1) : 0;
		double zc = unix_sock ? agent_shared_gbps(agent_addr, size, iters, cap) : 0;
		double mc = memcpy_gbps(buf, iters, cap);
		if (unix_sock)
			// Zero copy moves no bytes: its cost is per call, so show that too.
			printf("| %s | %zu MiB | %.2f | %.2f (%.2fx) | %.2f (%.2fx memcpy) | %.2f (%.2fx memcpy, %.1f "
			       "µs/call) | "
			       "%.2f |\n",
			       kind.c_str(), size >> 20, raw, ag, ag / raw, mfd, mfd / mc, zc, zc / mc,
			       zc > 0 ? static_cast<double>(size) / zc / 1e3 : 0.0, mc);
		else
			printf("| %s | %zu MiB | %.2f | %.2f (%.2fx) | – | – | %.2f |\n", kind.c_str(), size >> 20, raw,
			       ag, ag / raw, mc);
		fflush(stdout);
	}
}

// ---- 3. classify -----------------------------------------------------------------------------

// Alternates local and remote calls so that background load hits both alike; p50 of each.
std::pair<double, double> classify_us(vaccel_session *local, vaccel_session *remote, const std::vector<char> &img,
				      int iters)
{
	unsigned char text[512], name[512];
	for (auto *s : {local, remote}) {
		int ret =
			vaccel_image_classification(s, img.data(), text, name, img.size(), sizeof(text), sizeof(name));
		if (ret != VACCEL_OK) {
			fprintf(stderr, "classify failed: %d\n", ret);
			return {-1, -1};
		}
	}
	std::vector<double> tl, tr;
	double start = now_s();
	for (int i = 0; i < iters && now_s() - start < 30; ++i) {
		for (auto *s : {local, remote}) {
			double t0 = now_s();
			vaccel_image_classification(s, img.data(), text, name, img.size(), sizeof(text), sizeof(name));
			(s == local ? tl : tr).push_back((now_s() - t0) * 1e6);
		}
	}
	return {stats_us(tl).p50, stats_us(tr).p50};
}

void bench_classify(const std::string &plugin, const std::string &image, const std::string &model,
		    const std::string &agent_addr)
{
	std::ifstream f(image, std::ios::binary);
	std::vector<char> img((std::istreambuf_iterator<char>(f)), {});
	if (img.empty()) {
		printf("(classify skipped: cannot read %s)\n", image.c_str());
		return;
	}
	int iters = g_quick ? 20 : 200;
	// Local: the plugin loaded in this process; remote: the same plugin inside the agent.
	if (vaccel_plugin_load(plugin.c_str()) != VACCEL_OK) {
		printf("(classify skipped: cannot load %s)\n", plugin.c_str());
		return;
	}
	vaccel_session local{}, remote{};
	setenv("VACCEL_RPC_ADDRESS", agent_addr.c_str(), 1);
	if (vaccel_session_init(&local, 0) != VACCEL_OK ||
	    vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE) != VACCEL_OK) {
		printf("(classify skipped: session creation failed)\n");
		return;
	}
	// Real plugins classify with the session's MODEL resource: one resource, registered with the
	// local session and (uploaded once) with the remote one.
	vaccel_resource res{};
	bool have_model = !model.empty();
	if (have_model && (vaccel_resource_init(&res, model.c_str(), VACCEL_RESOURCE_MODEL) != VACCEL_OK ||
			   vaccel_resource_register(&res, &local) != VACCEL_OK ||
			   vaccel_resource_register(&res, &remote) != VACCEL_OK)) {
		printf("(classify skipped: cannot register %s)\n", model.c_str());
		return;
	}
	auto [l, r] = classify_us(&local, &remote, img, iters);
	printf("| %s | %zu B | %.1f | %.1f | %.3fx |\n", plugin.substr(plugin.rfind('/') + 1).c_str(), img.size(), l, r,
	       r / l);
	if (have_model) {
		vaccel_resource_unregister(&res, &local);
		vaccel_resource_unregister(&res, &remote);
		vaccel_resource_release(&res);
	}
	vaccel_session_release(&local);
	vaccel_session_release(&remote);
}

// ---- 4. concurrency --------------------------------------------------------------------------

// Runs n threads; each sets itself up with make_call (outside the timing) and then calls the
// returned function until cap_s has passed (bounded by max_calls). Returns successful calls/s.
double threads_rate(int n, double cap_s, long max_calls, const std::function<std::function<bool()>()> &make_call)
{
	std::atomic<long> ok{0};
	std::atomic<int> ready{0};
	std::atomic<bool> go{false};
	std::vector<std::thread> th;
	for (int i = 0; i < n; ++i)
		th.emplace_back([&] {
			auto call = make_call();
			ready++;
			while (!go)
				std::this_thread::yield();
			double t0 = now_s();
			for (long k = 0; k < max_calls && now_s() - t0 < cap_s; ++k)
				if (call())
					ok++;
		});
	while (ready < n)
		std::this_thread::yield();
	double t0 = now_s();
	go = true;
	for (auto &t : th)
		t.join();
	return static_cast<double>(ok) / (now_s() - t0);
}

// n threads doing genop NOOP, then 1 MiB payloads; `shared` gives them one client connection
// (one process), otherwise each has its own (one client each).
void bench_threads(const std::string &agent_addr, bool shared)
{
	std::vector<char> mib(1 << 20, 5);
	for (int n : {1, 4, 16}) {
		double cap = g_quick ? 1.0 : 2.0;
		std::shared_ptr<Client> one = client(agent_addr, 0);
		auto caller = [&](const char *data, size_t size) {
			return [&, data, size]() -> std::function<bool()> {
				std::shared_ptr<Client> c =
					shared ? one : std::shared_ptr<Client>(client(agent_addr, 0));
				int64_t sid = session(*c);
				return [c, sid, data, size, res = std::make_shared<CallResult>()] {
					return genop_payload(*c, sid, data, size, *res) == 0;
				};
			};
		};
		double calls = threads_rate(n, cap, 1000000, caller(nullptr, 0));
		double mibs = threads_rate(n, cap, 100000, caller(mib.data(), mib.size()));
		printf("| %d | %.0f | %.2f |\n", n, calls, mibs * mib.size() / 1e9);
		fflush(stdout);
	}
}

// classify images/s with n threads, each with its own session: the plugin in this process vs
// the same plugin in the agent, all threads' remote sessions on the rpc plugin's one connection.
void bench_classify_threads(const std::string &plugin, const std::string &image, const std::string &model,
			    const std::string &agent_addr)
{
	std::ifstream f(image, std::ios::binary);
	std::vector<char> img((std::istreambuf_iterator<char>(f)), {});
	if (img.empty() || vaccel_plugin_load(plugin.c_str()) != VACCEL_OK) {
		printf("(skipped: cannot read %s or load %s)\n", image.c_str(), plugin.c_str());
		return;
	}
	setenv("VACCEL_RPC_ADDRESS", agent_addr.c_str(), 1);
	for (int n : {1, 2, 4}) {
		double rate[2] = {0, 0};
		for (int remote = 0; remote < 2; ++remote) {
			std::vector<std::shared_ptr<vaccel_session>> sessions;
			std::mutex m;
			auto make = [&]() -> std::function<bool()> {
				auto sess =
					std::shared_ptr<vaccel_session>(new vaccel_session{}, [](vaccel_session *s) {
						vaccel_session_release(s);
						delete s;
					});
				auto res = std::make_shared<vaccel_resource>();
				if (vaccel_session_init(sess.get(), remote ? VACCEL_PLUGIN_REMOTE : 0) != VACCEL_OK ||
				    vaccel_resource_init(res.get(), model.c_str(), VACCEL_RESOURCE_MODEL) !=
					    VACCEL_OK ||
				    vaccel_resource_register(res.get(), sess.get()) != VACCEL_OK)
					return [] { return false; };
				{
					std::lock_guard lock(m);
					sessions.push_back(sess);
				}
				return [sess, res, &img] {
					unsigned char text[512], name[512];
					return vaccel_image_classification(sess.get(), img.data(), text, name,
									   img.size(), sizeof(text),
									   sizeof(name)) == VACCEL_OK;
				};
			};
			rate[remote] = threads_rate(n, g_quick ? 2.0 : 5.0, 10000, make);
		}
		printf("| %d | %.1f | %.1f | %.3fx |\n", n, rate[0], rate[1], rate[1] / rate[0]);
		fflush(stdout);
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::string classify_plugin = NOOP_PLUGIN;
	bool threads_only = false;
	bool classify_only = false; // section 3 alone, for re-measuring one plugin and model
	std::string image = VACCEL_MODELS_DIR "/cat.bmp";
	std::string model;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--quick")
			g_quick = true;
		else if (a == "--threads")
			threads_only = true;
		else if (a == "--classify-only")
			classify_only = true;
		else if (a == "--agent-workers" && i + 1 < argc)
			g_agent_workers = argv[++i];
		else if (a == "--classify-plugin" && i + 1 < argc)
			classify_plugin = argv[++i];
		else if (a == "--image" && i + 1 < argc)
			image = argv[++i];
		else if (a == "--model" && i + 1 < argc)
			model = argv[++i];
		else {
			fprintf(stderr,
				"usage: %s [--quick] [--threads | --classify-only] [--agent-workers N] "
				"[--classify-plugin PATH --model PATH] "
				"[--image PATH]\n",
				argv[0]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	char templ[] = "/tmp/vaccel-rpc-bench.XXXXXX";
	g_tmp = mkdtemp(templ);
	if (vaccel_plugin_load(RPC_PLUGIN) != VACCEL_OK) {
		fprintf(stderr, "cannot load %s\n", RPC_PLUGIN);
		return 1;
	}

	if (classify_only) {
		Agent ac = start_agent(classify_plugin, false, "classify");
		printf("| plugin | image | in-process | through agent | ratio |\n|---|---|---|---|---|\n");
		bench_classify(classify_plugin, image, model, ac.addr);
		stop_process(ac.pid);
		std::string rm = "rm -rf " + g_tmp;
		return system(rm.c_str()) == 0 ? 0 : 1;
	}
	if (threads_only) {
		// Thread scaling needs both cores: run this part unpinned.
		Agent an = start_agent(NOOP_PLUGIN, false, "threads");
		printf("## Threads (unix, noop agent): aggregate noop calls/s and 1 MiB payload GB/s\n\n");
		printf("one connection per thread:\n\n| threads | noop calls/s | 1 MiB payload GB/s "
		       "|\n|---|---|---|\n");
		bench_threads(an.addr, false);
		printf("\nall threads on one connection (one process):\n\n| threads | noop calls/s | 1 MiB payload "
		       "GB/s "
		       "|\n|---|---|---|\n");
		bench_threads(an.addr, true);
		stop_process(an.pid);
		Agent ac = start_agent(classify_plugin, false, "classify-threads");
		printf("\n## classify images/s, one session per thread (%s)\n\n", classify_plugin.c_str());
		printf("| threads | in-process | through agent, one connection | ratio |\n|---|---|---|---|\n");
		bench_classify_threads(classify_plugin, image, model, ac.addr);
		stop_process(ac.pid);
		std::string rm = "rm -rf " + g_tmp;
		return system(rm.c_str()) == 0 ? 0 : 1;
	}

	std::string raw_unix, raw_tcp;
	pid_t ru = start_raw_server("unix://" + g_tmp + "/raw.sock", raw_unix);
	pid_t rt = start_raw_server("tcp://127.0.0.1:0", raw_tcp);
	Agent au = start_agent(NOOP_PLUGIN, false, "unix");
	Agent at = start_agent(NOOP_PLUGIN, true, "tcp");

	printf("## Round trip, µs p50 / p99 (ratio = p50 / raw p50)\n\n");
	printf("| transport | raw 64 B ping-pong | genop NOOP via agent (protocol client) | vaccel_noop() via "
	       "libvaccel-rpc |\n|---|---|---|---|\n");
	bench_latency("unix", raw_unix, au.addr);
	bench_latency("tcp", raw_tcp, at.addr);

	printf("\n## Payload throughput, GB/s (10^9 B/s), client -> agent, one client\n\n");
	printf("| transport | size | raw stream | via agent, streamed | via agent, copied into pooled memfd | via "
	       "agent, "
	       "shared buffer (zero copy) | memcpy |\n|---|---|---|---|---|---|---|\n");
	bench_throughput("unix", raw_unix, au.addr, true);
	bench_throughput("tcp", raw_tcp, at.addr, false);

	printf("\n## classify, µs p50 (same plugin in-process vs inside the agent, unix)\n\n");
	stop_process(au.pid);
	Agent ac = start_agent(classify_plugin, false, "classify");
	printf("| plugin | image | in-process | through agent | ratio |\n|---|---|---|---|---|\n");
	bench_classify(classify_plugin, image, model, ac.addr);
	stop_process(ac.pid);

	printf("\n## Concurrent clients (unix, noop agent): aggregate noop calls/s and 1 MiB payload GB/s\n\n");
	Agent an = start_agent(NOOP_PLUGIN, false, "clients");
	printf("| clients | noop calls/s | 1 MiB payload GB/s |\n|---|---|---|\n");
	bench_threads(an.addr, false);

	stop_process(an.pid);
	stop_process(at.pid);
	stop_process(ru);
	stop_process(rt);
	std::string rm = "rm -rf " + g_tmp;
	if (system(rm.c_str()) != 0)
		fprintf(stderr, "could not remove %s\n", g_tmp.c_str());
	return 0;
}
