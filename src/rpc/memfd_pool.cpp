// SPDX-License-Identifier: Apache-2.0
#include "memfd_pool.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vaccel::rpc {
namespace {
constexpr size_t kMinCapacity = 1 << 20;

size_t round_capacity(size_t n)
{
	size_t c = kMinCapacity;
	while (c < n && c <= SIZE_MAX / 2)
		c *= 2;
	return c;
}
} // namespace

MemfdPool::Entry::~Entry()
{
	if (data)
		munmap(data, capacity);
}

MemfdPool::Lease &MemfdPool::Lease::operator=(Lease &&o) noexcept
{
	if (this != &o) {
		if (e_)
			pool_->give_back(e_);
		pool_ = o.pool_;
		e_ = o.e_;
		o.e_ = nullptr;
	}
	return *this;
}

MemfdPool::Lease::~Lease()
{
	if (e_)
		pool_->give_back(e_);
}

std::unique_ptr<MemfdPool::Entry> MemfdPool::create_sealed(size_t size, int *err)
{
	auto e = std::make_unique<Entry>();
	e->fd.reset(memfd_create("vaccel-rpc-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!e->fd) {
		*err = errno;
		return nullptr;
	}
	if (ftruncate(e->fd.get(), static_cast<off_t>(size)) != 0 ||
	    fcntl(e->fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		*err = errno;
		return nullptr;
	}
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd.get(), 0);
	if (p == MAP_FAILED) {
		*err = errno;
		return nullptr;
	}
	e->data = static_cast<std::byte *>(p);
	e->capacity = size;
	return e;
}

MemfdPool::Lease MemfdPool::acquire(size_t size, int *err)
{
	std::lock_guard lock(lock_);
	Entry *best = nullptr;
	for (auto &e : entries_)
		if (!e->busy && e->capacity >= size && (!best || e->capacity < best->capacity))
			best = e.get();
	if (!best) {
		// Make room: drop idle entries (largest first) until there is a free slot.
		while (entries_.size() >= max_entries_) {
			auto victim = std::max_element(entries_.begin(), entries_.end(), [](auto &a, auto &b) {
				return (a->busy ? 0 : a->capacity) < (b->busy ? 0 : b->capacity);
			});
			if (victim == entries_.end() || (*victim)->busy) {
				*err = EBUSY;
				return {};
			}
			entries_.erase(victim);
		}
		auto e = create_sealed(round_capacity(size), err);
		if (!e)
			return {};
		best = e.get();
		entries_.push_back(std::move(e));
	}
	best->busy = true;
	return Lease(this, best);
}

void MemfdPool::give_back(Entry *e)
{
	std::lock_guard lock(lock_);
	e->busy = false;
}

} // namespace vaccel::rpc
