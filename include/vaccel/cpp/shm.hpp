// SPDX-License-Identifier: Apache-2.0
// vaccel::SharedBuffer: a move-only owner of a shared buffer (vaccel/shm.h).
// Fill it through bytes() and pass data() to any op: a transport plugin that
// understands shared buffers hands the memory to its agent without copying.
// Freed on destruction.
#ifndef VACCEL_CPP_SHM_HPP
#define VACCEL_CPP_SHM_HPP

#include <cstddef>
#include <span>
#include <utility>

#include "../shm.h"
#include "error.hpp"

namespace vaccel {

class SharedBuffer {
public:
	// `size` zero-filled bytes. Throws Error(VACCEL_EINVAL) for size 0 and
	// Error(VACCEL_ENOMEM) when memory or memfds are exhausted.
	explicit SharedBuffer(std::size_t size)
	{
		if (size == 0)
			throw Error(VACCEL_EINVAL, "vaccel_shm_alloc");
		data_ = static_cast<std::byte *>(vaccel_shm_alloc(size));
		if (data_ == nullptr)
			throw Error(VACCEL_ENOMEM, "vaccel_shm_alloc");
		size_ = size;
	}

	SharedBuffer(const SharedBuffer &) = delete;
	SharedBuffer &operator=(const SharedBuffer &) = delete;

	// A moved-from buffer is empty: data() == nullptr, size() == 0.
	SharedBuffer(SharedBuffer &&other) noexcept
	    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0))
	{
	}

	SharedBuffer &operator=(SharedBuffer &&other) noexcept
	{
		if (this != &other) {
			release();
			data_ = std::exchange(other.data_, nullptr);
			size_ = std::exchange(other.size_, 0);
		}
		return *this;
	}

	~SharedBuffer() { release(); }

	void *data() const noexcept { return data_; }
	// The size asked for (the mapping may be larger, up to a whole page).
	std::size_t size() const noexcept { return size_; }
	std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
	explicit operator bool() const noexcept { return data_ != nullptr; }

private:
	void release() noexcept
	{
		// Cannot fail: data_ is always a live buffer that this object owns.
		if (data_ != nullptr)
			vaccel_shm_free(data_);
		data_ = nullptr;
		size_ = 0;
	}

	std::byte *data_ = nullptr;
	std::size_t size_ = 0;
};

} // namespace vaccel

#endif // VACCEL_CPP_SHM_HPP
