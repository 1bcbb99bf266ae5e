// SPDX-License-Identifier: Apache-2.0
// Shared buffers (include/vaccel/shm.h): each buffer is one memfd, sealed so that
// its size can never change, mapped once into this process. A process-wide block
// table from start address to block lets a transport plugin ask, for any payload pointer,
// "is this inside a shared buffer, and if so which memfd and offset?" without the
// application having to say so. (The block table is not a registry: in libvaccel that
// word means only the plugin registry, plugin.cpp.)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <sys/types.h>

#include "utils_internal.hpp"
#include "vaccel/shm.h"

namespace {

struct Block {
	size_t size = 0;       // bytes the caller asked for: the only range lookups accept
	size_t mapped_len = 0; // size rounded up to whole pages: what munmap needs
	int fd = -1;           // the memfd, owned by the block table
};

// Lookups run once per payload iovec of every remote call, alloc/free only when the
// application manages its buffers: a shared_mutex lets lookups run side by side.
struct BlockTable {
	std::shared_mutex mutex;
	std::map<uintptr_t, Block> blocks; // key: start address of the mapping
};

BlockTable &block_table()
{
	// Heap-allocated and never destroyed on purpose: a plugin may call
	// vaccel_shm_lookup() or vaccel_shm_free() from its own exit handlers or
	// library destructors, which can run after this library's static objects
	// are gone. A leaked map is harmless; a destroyed one would be a crash.
	static auto *table = new BlockTable;
	return *table;
}

size_t page_size()
{
	static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
	return size;
}

// Rounds `size` up to whole pages into *out; false when that would not fit in
// size_t, or would not fit the off_t that ftruncate() takes.
bool round_to_pages(size_t size, size_t *out)
{
	const size_t page = page_size();
	if (size > std::numeric_limits<size_t>::max() - (page - 1))
		return false;
	const size_t rounded = (size + page - 1) / page * page;
	if (rounded > static_cast<size_t>(std::numeric_limits<off_t>::max()))
		return false;
	*out = rounded;
	return true;
}

// Logs the failed step with errno's text; always returns -1 for the caller's
// convenience.
int log_step_failure(const char *step, int err)
{
	vaccel_error("vaccel_shm_alloc: %s failed: %s", step, strerror(err));
	return -1;
}

// Creates a memfd of `mapped_len` bytes whose size is sealed (it can neither
// shrink, which would make a peer's mapping fault with SIGBUS, nor grow, nor
// have its seals changed). Returns the fd, or -1 after logging the failed step.
int create_sealed_memfd(size_t mapped_len)
{
	int fd = memfd_create("vaccel-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return log_step_failure("memfd_create", errno);
	if (ftruncate(fd, static_cast<off_t>(mapped_len)) != 0) {
		int err = errno;
		close(fd);
		return log_step_failure("ftruncate", err);
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		int err = errno;
		close(fd);
		return log_step_failure("fcntl(F_ADD_SEALS)", err);
	}
	return fd;
}

// Records a freshly mapped block. False (after logging) when the block table cannot
// take it; the caller then still owns the mapping and the fd.
bool add_block(void *start, const Block &block) noexcept
{
	try {
		BlockTable &table = block_table();
		std::unique_lock lock(table.mutex);
		auto [it, inserted] = table.blocks.emplace(reinterpret_cast<uintptr_t>(start), block);
		if (!inserted) {
			// The kernel just handed us this address, so a live entry for it
			// means someone unmapped a shared buffer behind our back.
			vaccel_error("vaccel_shm_alloc: address %p is already in the block table", start);
			return false;
		}
		return true;
	} catch (const std::bad_alloc &) {
		vaccel_error("vaccel_shm_alloc: block table insert failed: out of memory");
	} catch (const std::exception &e) {
		vaccel_error("vaccel_shm_alloc: block table insert failed: %s", e.what());
	} catch (...) {
		vaccel_error("vaccel_shm_alloc: block table insert failed");
	}
	return false;
}

void *alloc_shared(size_t size) noexcept
{
	if (size == 0) {
		vaccel_error("vaccel_shm_alloc: size must be greater than 0");
		return nullptr;
	}
	size_t mapped_len = 0;
	if (!round_to_pages(size, &mapped_len)) {
		vaccel_error("vaccel_shm_alloc: size %zu is too large", size);
		return nullptr;
	}
	int fd = create_sealed_memfd(mapped_len);
	if (fd < 0)
		return nullptr;
	void *start = mmap(nullptr, mapped_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (start == MAP_FAILED) {
		int err = errno;
		close(fd);
		log_step_failure("mmap", err);
		return nullptr;
	}
	if (!add_block(start, Block{size, mapped_len, fd})) {
		munmap(start, mapped_len);
		close(fd);
		return nullptr;
	}
	return start;
}

// Removes the block starting exactly at `ptr` from the block table into *out.
// False when `ptr` is not the start of a live block.
bool take_block(const void *ptr, Block *out)
{
	BlockTable &table = block_table();
	std::unique_lock lock(table.mutex);
	auto it = table.blocks.find(reinterpret_cast<uintptr_t>(ptr));
	if (it == table.blocks.end())
		return false;
	*out = it->second;
	table.blocks.erase(it);
	return true;
}

} // namespace

extern "C" {

void *vaccel_shm_alloc(size_t size)
{
	return alloc_shared(size);
}

int vaccel_shm_free(void *ptr)
{
	return vaccel::core::guard(__func__, [&] {
		if (!ptr)
			return static_cast<int>(VACCEL_OK);
		Block block;
		if (!take_block(ptr, &block)) {
			vaccel_error("vaccel_shm_free: %p is not a live shared buffer "
				     "(foreign, interior or already freed pointer)",
				     ptr);
			return static_cast<int>(VACCEL_EINVAL);
		}
		// Unmapped and closed outside the lock: the entry is already gone, so no
		// lookup can hand these out any more, and the address cannot be reused by
		// another alloc before munmap returns.
		munmap(ptr, block.mapped_len);
		close(block.fd);
		return static_cast<int>(VACCEL_OK);
	});
}

size_t vaccel_shm_size(const void *ptr)
{
	if (!ptr)
		return 0;
	try {
		BlockTable &table = block_table();
		std::shared_lock lock(table.mutex);
		auto it = table.blocks.find(reinterpret_cast<uintptr_t>(ptr));
		return it == table.blocks.end() ? 0 : it->second.size;
	} catch (...) {
		// Only a failed lock can throw here; "not a shared buffer" is the
		// safe answer.
		vaccel_error("vaccel_shm_size: block table lock failed");
		return 0;
	}
}

int vaccel_shm_lookup(const void *ptr, size_t len, int *fd, size_t *offset)
{
	return vaccel::core::guard(__func__, [&] {
		if (!ptr || !fd || !offset || len == 0)
			return static_cast<int>(VACCEL_EINVAL);
		const auto addr = reinterpret_cast<uintptr_t>(ptr);
		BlockTable &table = block_table();
		std::shared_lock lock(table.mutex);
		// The only candidate is the block with the greatest start <= addr.
		auto it = table.blocks.upper_bound(addr);
		if (it == table.blocks.begin())
			return static_cast<int>(VACCEL_ENOENT);
		--it;
		const size_t off = addr - it->first;
		const Block &block = it->second;
		// Written as two comparisons so that a huge len cannot wrap around.
		if (off >= block.size || len > block.size - off)
			return static_cast<int>(VACCEL_ENOENT);
		*fd = block.fd;
		*offset = off;
		return static_cast<int>(VACCEL_OK);
	});
}

} // extern "C"
