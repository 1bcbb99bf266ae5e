// SPDX-License-Identifier: Apache-2.0
// isolation_bench: what process isolation (agent/supervisor.hpp) costs, side by side in one run
// (figures in docs/performance.md):
//   1. noop round trip: raw unix-socket floor vs the agent in process and in thread isolation;
//   2. connect + HELLO + first session, p50/p99: a worker forked from the zygote vs a process
//      that must load the plugins itself (a cold agent start), with --heavy plugins loaded;
//   3. unshared (Private_*) RSS of an idle worker;
//   4. 64 tenants at once: aggregate noop calls/s, process vs thread isolation.
// Usage: isolation_bench [--quick] [--heavy PLUGINS]  (PLUGINS: ':'-separated .so paths)
// Every loop is bounded in count and time.
#include "client.hpp"
#include "vaccel_rpc.pb.h"

#include <vaccel.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace v1 = vaccel::rpc::v1;
using vaccel::rpc::CallResult;
using vaccel::rpc::Client;
using vaccel::rpc::ClientOptions;
using Clock = std::chrono::steady_clock;

std::string g_tmp;

double us_since(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

double pct(std::vector<double> v, double p)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::string read_text(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

struct AgentProc {
	pid_t pid = -1;
	std::string addr, log;
};

AgentProc start_agent(const std::string &plugins, const std::string &isolation, const std::string &tag)
{
	AgentProc ag;
	ag.log = g_tmp + "/agent-" + tag + ".log";
	std::string sock = g_tmp + "/agent-" + tag + ".sock";
	ag.pid = fork();
	if (ag.pid == 0) {
		int fd = open(ag.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("VACCEL_PLUGINS", plugins.c_str(), 1);
		setenv("VACCEL_LOG_LEVEL", "1", 1);
		std::string a = "unix://" + sock;
		execl(VACCEL_AGENT_BIN, VACCEL_AGENT_BIN, "-a", a.c_str(), "--workdir", g_tmp.c_str(), "-l", "3",
		      "--isolation", isolation.c_str(), "--max-connections", "256", nullptr);
		_exit(127);
	}
	for (int i = 0; i < 2000; ++i) { // bounded: 20 s (libtorch takes a while to load)
		if (access(sock.c_str(), F_OK) == 0) {
			ag.addr = "unix://" + sock;
			return ag;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	fprintf(stderr, "agent %s did not start (see %s)\n", tag.c_str(), ag.log.c_str());
	return ag;
}

void stop_process(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	int st;
	for (int i = 0; i < 250; ++i) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

std::unique_ptr<Client> client(const std::string &addr)
{
	ClientOptions o;
	o.address = addr;
	o.response_timeout_ms = 20000;
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

bool noop(Client &c, int64_t sid)
{
	v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(sid);
	auto *a = g->add_read();
	a->set_type(VACCEL_ARG_UINT8);
	a->set_size(1);
	a->set_has_data(true);
	uint8_t op = VACCEL_OP_NOOP;
	std::vector<iovec> iov{{&op, 1}};
	CallResult res;
	std::string why;
	return c.call(req, iov, res, why) == 0 && res.response.status() == 0;
}

// ---- 1. round trip -----------------------------------------------------------------------

// Raw floor: a forked echo process on a unix socket pair, 64-byte messages.
std::vector<double> raw_round_trips(int iters)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return {};
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		char b[64];
		for (;;) {
			ssize_t n = read(sv[1], b, sizeof(b));
			if (n <= 0 || write(sv[1], b, static_cast<size_t>(n)) != n)
				_exit(0);
		}
	}
	close(sv[1]);
	std::vector<double> t;
	char b[64] = {};
	for (int i = 0; i < iters; ++i) {
		auto t0 = Clock::now();
		if (write(sv[0], b, sizeof(b)) != sizeof(b))
			break;
		size_t got = 0;
		while (got < sizeof(b)) {
			ssize_t n = read(sv[0], b + got, sizeof(b) - got);
			if (n <= 0)
				break;
			got += static_cast<size_t>(n);
		}
		t.push_back(us_since(t0));
	}
	close(sv[0]);
	waitpid(pid, nullptr, 0);
	return t;
}

std::vector<double> agent_round_trips(const std::string &addr, int iters)
{
	auto c = client(addr);
	int64_t sid = session(*c);
	std::vector<double> t;
	for (int i = 0; i < iters && sid > 0; ++i) {
		auto t0 = Clock::now();
		if (!noop(*c, sid))
			break;
		t.push_back(us_since(t0));
	}
	return t;
}

// ---- 2. connect + HELLO + first session -------------------------------------------------------

std::vector<double> first_session_us(const std::string &addr, int reps)
{
	std::vector<double> t;
	for (int i = 0; i < reps; ++i) {
		auto t0 = Clock::now();
		auto c = client(addr);
		if (session(*c) <= 0)
			break;
		t.push_back(us_since(t0));
	}
	return t;
}

// Without a zygote: a process that must load the plugins itself before it can answer.
std::vector<double> cold_start_us(const std::string &plugins, int reps)
{
	std::vector<double> t;
	for (int i = 0; i < reps; ++i) {
		auto t0 = Clock::now();
		AgentProc ag = start_agent(plugins, "thread", "cold" + std::to_string(i));
		if (ag.addr.empty())
			break;
		auto c = client(ag.addr);
		bool ok = session(*c) > 0;
		double us = us_since(t0);
		c.reset();
		stop_process(ag.pid);
		if (!ok)
			break;
		t.push_back(us);
	}
	return t;
}

// ---- 3. unshared memory of an idle worker ------------------------------------------------------

std::vector<pid_t> children(pid_t pid)
{
	std::vector<pid_t> out;
	std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
	for (pid_t c; in >> c;)
		out.push_back(c);
	return out;
}

long smaps_kb(pid_t pid, const char *field)
{
	std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/smaps_rollup"));
	long total = 0;
	for (std::string line; std::getline(in, line);)
		if (line.rfind(field, 0) == 0)
			total += atol(line.c_str() + strlen(field));
	return total;
}

void idle_worker_memory(const AgentProc &ag, const char *what)
{
	auto c = client(ag.addr);
	if (session(*c) <= 0)
		return;
	auto kids = children(ag.pid);
	if (kids.empty())
		return;
	pid_t w = kids.back();
	long priv = smaps_kb(w, "Private_Clean:") + smaps_kb(w, "Private_Dirty:");
	printf("| %s | %ld KiB | %ld KiB | %ld KiB | %ld KiB |\n", what, smaps_kb(ag.pid, "Rss:"), smaps_kb(w, "Rss:"),
	       smaps_kb(w, "Pss:"), priv);
}

// ---- 4. many tenants -------------------------------------------------------------------------

double tenants_rate(const std::string &addr, int n, double seconds)
{
	std::atomic<long> calls{0};
	std::atomic<bool> stop{false};
	std::vector<std::thread> ts;
	for (int i = 0; i < n; ++i)
		ts.emplace_back([&] {
			auto c = client(addr);
			int64_t sid = session(*c);
			for (long k = 0; k < 10'000'000 && sid > 0 && !stop.load(); ++k)
				if (noop(*c, sid))
					calls.fetch_add(1);
				else
					break;
		});
	std::this_thread::sleep_for(std::chrono::milliseconds(200)); // all connected
	long start = calls.load();
	auto t0 = Clock::now();
	std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
	long done = calls.load() - start;
	double s = us_since(t0) / 1e6;
	stop.store(true);
	for (auto &t : ts)
		t.join();
	return static_cast<double>(done) / s;
}

} // namespace

int main(int argc, char **argv)
{
	bool quick = false;
	std::string heavy;
	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--heavy") && i + 1 < argc)
			heavy = argv[++i];
	}
	char templ[] = "/tmp/isolation-bench.XXXXXX";
	if (!mkdtemp(templ))
		return 1;
	g_tmp = templ;
	signal(SIGPIPE, SIG_IGN);
	const int iters = quick ? 2000 : 20000;

	AgentProc proc = start_agent(NOOP_PLUGIN, "process", "process");
	AgentProc thr = start_agent(NOOP_PLUGIN, "thread", "thread");
	if (proc.addr.empty() || thr.addr.empty())
		return 1;

	printf("\n### noop round trip (64 B raw floor vs genop NOOP through the agent), %d calls\n\n", iters);
	printf("| path | p50 us | p99 us | p50 vs raw |\n|---|---|---|---|\n");
	auto raw = raw_round_trips(iters);
	const double raw50 = pct(raw, 0.5);
	auto row = [&](const char *name, const std::vector<double> &v) {
		printf("| %s | %.1f | %.1f | %.2fx |\n", name, pct(v, 0.5), pct(v, 0.99), pct(v, 0.5) / raw50);
	};
	row("raw unix socket", raw);
	// Interleaved, so that both modes see the same machine load.
	std::vector<double> p, t;
	for (int round = 0; round < 4; ++round) {
		auto a = agent_round_trips(proc.addr, iters / 4), b = agent_round_trips(thr.addr, iters / 4);
		p.insert(p.end(), a.begin(), a.end());
		t.insert(t.end(), b.begin(), b.end());
	}
	row("agent, process isolation", p);
	row("agent, thread isolation", t);

	printf("\n### connect + HELLO + first session\n\n| agent | plugins | p50 us | p99 us | n |\n|---|---|---|---|---|\n");
	const int reps = quick ? 50 : 300;
	auto fs = first_session_us(proc.addr, reps);
	printf("| process (fork from zygote) | noop | %.0f | %.0f | %zu |\n", pct(fs, 0.5), pct(fs, 0.99), fs.size());
	auto ft = first_session_us(thr.addr, reps);
	printf("| thread | noop | %.0f | %.0f | %zu |\n", pct(ft, 0.5), pct(ft, 0.99), ft.size());
	AgentProc heavy_proc;
	if (!heavy.empty()) {
		heavy_proc = start_agent(heavy, "process", "heavy");
		if (!heavy_proc.addr.empty()) {
			auto fh = first_session_us(heavy_proc.addr, reps);
			printf("| process (fork from zygote) | heavy | %.0f | %.0f | %zu |\n", pct(fh, 0.5), pct(fh, 0.99),
			       fh.size());
		}
		auto cold = cold_start_us(heavy, quick ? 2 : 5);
		printf("| no zygote: new process loads the plugins | heavy | %.0f | %.0f (max) | %zu |\n", pct(cold, 0.5),
		       pct(cold, 1.0), cold.size());
	}

	printf("\n### idle worker memory (one session open)\n\n| agent | supervisor Rss | worker Rss | worker Pss | "
	       "worker unshared (Private_*) |\n|---|---|---|---|---|\n");
	idle_worker_memory(proc, "noop");
	if (!heavy_proc.addr.empty())
		idle_worker_memory(heavy_proc, "heavy");

	const double secs = quick ? 1.0 : 3.0;
	printf("\n### 64 tenants at once (one connection each, noop loop, %.0f s)\n\n| isolation | calls/s |\n|---|---|\n",
	       secs);
	printf("| process | %.0f |\n", tenants_rate(proc.addr, 64, secs));
	printf("| thread | %.0f |\n", tenants_rate(thr.addr, 64, secs));

	stop_process(proc.pid);
	stop_process(thr.pid);
	stop_process(heavy_proc.pid);
	const std::string zlog = read_text(heavy_proc.addr.empty() ? proc.log : heavy_proc.log);
	if (auto z = zlog.find("zygote threads"); z != std::string::npos)
		printf("\nzygote: %s\n", zlog.substr(z, zlog.find('\n', z) - z).c_str());
	std::string cmd = "rm -rf " + g_tmp;
	return system(cmd.c_str()) == 0 ? 0 : 1;
}
