// SPDX-License-Identifier: Apache-2.0
// Helpers for tests that drive a plugin through the public C API in-process, or through the
// `classify` example as a child process.  RAII wrappers make every exit path release sessions
// and resources; child processes run under `timeout` so no test can hang.
#pragma once

#include "test_models.hpp"

#include <vaccel.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace vaccel::test {

// Loads the plugin under test once per process (tests run with VACCEL_PLUGINS unset, so the
// runtime starts empty and this is the only plugin: plain sessions use it).
inline void load_plugin_once(const std::string &path)
{
	if (vaccel_plugin_count() == 0) {
		ASSERT_EQ(vaccel_plugin_load(path.c_str()), VACCEL_OK) << "cannot load " << path;
	}
}

class Session {
public:
	Session() { rc_ = vaccel_session_init(&sess_, 0); }
	~Session()
	{
		if (rc_ == VACCEL_OK)
			vaccel_session_release(&sess_);
	}
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;
	[[nodiscard]] int init_rc() const { return rc_; }
	struct vaccel_session *get() { return &sess_; }

private:
	struct vaccel_session sess_ {};
	int rc_ = VACCEL_EINVAL;
};

// A resource registered with one session for its lifetime.
class Resource {
public:
	// From a file path.
	Resource(const std::string &path, vaccel_resource_type_t type)
	{
		init_rc_ = vaccel_resource_init(&res_, path.c_str(), type);
	}
	// From bytes (mem_only: never persisted to a file, so the plugin sees a BUFFER blob).
	Resource(const std::vector<unsigned char> &bytes, vaccel_resource_type_t type, const char *name)
	{
		init_rc_ = vaccel_resource_init_from_buf(&res_, bytes.data(), bytes.size(), type, name, true);
	}
	~Resource()
	{
		if (sess_ != nullptr)
			vaccel_resource_unregister(&res_, sess_);
		if (init_rc_ == VACCEL_OK)
			vaccel_resource_release(&res_);
	}
	Resource(const Resource &) = delete;
	Resource &operator=(const Resource &) = delete;

	int register_with(Session &s)
	{
		if (init_rc_ != VACCEL_OK)
			return init_rc_;
		const int rc = vaccel_resource_register(&res_, s.get());
		if (rc == VACCEL_OK)
			sess_ = s.get();
		return rc;
	}
	[[nodiscard]] int init_rc() const { return init_rc_; }
	struct vaccel_resource *get() { return &res_; }

private:
	struct vaccel_resource res_ {};
	int init_rc_ = VACCEL_EINVAL;
	struct vaccel_session *sess_ = nullptr;
};

struct ClassifyResult {
	int rc;
	std::string text;
	std::string imgname;
};

inline ClassifyResult classify(Session &s, const std::vector<unsigned char> &img)
{
	std::array<unsigned char, 512> text{};
	std::array<unsigned char, 256> name{};
	const int rc = vaccel_image_classification(s.get(), img.empty() ? nullptr : img.data(), text.data(),
						   name.data(), img.size(), text.size(), name.size());
	return {rc, reinterpret_cast<const char *>(text.data()), reinterpret_cast<const char *>(name.data())};
}

struct CommandResult {
	int status; // exit status (124 = killed by timeout)
	std::string output;
};

// Runs `cmd` through /bin/sh with a wall-clock limit, capturing stdout and stderr.
inline CommandResult run_command(const std::string &cmd, int timeout_s)
{
	const std::string full = "timeout " + std::to_string(timeout_s) + " " + cmd + " 2>&1";
	std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(full.c_str(), "r"), &pclose);
	if (!pipe)
		return {-1, "popen failed"};
	std::string out;
	std::array<char, 4096> buf{};
	size_t n = 0;
	while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0)
		out.append(buf.data(), n);
	const int raw = pclose(pipe.release());
	return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

inline std::string quote(const std::string &s)
{
	return "'" + s + "'";
}

// The `classify` example binary, failing the test (with where it looked) if absent.
inline std::string classify_binary()
{
	const std::string path = VACCEL_TEST_CLASSIFY_BIN;
	if (!std::filesystem::exists(path))
		ADD_FAILURE() << "classify example not found at " << path
			      << " (build the examples: -DVACCEL_BUILD_EXAMPLES=ON)";
	return path;
}

} // namespace vaccel::test
