// SPDX-License-Identifier: Apache-2.0
#include "vtest.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

extern char **environ;

namespace vtest {

std::string plugin_list(std::initializer_list<const char *> paths)
{
	std::string out;
	for (const char *p : paths) {
		if (!out.empty())
			out += ':';
		out += p;
	}
	return out;
}

// RTLD_NOLOAD: only finds the copy the runtime already loaded, whose record
// is the one the runtime's calls updated.
static void *loaded_handle(const char *plugin_path)
{
	return dlopen(plugin_path, RTLD_NOW | RTLD_NOLOAD);
}

const vtest_record *record(const char *plugin_path)
{
	void *h = loaded_handle(plugin_path);
	if (h == nullptr)
		return nullptr;
	auto get = reinterpret_cast<vtest_get_record_fn>(dlsym(h, "vtest_get_record"));
	const vtest_record *rec = get ? get() : nullptr;
	dlclose(h); // drops only our extra reference
	return rec;
}

void reset_record(const char *plugin_path)
{
	void *h = loaded_handle(plugin_path);
	if (h == nullptr)
		return;
	auto reset = reinterpret_cast<vtest_reset_record_fn>(dlsym(h, "vtest_reset_record"));
	if (reset)
		reset();
	dlclose(h);
}

std::string read_file(const fs::path &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

void write_file(const fs::path &path, const std::string &bytes)
{
	std::ofstream out(path, std::ios::binary);
	out << bytes;
}

size_t count_entries(const fs::path &dir)
{
	std::error_code ec;
	if (!fs::is_directory(dir, ec))
		return 0;
	size_t n = 0;
	for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
		++n;
	return n;
}

TempDir::TempDir()
{
	std::random_device rd;
	const char *tmp = getenv("TMPDIR");
	fs::path base = tmp ? tmp : "/tmp";
	for (int attempt = 0; attempt < 100; ++attempt) {
		fs::path candidate =
			base / ("vaccel-core-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
		std::error_code ec;
		if (fs::create_directory(candidate, ec)) {
			path_ = candidate;
			return;
		}
	}
	throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir()
{
	std::error_code ec;
	fs::remove_all(path_, ec);
}

ChildResult run_child(const std::vector<std::string> &argv, const std::vector<std::pair<std::string, std::string>> &env,
		      int timeout_s)
{
	// Environment built before fork: only async-signal-safe calls in the child.
	std::vector<std::string> env_strings;
	for (char **e = environ; *e; ++e)
		if (strncmp(*e, "VACCEL_", 7) != 0)
			env_strings.emplace_back(*e);
	for (const auto &[k, v] : env)
		env_strings.push_back(k + "=" + v);
	std::vector<char *> envp, args;
	for (auto &s : env_strings)
		envp.push_back(s.data());
	envp.push_back(nullptr);
	std::vector<std::string> argv_copy = argv;
	for (auto &s : argv_copy)
		args.push_back(s.data());
	args.push_back(nullptr);

	ChildResult result;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return result;
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return result;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execve(args[0], args.data(), envp.data());
		_exit(127);
	}
	close(pipefd[1]);
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
	char buf[4096];
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
										  std::chrono::steady_clock::now());
		if (left.count() <= 0) {
			result.timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		pollfd p{pipefd[0], POLLIN, 0};
		int r = poll(&p, 1, static_cast<int>(left.count()));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(pipefd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		result.output.append(buf, static_cast<size_t>(n));
	}
	close(pipefd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (WIFEXITED(status))
		result.exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		result.signal = WTERMSIG(status);
	return result;
}

std::map<std::string, std::string> parse_kv(const std::string &output)
{
	// Probe lines are `key=value` with a lower-case key; the session line
	// carries two pairs separated by a space. Log lines never match.
	auto is_key = [](const std::string &k) {
		return !k.empty() && k.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
	};
	std::map<std::string, std::string> kv;
	std::istringstream in(output);
	std::string line;
	while (std::getline(in, line)) {
		std::vector<std::string> parts;
		if (line.rfind("session_rc=", 0) == 0) {
			std::istringstream words(line);
			std::string w;
			while (words >> w)
				parts.push_back(w);
		} else {
			parts.push_back(line);
		}
		for (const auto &part : parts) {
			auto eq = part.find('=');
			if (eq != std::string::npos && is_key(part.substr(0, eq)))
				kv.emplace(part.substr(0, eq), part.substr(eq + 1));
		}
	}
	return kv;
}

size_t count_lines_with(const std::string &text, const std::string &needle)
{
	std::istringstream in(text);
	std::string line;
	size_t n = 0;
	while (std::getline(in, line))
		if (line.find(needle) != std::string::npos)
			++n;
	return n;
}

int VaccelTest::bootstrap(const std::string &plugins, vaccel_log_level_t level, bool profiling, bool version_ignore,
			  const char *log_file)
{
	struct vaccel_config cfg {};
	int ret = vaccel_config_init(&cfg, plugins.empty() ? nullptr : plugins.c_str(), level, log_file, profiling,
				     version_ignore);
	if (ret != VACCEL_OK)
		return ret;
	ret = vaccel_bootstrap_with_config(&cfg);
	vaccel_config_release(&cfg);
	return ret;
}

HttpServer::HttpServer(std::map<std::string, std::string> files) : files_(std::move(files))
{
	listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd_ < 0)
		throw std::runtime_error("socket");
	int one = 1;
	setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	if (bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 || listen(listen_fd_, 16) != 0)
		throw std::runtime_error("bind/listen on 127.0.0.1");
	socklen_t len = sizeof(addr);
	getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&addr), &len);
	port_ = ntohs(addr.sin_port);
	thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer()
{
	stop_ = true;
	if (thread_.joinable())
		thread_.join();
	close(listen_fd_);
}

std::string HttpServer::url(const std::string &path) const
{
	return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpServer::serve()
{
	// Polls in 50 ms steps so the destructor's stop flag ends it promptly.
	while (!stop_) {
		pollfd p{listen_fd_, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		handle(fd);
		close(fd);
	}
}

void HttpServer::handle(int fd)
{
	std::string request;
	char buf[2048];
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
	while (request.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline &&
	       request.size() < 65536) {
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		request.append(buf, static_cast<size_t>(n));
	}
	++requests_;
	std::istringstream line(request.substr(0, request.find("\r\n")));
	std::string method, path;
	line >> method >> path;
	auto it = files_.find(path);
	std::string response;
	if (it == files_.end()) {
		std::string body = "not found";
		response = "HTTP/1.0 404 Not Found\r\nContent-Length: " + std::to_string(body.size()) +
			   "\r\nConnection: close\r\n\r\n" + (method == "HEAD" ? "" : body);
	} else {
		response = "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
			   "Content-Length: " +
			   std::to_string(it->second.size()) + "\r\nConnection: close\r\n\r\n" +
			   (method == "HEAD" ? std::string() : it->second);
	}
	size_t off = 0;
	while (off < response.size()) {
		ssize_t n = send(fd, response.data() + off, response.size() - off, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		off += static_cast<size_t>(n);
	}
}

} // namespace vtest
