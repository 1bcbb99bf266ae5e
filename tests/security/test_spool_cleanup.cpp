// SPDX-License-Identifier: Apache-2.0
// Finding 8: a crashed agent's files (tenants' uploads) must not stay on disk. Each agent keeps
// its spool (under --workdir) and its library's run directory locked while it lives; the next
// agent start removes those whose agent is gone, never those of a live agent, and they are 0700.
#include "rpc_test_util.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <random>
#include <set>

namespace {

using namespace rpctest;
namespace fs = std::filesystem;

// Paths of the files named `name` under any of `roots` (bounded walk, no symlinks followed).
std::vector<std::string> find_named(const std::vector<std::string> &roots, const std::string &name)
{
	std::vector<std::string> found;
	for (const auto &root : roots) {
		std::error_code ec;
		fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
		for (size_t n = 0; !ec && it != end && n < 100000; it.increment(ec), ++n)
			if (it->path().filename() == name)
				found.push_back(it->path().string());
	}
	return found;
}

// Where the core library of a process with this environment puts its run directories.
std::string rundir_parent()
{
	std::string uid = std::to_string(getuid());
	if (access(("/run/user/" + uid).c_str(), W_OK) == 0)
		return "/run/user/" + uid + "/vaccel";
	const char *t = getenv("TMPDIR");
	return std::string(t && *t ? t : "/tmp") + "/vaccel-" + uid;
}

std::string unique_name(const char *tag)
{
	std::random_device rd;
	return std::string(tag) + "-" + std::to_string(rd()) + std::to_string(rd()) + ".bin";
}

// Uploads one FILE blob (spooled by the agent under --workdir) in a new session (which also
// gives the agent's library a session directory under its run directory).
void upload(Client &c, const std::string &file_name)
{
	int64_t sid = create_session(c);
	ASSERT_GT(sid, 0);
	std::string data(4096, 's');
	int64_t rid = 0;
	ASSERT_EQ(register_blob(c, sid, file_name, data.data(), data.size(), VACCEL_BLOB_FILE, &rid), 0);
}

std::set<std::string> entries(const std::string &dir)
{
	std::set<std::string> out;
	std::error_code ec;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
		out.insert(it->path().string());
	return out;
}

std::vector<std::string> added(const std::set<std::string> &before, const std::set<std::string> &after)
{
	std::vector<std::string> out;
	for (const auto &e : after)
		if (!before.count(e))
			out.push_back(e);
	return out;
}

mode_t mode_of(const std::string &p)
{
	struct stat st {};
	return stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

TEST(SpoolCleanup, CrashedAgentsFilesAreRemovedAndLiveOnesKept)
{
	std::string base = make_temp_dir("spool");
	ASSERT_FALSE(base.empty());
	std::string work = base + "/work";
	ASSERT_EQ(mkdir(work.c_str(), 0755), 0);
	// The agents (children) put their library's run directories under this TMPDIR.
	std::string old_tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "";
	setenv("TMPDIR", base.c_str(), 1);
	const std::string runs = rundir_parent();
	const std::vector<std::string> extra{"--workdir", work};

	// A live agent with an upload of its own, that must survive the others' cleanup.
	auto runs_before_live = entries(runs);
	AgentProcess live;
	ASSERT_TRUE(live.start(NOOP_PLUGIN, extra));
	auto live_client = make_client(live.address());
	const std::string live_file = unique_name("live-file");
	upload(*live_client, live_file);
	auto live_runs = added(runs_before_live, entries(runs));
	ASSERT_FALSE(live_runs.empty()) << "no run directory under " << runs;

	// The agent that crashes, holding a tenant's upload.
	const std::string dead_file = unique_name("dead-file");
	auto runs_before_dead = entries(runs);
	std::vector<std::string> dead_runs;
	{
		AgentProcess doomed;
		ASSERT_TRUE(doomed.start(NOOP_PLUGIN, extra));
		auto c = make_client(doomed.address());
		upload(*c, dead_file);
		dead_runs = added(runs_before_dead, entries(runs));
		ASSERT_EQ(find_named({work}, dead_file).size(), 1u) << "the upload is spooled under --workdir";
		doomed.kill9();
	}
	ASSERT_FALSE(dead_runs.empty()) << "the crashed agent's library made no run directory under " << runs;
	EXPECT_EQ(find_named({work}, dead_file).size(), 1u) << "kill -9 leaves the files behind until the next start";

	auto runs_before_next = entries(runs);
	AgentProcess next;
	ASSERT_TRUE(next.start(NOOP_PLUGIN, extra));
	auto c = make_client(next.address());
	const std::string next_file = unique_name("next-file");
	upload(*c, next_file);
	auto next_runs = added(runs_before_next, entries(runs));

	EXPECT_TRUE(find_named({work}, dead_file).empty()) << "the dead agent's spooled upload is still on disk";
	for (const auto &d : dead_runs)
		EXPECT_FALSE(fs::exists(d)) << "the dead agent's run directory is still on disk: " << d;
	EXPECT_EQ(find_named({work}, live_file).size(), 1u) << "a live agent's spool was removed";
	for (const auto &d : live_runs)
		EXPECT_TRUE(fs::exists(d)) << "a live agent's run directory was removed: " << d;
	EXPECT_GT(create_session(*live_client), 0) << "the live agent still serves";

	// Every directory from the spool down to an upload, and the run directory, is 0700
	// whatever the umask (022 here) would have given.
	auto found = find_named({work}, next_file);
	ASSERT_EQ(found.size(), 1u);
	for (fs::path p = fs::path(found[0]).parent_path(); p != fs::path(work); p = p.parent_path())
		EXPECT_EQ(mode_of(p), 0700u) << p;
	ASSERT_FALSE(next_runs.empty());
	for (const auto &d : next_runs)
		EXPECT_EQ(mode_of(d), 0700u) << d;

	if (old_tmpdir.empty())
		unsetenv("TMPDIR");
	else
		setenv("TMPDIR", old_tmpdir.c_str(), 1);
	std::error_code ec;
	fs::remove_all(base, ec);
}

} // namespace
