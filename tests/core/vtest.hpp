// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the core tests: a fixture that bootstraps the runtime
// with an explicit config, access to the vtest plugins' records, temporary
// directories, a bounded child-process runner and a tiny HTTP server bound
// to 127.0.0.1.
#ifndef VTEST_HPP
#define VTEST_HPP

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <atomic>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <vaccel.h>

#include "vtest_record.h"

#define ASSERT_OK(expr) ASSERT_EQ(VACCEL_OK, (expr))
#define EXPECT_OK(expr) EXPECT_EQ(VACCEL_OK, (expr))

namespace vtest {

namespace fs = std::filesystem;

// ':'-joined plugin list.
std::string plugin_list(std::initializer_list<const char *> paths);

// Record of a loaded vtest plugin (nullptr if not loaded).
const vtest_record *record(const char *plugin_path);
void reset_record(const char *plugin_path);

std::string read_file(const fs::path &path);
void write_file(const fs::path &path, const std::string &bytes);
// Number of entries directly inside `dir` (0 if missing).
size_t count_entries(const fs::path &dir);

class TempDir {
public:
	TempDir();
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	const fs::path &path() const { return path_; }
	fs::path operator/(const std::string &name) const { return path_ / name; }

private:
	fs::path path_;
};

struct ChildResult {
	int exit_code = -1; // -1 if killed by a signal or timed out
	int signal = 0;
	bool timed_out = false;
	std::string output; // stdout and stderr interleaved
};

// Runs `argv` with the current environment minus every VACCEL_* variable,
// plus `env`; kills it (by pid) after timeout_s.
ChildResult run_child(const std::vector<std::string> &argv, const std::vector<std::pair<std::string, std::string>> &env,
		      int timeout_s = 30);
// key=value lines of the probe's output.
std::map<std::string, std::string> parse_kv(const std::string &output);
// Number of lines of `text` that contain `needle`.
size_t count_lines_with(const std::string &text, const std::string &needle);

// Fixture: cleans the runtime up after every test.
class VaccelTest : public ::testing::Test {
protected:
	void TearDown() override { vaccel_cleanup(); }
	static int bootstrap(const std::string &plugins, vaccel_log_level_t level = VACCEL_LOG_ERROR,
			     bool profiling = false, bool version_ignore = false, const char *log_file = nullptr);
};

// Serves fixed bodies over HTTP/1.0 on 127.0.0.1:<ephemeral>; GET and HEAD,
// 404 for unknown paths. One connection at a time; stopped in the destructor.
class HttpServer {
public:
	explicit HttpServer(std::map<std::string, std::string> files);
	~HttpServer();
	HttpServer(const HttpServer &) = delete;
	HttpServer &operator=(const HttpServer &) = delete;
	int port() const { return port_; }
	std::string url(const std::string &path) const;
	size_t requests() const { return requests_.load(); }

private:
	void serve();
	void handle(int fd);
	std::map<std::string, std::string> files_;
	int listen_fd_ = -1;
	int port_ = 0;
	std::atomic<bool> stop_{false};
	std::atomic<size_t> requests_{0};
	std::thread thread_;
};

} // namespace vtest

#endif // VTEST_HPP
