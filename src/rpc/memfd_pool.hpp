// SPDX-License-Identifier: Apache-2.0
// Pool of sealed memfds (F_SEAL_SHRINK|F_SEAL_GROW) with writable mappings, reused across
// calls: a fresh memfd per call is slower than copying through the socket (first-touch faults).
#pragma once

#include "unique_fd.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace vaccel::rpc {

class MemfdPool {
public:
	struct Entry {
		UniqueFd fd;
		std::byte *data = nullptr;
		size_t capacity = 0;
		bool busy = false;
		~Entry();
	};

	class Lease {
	public:
		Lease() = default;
		Lease(MemfdPool *pool, Entry *e) : pool_(pool), e_(e) {}
		Lease(const Lease &) = delete;
		Lease &operator=(const Lease &) = delete;
		Lease(Lease &&o) noexcept : pool_(o.pool_), e_(o.e_) { o.e_ = nullptr; }
		Lease &operator=(Lease &&o) noexcept;
		~Lease();
		[[nodiscard]] bool valid() const { return e_ != nullptr; }
		[[nodiscard]] int fd() const { return e_->fd.get(); }
		[[nodiscard]] std::byte *data() const { return e_->data; }
		[[nodiscard]] size_t capacity() const { return e_->capacity; }

	private:
		MemfdPool *pool_ = nullptr;
		Entry *e_ = nullptr;
	};

	explicit MemfdPool(size_t max_entries = 4) : max_entries_(max_entries) {}
	MemfdPool(const MemfdPool &) = delete;
	MemfdPool &operator=(const MemfdPool &) = delete;

	// Returns a sealed memfd of capacity >= size, or an invalid lease (errno in *err).
	Lease acquire(size_t size, int *err);

	// Creates one sealed memfd of exactly `size` bytes, mapped read/write (for tests too).
	static std::unique_ptr<Entry> create_sealed(size_t size, int *err);

private:
	void give_back(Entry *e);
	std::mutex lock_;
	std::vector<std::unique_ptr<Entry>> entries_; // guarded by lock_
	size_t max_entries_;
};

} // namespace vaccel::rpc
