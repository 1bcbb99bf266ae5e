// SPDX-License-Identifier: Apache-2.0
// fs_file_read(): vAccel 0.8 exported it from libvaccel and its examples use
// it, so code copied from them builds and links against us.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "utils_internal.hpp"
#include "vaccel/utils/fs.h"

namespace {

// Closes the fd on every path out.
struct Fd {
	int fd;
	~Fd()
	{
		if (fd >= 0)
			close(fd);
	}
};

// Reads exactly `size` bytes (the file may shrink meanwhile: then EIO).
int read_all(int fd, char *buf, size_t size)
{
	size_t done = 0;
	while (done < size) {
		const ssize_t n = read(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;
		done += static_cast<size_t>(n);
	}
	return 0;
}

} // namespace

extern "C" int fs_file_read(const char *path, void **data, size_t *size)
{
	if (path == nullptr || data == nullptr || size == nullptr) {
		vaccel_error("fs_file_read: NULL argument");
		return VACCEL_EINVAL;
	}
	Fd f{open(path, O_RDONLY | O_CLOEXEC)};
	if (f.fd < 0) {
		const int err = errno;
		vaccel_error("fs_file_read: cannot open %s: %s", path, strerror(err));
		return err;
	}
	struct stat st {};
	if (fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		vaccel_error("fs_file_read: %s is not a regular file", path);
		return VACCEL_EINVAL;
	}
	const auto len = static_cast<size_t>(st.st_size);
	// One extra zeroed byte so text files can be used as C strings.
	auto *buf = static_cast<char *>(calloc(len + 1, 1));
	if (buf == nullptr)
		return VACCEL_ENOMEM;
	if (int err = read_all(f.fd, buf, len)) {
		free(buf);
		vaccel_error("fs_file_read: cannot read %s: %s", path, strerror(err));
		return err;
	}
	*data = buf;
	*size = len;
	return VACCEL_OK;
}
