// SPDX-License-Identifier: Apache-2.0
// Memory that grows as bytes actually arrive (mmap + mremap, no copy on growth), and
// read-only mappings of received memfds.
#pragma once

#include "unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace vaccel::rpc {

class GrowableRegion {
public:
	GrowableRegion() = default;
	GrowableRegion(const GrowableRegion &) = delete;
	GrowableRegion &operator=(const GrowableRegion &) = delete;
	GrowableRegion(GrowableRegion &&o) noexcept;
	GrowableRegion &operator=(GrowableRegion &&o) noexcept;
	~GrowableRegion();

	// Ensures capacity >= n (geometric growth). Returns 0 or ENOMEM.
	int reserve(size_t n);
	// Appends n bytes of capacity to the size (after the caller wrote them at data()+size()).
	void commit(size_t n) { size_ += n; }
	void clear() { size_ = 0; }
	// Drops the mapping when it is larger than keep_bytes (bounds idle memory per connection).
	void trim(size_t keep_bytes);

	[[nodiscard]] std::byte *data() { return base_; }
	[[nodiscard]] const std::byte *data() const { return base_; }
	[[nodiscard]] size_t size() const { return size_; }
	[[nodiscard]] size_t capacity() const { return cap_; }
	[[nodiscard]] std::span<std::byte> bytes() { return {base_, size_}; }

private:
	void release();
	std::byte *base_ = nullptr;
	size_t size_ = 0;
	size_t cap_ = 0;
};

// A read-only shared view of (a range of) a received memfd; may also be a borrowed view of
// a mapping owned by a MappingCache.
class Mapping {
public:
	Mapping() = default;
	// A view into a mapping owned elsewhere; `keep` (optional) holds that owner alive.
	static Mapping borrowed(std::byte *data, size_t len, std::shared_ptr<const void> keep = {})
	{
		Mapping m;
		m.data_ = data;
		m.len_ = len;
		m.keep_ = std::move(keep);
		return m;
	}
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	Mapping(Mapping &&o) noexcept;
	Mapping &operator=(Mapping &&o) noexcept;
	~Mapping();

	// Maps bytes [offset, offset + len) of fd (any offset: the mapping starts at the page
	// below it). Returns 0 or errno.
	int map_readonly(int fd, uint64_t offset, size_t len);
	[[nodiscard]] std::byte *data() const { return data_; }
	[[nodiscard]] size_t size() const { return len_; }
	// Bytes of address space this mapping owns (page-rounded; 0 when borrowed).
	[[nodiscard]] size_t mapped_size() const { return map_len_; }
	void reset();

private:
	std::byte *data_ = nullptr;
	size_t len_ = 0;
	void *map_base_ = nullptr; // owned mmap, when not borrowed
	size_t map_len_ = 0;
	std::shared_ptr<const void> keep_; // borrowed: keeps the owning mapping alive
};

// Per-connection cache of memfd mappings, keyed by inode and page range. Pooled client memfds
// and shared buffers come back call after call with the same ranges; their size is sealed, so
// a mapping stays valid and mapping it again is avoided. Only the pages a request uses are
// mapped (never the whole file, never pre-faulted), and memfds larger than `max_file` are
// refused (EFBIG). Holds at most `max` mappings (each keeps its memfd alive); the least
// recently used goes first. `account` (optional) is told of every byte of address space
// the cache keeps (+n when a mapping is added, -n when one is dropped) and may refuse an
// addition: the view is then handed out uncached. Views share ownership of their mapping, so
// one still in use by a request being served survives its eviction. Not thread-safe.
class MappingCache {
public:
	using Account = std::function<bool(int64_t delta)>;
	explicit MappingCache(size_t max = 4, uint64_t max_file = UINT64_MAX, Account account = {})
	    : max_(max), max_file_(max_file), account_(std::move(account))
	{
	}
	MappingCache(const MappingCache &) = delete;
	MappingCache &operator=(const MappingCache &) = delete;
	~MappingCache() { clear(); }
	// Returns a borrowed view of bytes [offset, offset + len) of the memfd. EINVAL when the
	// range is outside the file, EFBIG when the file is larger than max_file.
	int view(int fd, uint64_t offset, size_t len, Mapping &out);
	// Drops every cached mapping (views in use keep theirs).
	void clear();
	// Address space the cached mappings hold.
	[[nodiscard]] uint64_t mapped_bytes() const { return mapped_; }

private:
	struct Entry {
		uint64_t dev = 0, ino = 0;
		uint64_t start = 0; // file offset of the mapping (page-aligned)
		std::shared_ptr<Mapping> map;
		uint64_t last_use = 0;
	};
	void evict_lru();
	std::vector<Entry> entries_;
	size_t max_;
	uint64_t max_file_;
	Account account_;
	uint64_t mapped_ = 0;
	uint64_t tick_ = 0;
};

// Address space needed to map bytes [offset, offset + len) of a file (whole pages).
uint64_t page_span(uint64_t offset, uint64_t len);

// Validates a memfd received from a peer before it is mapped: regular file, F_SEAL_SHRINK
// (and F_SEAL_GROW) set so the peer cannot truncate it under us (SIGBUS), need <= size <=
// max_size (a peer may not make us map or keep alive more than the limits allow).
int check_sealed_memfd(int fd, uint64_t need, uint64_t max_size, const char **why);

} // namespace vaccel::rpc
