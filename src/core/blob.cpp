// SPDX-License-Identifier: Apache-2.0
// Blobs: a file on disk (FILE), bytes in memory (BUFFER) or a file mapped
// into memory (MAPPED). In this implementation the data of a MAPPED blob is
// always an mmap() of its file (unmapped on release); BUFFER data is freed on
// release when data_owned is set.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "blob_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel/blob.h"

namespace fs = std::filesystem;
using vaccel::core::dup_cstr;

namespace {

void zero_blob(vaccel_blob *b)
{
	b->type = VACCEL_BLOB_FILE;
	b->name = nullptr;
	b->path = nullptr;
	b->path_owned = false;
	b->data = nullptr;
	b->data_owned = false;
	b->size = 0;
}

std::string base_name(const char *path)
{
	return fs::path(path).filename().string();
}

// Writes all of buf to fd; VACCEL_OK or errno.
int write_all(int fd, const uint8_t *buf, size_t size)
{
	while (size > 0) {
		ssize_t n = write(fd, buf, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		buf += n;
		size -= static_cast<size_t>(n);
	}
	return VACCEL_OK;
}

// Maps `path` read-only and private; size 0 files give data == nullptr.
int map_file(const char *path, uint8_t **data, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		vaccel_error("Could not open %s: %s", path, strerror(err));
		return err;
	}
	struct stat st {};
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return err;
	}
	*size = static_cast<size_t>(st.st_size);
	*data = nullptr;
	if (st.st_size > 0) {
		void *p = mmap(nullptr, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			int err = errno;
			close(fd);
			vaccel_error("Could not map %s: %s", path, strerror(err));
			return err;
		}
		*data = static_cast<uint8_t *>(p);
	}
	close(fd);
	return VACCEL_OK;
}

// Creates <dir>/<filename>[_<random>] exclusively and writes buf to it.
int write_new_file(const char *dir, const char *filename, bool randomize, const uint8_t *buf, size_t size,
		   std::string &out_path)
{
	for (int attempt = 0; attempt < 16; ++attempt) {
		std::string name = filename;
		if (randomize) {
			fs::path p(filename);
			name = p.stem().string() + "_" + vaccel::core::random_suffix(6) + p.extension().string();
		}
		std::string path = std::string(dir) + "/" + name;
		int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST && randomize)
				continue;
			int err = errno;
			vaccel_error("Could not create %s: %s", path.c_str(), strerror(err));
			return err;
		}
		int ret = write_all(fd, buf, size);
		close(fd);
		if (ret) {
			unlink(path.c_str());
			vaccel_error("Could not write %s: %s", path.c_str(), strerror(ret));
			return ret;
		}
		out_path = path;
		return VACCEL_OK;
	}
	return VACCEL_EEXIST;
}

int persist_impl(vaccel_blob *blob, const char *dir, const char *filename, bool randomize)
{
	if (!blob || !dir || !filename || !*filename || blob->type != VACCEL_BLOB_BUFFER || !blob->data ||
	    blob->size == 0)
		return VACCEL_EINVAL;
	std::string path;
	if (int ret = write_new_file(dir, filename, randomize, blob->data, blob->size, path))
		return ret;
	uint8_t *data = nullptr;
	size_t size = 0;
	if (int ret = map_file(path.c_str(), &data, &size)) {
		unlink(path.c_str());
		return ret;
	}
	char *path_c = nullptr;
	char *name_c = nullptr;
	try {
		path_c = dup_cstr(path);
		name_c = dup_cstr(base_name(path.c_str()));
	} catch (...) {
		free(path_c);
		munmap(data, size);
		unlink(path.c_str());
		throw;
	}
	if (blob->data_owned)
		free(blob->data);
	free(blob->name);
	free(blob->path);
	blob->type = VACCEL_BLOB_MAPPED;
	blob->name = name_c;
	blob->path = path_c;
	blob->path_owned = true;
	blob->data = data;
	blob->data_owned = true;
	blob->size = size;
	return VACCEL_OK;
}

} // namespace

namespace vaccel::core {

int blob_set_path_owned(vaccel_blob *blob, bool owned)
{
	if (!blob)
		return VACCEL_EINVAL;
	blob->path_owned = owned;
	return VACCEL_OK;
}

} // namespace vaccel::core

extern "C" {

int vaccel_blob_init(struct vaccel_blob *blob, const char *path)
{
	return vaccel::core::guard(__func__, [&] {
		if (!blob || !path || !*path)
			return static_cast<int>(VACCEL_EINVAL);
		struct stat st {};
		if (stat(path, &st) != 0) {
			vaccel_error("Blob file %s does not exist", path);
			return static_cast<int>(VACCEL_ENOENT);
		}
		if (!S_ISREG(st.st_mode)) {
			vaccel_error("Blob path %s is not a regular file", path);
			return static_cast<int>(VACCEL_EINVAL);
		}
		char *p = dup_cstr(path);
		char *n = nullptr;
		try {
			n = dup_cstr(base_name(path));
		} catch (...) {
			free(p);
			throw;
		}
		zero_blob(blob);
		blob->type = VACCEL_BLOB_FILE;
		blob->path = p;
		blob->name = n;
		blob->size = static_cast<size_t>(st.st_size);
		return static_cast<int>(VACCEL_OK);
	});
}

int vaccel_blob_init_from_buf(struct vaccel_blob *blob, const uint8_t *buf, size_t size, bool own, const char *filename,
			      const char *dir, bool randomize)
{
	return vaccel::core::guard(__func__, [&] {
		if (!blob || !buf || size == 0)
			return static_cast<int>(VACCEL_EINVAL);
		if (dir && (!filename || !*filename)) {
			vaccel_error("A file name is required to persist a blob");
			return static_cast<int>(VACCEL_EINVAL);
		}
		vaccel_blob tmp;
		zero_blob(&tmp);
		tmp.type = VACCEL_BLOB_BUFFER;
		tmp.size = size;
		// Persisting copies into the file anyway, so borrow until then.
		bool copy = own && !dir;
		if (copy) {
			tmp.data = static_cast<uint8_t *>(malloc(size));
			if (!tmp.data)
				return static_cast<int>(VACCEL_ENOMEM);
			memcpy(tmp.data, buf, size);
			tmp.data_owned = true;
		} else {
			tmp.data = const_cast<uint8_t *>(buf);
		}
		try {
			tmp.name = dup_cstr(filename);
		} catch (...) {
			if (tmp.data_owned)
				free(tmp.data);
			throw;
		}
		if (dir) {
			int ret = persist_impl(&tmp, dir, filename, randomize);
			if (ret) {
				free(tmp.name);
				return ret;
			}
		}
		*blob = tmp;
		return static_cast<int>(VACCEL_OK);
	});
}

int vaccel_blob_persist(struct vaccel_blob *blob, const char *dir, const char *filename, bool randomize)
{
	return vaccel::core::guard(__func__, [&] { return persist_impl(blob, dir, filename, randomize); });
}

int vaccel_blob_read(struct vaccel_blob *blob)
{
	return vaccel::core::guard(__func__, [&] {
		if (!blob)
			return static_cast<int>(VACCEL_EINVAL);
		if (blob->data)
			return static_cast<int>(VACCEL_OK);
		if (blob->type != VACCEL_BLOB_FILE || !blob->path)
			return static_cast<int>(VACCEL_EINVAL);
		uint8_t *data = nullptr;
		size_t size = 0;
		if (int ret = map_file(blob->path, &data, &size))
			return ret;
		blob->type = VACCEL_BLOB_MAPPED;
		blob->data = data;
		blob->data_owned = true;
		blob->size = size;
		return static_cast<int>(VACCEL_OK);
	});
}

uint8_t *vaccel_blob_data(struct vaccel_blob *blob, size_t *size)
{
	if (!blob)
		return nullptr;
	if (!blob->data && vaccel_blob_read(blob) != VACCEL_OK)
		return nullptr;
	if (size)
		*size = blob->size;
	return blob->data;
}

const char *vaccel_blob_path(const struct vaccel_blob *blob)
{
	return blob ? blob->path : nullptr;
}

bool vaccel_blob_valid(const struct vaccel_blob *blob)
{
	if (!blob)
		return false;
	switch (blob->type) {
	case VACCEL_BLOB_FILE:
		return blob->path != nullptr;
	case VACCEL_BLOB_BUFFER:
		return blob->data != nullptr && blob->size > 0;
	case VACCEL_BLOB_MAPPED:
		return blob->path != nullptr && (blob->data != nullptr || blob->size == 0);
	default:
		return false;
	}
}

int vaccel_blob_release(struct vaccel_blob *blob)
{
	if (!blob)
		return VACCEL_EINVAL;
	if (blob->data) {
		if (blob->type == VACCEL_BLOB_MAPPED)
			munmap(blob->data, blob->size);
		else if (blob->data_owned)
			free(blob->data);
	}
	if (blob->path && blob->path_owned)
		unlink(blob->path);
	free(blob->path);
	free(blob->name);
	zero_blob(blob);
	return VACCEL_OK;
}

int vaccel_blob_new(struct vaccel_blob **blob, const char *path)
{
	if (!blob)
		return VACCEL_EINVAL;
	auto *b = static_cast<vaccel_blob *>(calloc(1, sizeof(vaccel_blob)));
	if (!b)
		return VACCEL_ENOMEM;
	int ret = vaccel_blob_init(b, path);
	if (ret) {
		free(b);
		return ret;
	}
	*blob = b;
	return VACCEL_OK;
}

int vaccel_blob_from_buf(struct vaccel_blob **blob, const uint8_t *buf, size_t size, bool own, const char *filename,
			 const char *dir, bool randomize)
{
	if (!blob)
		return VACCEL_EINVAL;
	auto *b = static_cast<vaccel_blob *>(calloc(1, sizeof(vaccel_blob)));
	if (!b)
		return VACCEL_ENOMEM;
	int ret = vaccel_blob_init_from_buf(b, buf, size, own, filename, dir, randomize);
	if (ret) {
		free(b);
		return ret;
	}
	*blob = b;
	return VACCEL_OK;
}

int vaccel_blob_delete(struct vaccel_blob *blob)
{
	if (!blob)
		return VACCEL_EINVAL;
	vaccel_blob_release(blob);
	free(blob);
	return VACCEL_OK;
}

} // extern "C"
