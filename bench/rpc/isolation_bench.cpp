// SPDX-License-Identifier: Apache-2.0
// isolation_bench: what process isolation (agent/supervisor.hpp) costs, side by side in one run
// (figures in docs/performance.md):
//   1. noop round trip: raw unix-socket floor vs the agent in process and in thread isolation;
//   2. connect + HELLO + first session, p50/p99: a pre-forked worker (--prefork 2, back to back
//      and with tenants 20 ms apart) vs a worker forked on accept (--prefork 0) vs thread mode
//      vs a process that must load the plugins itself (a cold agent start, no zygote), with noop
//      and with --heavy plugins loaded; --baseline AGENT adds another agent binary's fork on
//      accept (e.g. one from before the pool, to compare its per-worker seccomp compile);
//   3. unshared (Private_*) RSS of an idle worker: one serving a connection, one pre-forked;
//   4. 64 tenants at once: aggregate noop calls/s, process vs thread isolation.
// Usage: isolation_bench [--quick] [--heavy PLUGINS] [--baseline AGENT]  (PLUGINS: ':'-separated .so paths)
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

double us_since(Clock::time_point t)
{
	return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

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

AgentProc start_agent(const std::string &plugins, const std::string &isolation, const std::string &tag,
		      std::vector<std::string> extra = {}, const char *bin = VACCEL_AGENT_BIN)
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
		std::vector<std::string> args{bin, "-a",          a,         "--workdir",         g_tmp, "-l",
					      "3", "--isolation", isolation, "--max-connections", "256"};
		args.insert(args.end(), extra.begin(), extra.end());
		std::vector<char *> argv;
		for (auto &s : args)
			argv.push_back(s.data());
		argv.push_back(nullptr);
		execv(bin, argv.data());
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

// `gap_ms` apart (untimed): 0 is a burst, where a pre-forked pool is refilled (a fork of the
// zygote) while the next tenant connects; 20 ms leaves the supervisor time to refill.
std::vector<double> first_session_us(const std::string &addr, int reps, int gap_ms = 0)
{
	std::vector<double> t;
	for (int i = 0; i < reps; ++i) {
		if (gap_ms > 0)
			std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
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

// The pid of the worker the supervisor logged last as serving a connection (-1: none).
pid_t last_serving(const AgentProc &ag)
{
	const std::string log = read_text(ag.log), key = "worker pid ";
	pid_t pid = -1;
	for (size_t p = log.find(key); p != std::string::npos; p = log.find(key, p + 1)) {
		const char *num = log.c_str() + p + key.size();
		char *end = nullptr;
		long v = strtol(num, &end, 10);
		if (end && strncmp(end, " serves", 7) == 0)
			pid = static_cast<pid_t>(v);
	}
	return pid;
}

void memory_row(pid_t sup, pid_t w, const std::string &what)
{
	long priv = smaps_kb(w, "Private_Clean:") + smaps_kb(w, "Private_Dirty:");
	printf("| %s | %ld KiB | %ld KiB | %ld KiB | %ld KiB |\n", what.c_str(), smaps_kb(sup, "Rss:"),
	       smaps_kb(w, "Rss:"), smaps_kb(w, "Pss:"), priv);
}

void idle_worker_memory(const AgentProc &ag, const char *what)
{
	auto c = client(ag.addr);
	if (session(*c) <= 0)
		return;
	std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the pool refilled, the worker idle
	const pid_t serving = last_serving(ag);
	if (serving > 0)
		memory_row(ag.pid, serving, std::string(what) + ", worker with one session open");
	for (pid_t k : children(ag.pid))
		if (k != serving) {
			memory_row(ag.pid, k, std::string(what) + ", pre-forked worker waiting");
			break;
		}
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
	std::string heavy, baseline;
	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--heavy") && i + 1 < argc)
			heavy = argv[++i];
		else if (!strcmp(argv[i], "--baseline") && i + 1 < argc)
			baseline = argv[++i];
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

	printf("\n### connect + HELLO + first session (rounds interleaved)\n\n| agent | plugins | p50 us | p99 us | n "
	       "|\n|---|---|---|---|---|\n");
	const int reps = quick ? 40 : 200;
	struct Path {
		std::string name, plugins;
		AgentProc ag;
		int gap_ms;
		std::vector<double> t;
	};
	std::vector<Path> paths;
	auto add = [&](const std::string &name, const std::string &plugins, AgentProc ag, int gap) {
		if (!ag.addr.empty())
			paths.push_back({name, plugins, std::move(ag), gap, {}});
	};
	auto add_set = [&](const std::string &plugins, const char *label, const std::string &tag) {
		AgentProc pool = start_agent(plugins, "process", tag + "-pool", {"--prefork", "2"});
		add("process, pre-forked (--prefork 2), back to back", label, pool, 0);
		add("process, pre-forked (--prefork 2), 20 ms apart", label, pool, 20);
		add("process, forked on accept (--prefork 0)", label,
		    start_agent(plugins, "process", tag + "-fork", {"--prefork", "0"}), 0);
		if (!baseline.empty())
			add("process, forked on accept, --baseline agent", label,
			    start_agent(plugins, "process", tag + "-base", {}, baseline.c_str()), 0);
	};
	add_set(NOOP_PLUGIN, "noop", "noop");
	add("thread", "noop", thr, 0);
	if (!heavy.empty())
		add_set(heavy, "heavy", "heavy");
	for (int round = 0; round < 4; ++round)
		for (auto &p : paths) {
			auto v = first_session_us(p.ag.addr, reps / 4, p.gap_ms);
			p.t.insert(p.t.end(), v.begin(), v.end());
		}
	AgentProc heavy_proc;
	for (auto &p : paths) {
		printf("| %s | %s | %.0f | %.0f | %zu |\n", p.name.c_str(), p.plugins.c_str(), pct(p.t, 0.5),
		       pct(p.t, 0.99), p.t.size());
		if (p.plugins == "heavy" && p.gap_ms == 20)
			heavy_proc = p.ag;
	}
	if (!heavy.empty()) {
		auto cold = cold_start_us(heavy, quick ? 2 : 5);
		printf("| no zygote: new process loads the plugins | heavy | %.0f | %.0f (max) | %zu |\n",
		       pct(cold, 0.5), pct(cold, 1.0), cold.size());
	}

	printf("\n### idle worker memory (one session open)\n\n| agent | supervisor Rss | worker Rss | worker Pss | "
	       "worker unshared (Private_*) |\n|---|---|---|---|---|\n");
	idle_worker_memory(proc, "noop");
	if (!heavy_proc.addr.empty())
		idle_worker_memory(heavy_proc, "heavy");

	const double secs = quick ? 1.0 : 3.0;
	printf("\n### 64 tenants at once (one connection each, noop loop, %.0f s)\n\n| isolation | calls/s "
	       "|\n|---|---|\n",
	       secs);
	printf("| process | %.0f |\n", tenants_rate(proc.addr, 64, secs));
	printf("| thread | %.0f |\n", tenants_rate(thr.addr, 64, secs));

	stop_process(proc.pid);
	stop_process(thr.pid);
	for (auto &p : paths)
		if (p.gap_ms == 0 && p.ag.pid != thr.pid)
			stop_process(p.ag.pid); // each agent once (the 20 ms row shares the back-to-back one's)
	const std::string zlog = read_text(heavy_proc.addr.empty() ? proc.log : heavy_proc.log);
	if (auto z = zlog.find("zygote threads"); z != std::string::npos)
		printf("\nzygote: %s\n", zlog.substr(z, zlog.find('\n', z) - z).c_str());
	std::string cmd = "rm -rf " + g_tmp;
	return system(cmd.c_str()) == 0 ? 0 : 1;
}
