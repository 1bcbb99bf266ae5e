// SPDX-License-Identifier: Apache-2.0
// Starts a real vaccel-agent process for a test (unix socket in a private temp dir, or
// tcp://127.0.0.1:0), and stops it by PID.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace rpctest {

inline std::string make_temp_dir(const char *tag)
{
	const char *t = getenv("TMPDIR");
	std::string templ = std::string(t && *t ? t : "/tmp") + "/vaccel-rpc-test-" + tag + ".XXXXXX";
	if (!mkdtemp(templ.data()))
		return {};
	return templ;
}

class AgentProcess {
public:
	AgentProcess() = default;
	AgentProcess(const AgentProcess &) = delete;
	AgentProcess &operator=(const AgentProcess &) = delete;
	~AgentProcess()
	{
		stop();
		// Sanitizer reports of the agent process fail the test that ran it.
		std::string log = log_text();
		EXPECT_EQ(log.find("ThreadSanitizer"), std::string::npos) << log;
		EXPECT_EQ(log.find("AddressSanitizer"), std::string::npos) << log;
		EXPECT_EQ(log.find("runtime error:"), std::string::npos) << log; // UBSan
		if (!dir_.empty() && !getenv("VACCEL_RPC_TEST_KEEP")) {
			std::error_code ec;
			std::filesystem::remove_all(dir_, ec);
		}
	}

	// Starts the agent on a unix socket (or tcp when use_tcp) with `plugins` and extra flags.
	bool start(const std::string &plugins, std::vector<std::string> extra = {}, bool use_tcp = false)
	{
		dir_ = make_temp_dir("agent");
		sock_ = dir_ + "/agent.sock";
		log_ = dir_ + "/agent.log";
		// VACCEL_TEST_AGENT_BIN: another agent binary (e.g. an older build, to see a regression
		// test fail on the code before its fix).
		const char *bin = getenv("VACCEL_TEST_AGENT_BIN");
		std::vector<std::string> args{bin && *bin ? bin : VACCEL_AGENT_BIN,
					      "-a",
					      use_tcp ? "tcp://127.0.0.1:0" : "unix://" + sock_,
					      "--workdir",
					      dir_,
					      "-l",
					      "3"};
		args.insert(args.end(), extra.begin(), extra.end());
		pid_ = fork();
		if (pid_ == 0) {
			int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd_limit_ > 0) {
				rlimit rl{fd_limit_, fd_limit_};
				if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
					_exit(126);
			}
			setenv("VACCEL_PLUGINS", plugins.c_str(), 1);
			setenv("VACCEL_LOG_LEVEL", "1", 1);
			std::vector<char *> argv;
			for (auto &a : args)
				argv.push_back(a.data());
			argv.push_back(nullptr);
			execv(argv[0], argv.data());
			_exit(127);
		}
		// Bounded wait for the listener (socket file or the port line in the log).
		for (int i = 0; i < 200; ++i) {
			std::this_thread::sleep_for(std::chrono::milliseconds(25));
			if (use_tcp) {
				std::string l = log_text();
				auto p = l.find("tcp port ");
				if (p != std::string::npos) {
					address_ = "tcp://127.0.0.1:" + std::to_string(atoi(l.c_str() + p + 9));
					return true;
				}
			} else if (access(sock_.c_str(), F_OK) == 0) {
				address_ = "unix://" + sock_;
				return true;
			}
			int st = 0;
			if (waitpid(pid_, &st, WNOHANG) == pid_) {
				pid_ = -1;
				return false;
			}
		}
		return false;
	}

	// SIGTERM, bounded wait, SIGKILL as a last resort. Returns the exit status (or -1).
	int stop()
	{
		if (pid_ <= 0)
			return -1;
		kill(pid_, SIGTERM);
		int st = 0;
		for (int i = 0; i < 200; ++i) {
			if (waitpid(pid_, &st, WNOHANG) == pid_) {
				pid_ = -1;
				return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(25));
		}
		kill(pid_, SIGKILL);
		waitpid(pid_, &st, 0);
		pid_ = -1;
		return -1;
	}

	void kill9()
	{
		if (pid_ > 0) {
			kill(pid_, SIGKILL);
			int st;
			waitpid(pid_, &st, 0);
			pid_ = -1;
		}
	}

	bool alive() const { return pid_ > 0 && kill(pid_, 0) == 0; }

	// A /proc/PID/status field (KiB, or a count) summed over the agent and its worker processes
	// (process isolation: agent/supervisor.hpp), so that what a tenant makes a worker hold counts.
	long status_kb(const char *field) const
	{
		long total = -1;
		for (pid_t p : agent_pids()) {
			std::ifstream f("/proc/" + std::to_string(p) + "/status");
			std::string line;
			while (std::getline(f, line))
				if (line.rfind(field, 0) == 0 && line.size() > strlen(field) &&
				    line[strlen(field)] == ':')
					total = std::max(total, 0L) + atol(line.c_str() + strlen(field) + 1);
		}
		return total;
	}
	// Memory of the agent: the Pss (pages shared by n processes count 1/n) of the supervisor
	// and its workers, who share the zygote's pages; VmRSS when smaps_rollup is missing.
	long rss_kb() const
	{
		long total = 0;
		for (pid_t p : agent_pids()) {
			std::ifstream f("/proc/" + std::to_string(p) + "/smaps_rollup");
			std::string line;
			bool found = false;
			while (std::getline(f, line))
				if (line.rfind("Pss:", 0) == 0) {
					total += atol(line.c_str() + 4);
					found = true;
				}
			if (!found)
				return status_kb("VmRSS");
		}
		return total;
	}
	long hwm_kb() const { return status_kb("VmHWM"); }
	int threads() const { return static_cast<int>(status_kb("Threads")); }

	// The supervisor and its live workers (its children).
	std::vector<pid_t> agent_pids() const
	{
		std::vector<pid_t> pids;
		if (pid_ <= 0)
			return pids;
		pids.push_back(pid_);
		std::ifstream f("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
		for (pid_t c; f >> c;)
			pids.push_back(c);
		return pids;
	}

	std::string log_text() const
	{
		std::ifstream f(log_);
		std::stringstream ss;
		ss << f.rdbuf();
		return ss.str();
	}

	// RLIMIT_NOFILE (soft and hard) of the agent processes started from now on (0: inherited).
	void set_fd_limit(rlim_t n) { fd_limit_ = n; }

	const std::string &address() const { return address_; }
	const std::string &socket_path() const { return sock_; }
	const std::string &dir() const { return dir_; }
	pid_t pid() const { return pid_; }

private:
	pid_t pid_ = -1;
	rlim_t fd_limit_ = 0;
	std::string dir_, sock_, log_, address_;
};

} // namespace rpctest
