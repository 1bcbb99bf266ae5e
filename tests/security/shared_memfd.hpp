// SPDX-License-Identifier: Apache-2.0
// A sealed memfd mapped read/write in the test process: the "shared buffer" a hostile client
// keeps writing while the agent serves a request that points into it.
#pragma once

#include "client.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace sectest {

class SharedMemfd {
public:
	// `size` bytes, sparse (nothing written), sealed against shrink and grow.
	explicit SharedMemfd(size_t size) : size_(size)
	{
		fd_ = memfd_create("vaccel-sectest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd_ < 0 || ftruncate(fd_, static_cast<off_t>(size)) != 0 ||
		    fcntl(fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
			return;
		void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
		if (p != MAP_FAILED)
			base_ = static_cast<std::byte *>(p);
	}
	SharedMemfd(const SharedMemfd &) = delete;
	SharedMemfd &operator=(const SharedMemfd &) = delete;
	~SharedMemfd()
	{
		if (base_)
			munmap(base_, size_);
		if (fd_ >= 0)
			close(fd_);
	}
	[[nodiscard]] bool ok() const { return base_ != nullptr; }
	[[nodiscard]] std::byte *base() const { return base_; }
	[[nodiscard]] int fd() const { return fd_; }
	[[nodiscard]] size_t size() const { return size_; }
	// vaccel_shm_lookup's shape: payload iovecs inside this memfd travel as its ranges.
	int lookup(const void *p, size_t len, int *fd, size_t *off) const
	{
		auto *b = static_cast<const std::byte *>(p);
		if (!base_ || b < base_ || b + len > base_ + size_)
			return -1;
		*fd = fd_;
		*off = static_cast<size_t>(b - base_);
		return 0;
	}

private:
	int fd_ = -1;
	std::byte *base_ = nullptr;
	size_t size_ = 0;
};

// A protocol client that sends every payload iovec inside `shm` as a memfd range (PARTS).
inline vaccel::rpc::ClientOptions zero_copy_options(const std::string &address, const SharedMemfd &shm)
{
	vaccel::rpc::ClientOptions o;
	o.address = address;
	o.response_timeout_ms = 20000;
	o.io_timeout_ms = 5000;
	o.memfd_min = 0;
	o.shm_min = 1;
	o.find_shared = [&shm](const void *p, size_t len, int *fd, size_t *off) { return shm.lookup(p, len, fd, off); };
	return o;
}

} // namespace sectest
