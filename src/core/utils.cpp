// SPDX-License-Identifier: Apache-2.0
// Small shared helpers: exception mapping, filesystem, random names, the
// public string/path utilities.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>

#include "utils_internal.hpp"
#include "vaccel/cpp/exception_code.hpp"
#include "vaccel/utils/path.h"
#include "vaccel/utils/str.h"

namespace fs = std::filesystem;

namespace vaccel::core {

int error_from_current_exception(const char *where) noexcept
{
	return report_current_exception(where, VACCEL_EIO);
}

int make_dir(const std::string &dir) noexcept
{
	if (mkdir(dir.c_str(), 0700) == 0)
		return VACCEL_OK;
	if (errno == EEXIST) {
		struct stat st {};
		if (stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
			return VACCEL_OK;
		vaccel_error("Could not create directory %s: a non-directory exists there", dir.c_str());
		return VACCEL_ENOTDIR;
	}
	int err = errno;
	vaccel_error("Could not create directory %s: %s", dir.c_str(), strerror(err));
	return err;
}

void remove_tree(const std::string &path) noexcept
{
	if (path.empty())
		return;
	// Fast path: session/resource dirs are usually empty.
	if (rmdir(path.c_str()) == 0 || errno == ENOENT)
		return;
	std::error_code ec;
	fs::remove_all(path, ec);
	if (ec)
		vaccel_warn("Could not remove %s: %s", path.c_str(), ec.message().c_str());
}

std::string random_suffix(std::size_t len)
{
	static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static std::mutex mutex;
	static std::mt19937_64 rng{std::random_device{}()};
	std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 2);
	std::string out(len, 'x');
	std::lock_guard lock(mutex);
	for (auto &c : out)
		c = alphabet[pick(rng)];
	return out;
}

char *dup_cstr(const char *s)
{
	if (!s)
		return nullptr;
	char *d = strdup(s);
	if (!d)
		throw std::bad_alloc();
	return d;
}

char *dup_cstr(const std::string &s)
{
	return dup_cstr(s.c_str());
}

} // namespace vaccel::core

extern "C" {

int vaccel_str_to_lower(const char *str, char *lower, size_t size, char **alloc_lower)
{
	if (!str || (!lower && !alloc_lower) || (lower && size == 0))
		return VACCEL_EINVAL;
	size_t len = strlen(str);
	char *out = lower;
	if (lower) {
		// vAccel 0.8: a short destination gets a truncated, terminated copy.
		if (len >= size)
			len = size - 1;
	} else {
		out = static_cast<char *>(malloc(len + 1));
		if (!out)
			return VACCEL_ENOMEM;
	}
	for (size_t i = 0; i < len; ++i)
		out[i] = static_cast<char>(tolower(static_cast<unsigned char>(str[i])));
	out[len] = '\0';
	if (!lower)
		*alloc_lower = out;
	return VACCEL_OK;
}

bool vaccel_path_is_url(const char *path)
{
	if (!path)
		return false;
	return strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0 || strncmp(path, "ftp://", 6) == 0;
}

} // extern "C"
