// SPDX-License-Identifier: Apache-2.0
// Private directories that outlive a crash only until the next start: each is created 0700 and
// held with flock() on the directory itself for as long as its process lives, so that a later
// process can tell an abandoned one (lock free) from one in use and remove it. Used for the
// core's run directory and the agent's spool. Header-only: the core and the agent share it
// without either exporting it.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace vaccel::common {

class OwnedDir {
public:
	OwnedDir() = default;
	OwnedDir(const OwnedDir &) = delete;
	OwnedDir &operator=(const OwnedDir &) = delete;
	~OwnedDir() { release(); }

	// Creates parent/<prefix><6 random chars>, mode 0700 whatever the umask, locked. It is
	// made under a hidden temporary name, locked, and only then renamed (never replacing
	// anything) to its final name: a directory with the prefix is never seen unlocked while
	// its creator lives. Returns 0 or an errno.
	int create(const std::string &parent, const std::string &prefix)
	{
		release();
		int err = EEXIST;
		for (int attempt = 0; attempt < 8 && err == EEXIST; ++attempt)
			err = try_create(parent, prefix);
		return err;
	}

	[[nodiscard]] const std::string &path() const { return path_; }

	// Removes the tree, then gives up the lock.
	void remove()
	{
		if (!path_.empty()) {
			std::error_code ec;
			std::filesystem::remove_all(path_, ec);
		}
		release();
	}

	// Gives up the lock (the directory stays, and counts as abandoned from now on).
	void release()
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = -1;
		path_.clear();
	}

private:
	static std::string hidden_prefix(const std::string &prefix) { return "." + prefix + "new."; }

	int try_create(const std::string &parent, const std::string &prefix)
	{
		std::string tmp = parent + "/" + hidden_prefix(prefix) + "XXXXXX";
		if (!mkdtemp(tmp.data()))
			return errno;
		int fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			return e == ENOENT ? EEXIST : e; // swept while empty and unlocked: try again
		}
		int err = 0;
		if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fchmod(fd, 0700) != 0)
			err = errno == EWOULDBLOCK ? EEXIST : errno;
		std::string final_path = parent + "/" + prefix + tmp.substr(tmp.size() - 6);
		if (!err && renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0)
			err = errno == ENOENT ? EEXIST : errno;
		if (err) {
			::rmdir(tmp.c_str());
			::close(fd);
			return err;
		}
		fd_ = fd;
		path_ = final_path;
		return 0;
	}

	friend size_t remove_abandoned_dirs(const std::string &parent, const std::string &prefix);

	int fd_ = -1;
	std::string path_;
};

// Removes every directory parent/<prefix>* of this user whose lock is free (its process is
// gone), and the empty temporaries of creations that died half-way. Never follows symlinks and
// never touches a directory a live process holds. Returns how many were removed.
inline size_t remove_abandoned_dirs(const std::string &parent, const std::string &prefix)
{
	DIR *d = ::opendir(parent.c_str());
	if (!d)
		return 0;
	const std::string temp = OwnedDir::hidden_prefix(prefix);
	size_t removed = 0;
	while (dirent *e = ::readdir(d)) {
		const std::string name = e->d_name;
		const bool is_temp = name.rfind(temp, 0) == 0;
		if (!is_temp && name.rfind(prefix, 0) != 0)
			continue;
		int fd = ::openat(::dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat st {};
		if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			const std::string path = parent + "/" + name;
			std::error_code ec;
			if (is_temp ? ::unlinkat(::dirfd(d), name.c_str(), AT_REMOVEDIR) == 0
				    : std::filesystem::remove_all(path, ec) > 0 && !ec)
				++removed;
		}
		::close(fd);
	}
	::closedir(d);
	return removed;
}

} // namespace vaccel::common
