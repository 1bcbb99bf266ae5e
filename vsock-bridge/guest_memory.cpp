// SPDX-License-Identifier: Apache-2.0
#include "guest_memory.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace vbridge {
namespace {

// True when [addr, addr + len) lies inside [start, start + size), without overflow.
bool inside(uint64_t addr, uint64_t len, uint64_t start, uint64_t size)
{
	return addr >= start && addr - start <= size && len <= size - (addr - start);
}

} // namespace

GuestMemory::~GuestMemory()
{
	clear();
}

void GuestMemory::clear()
{
	for (auto &m : maps_)
		munmap(m.base, m.length);
	maps_.clear();
}

int GuestMemory::set(std::span<const MemRegion> regions, std::span<const int> fds, std::string &why)
{
	clear();
	if (regions.size() != fds.size()) {
		why = "memory table: " + std::to_string(regions.size()) + " regions but " + std::to_string(fds.size()) +
		      " fds";
		return EINVAL;
	}
	for (size_t i = 0; i < regions.size(); ++i) {
		const MemRegion &r = regions[i];
		if (r.size == 0 || r.mmap_offset > SIZE_MAX - r.size || r.guest_addr + r.size < r.guest_addr ||
		    r.user_addr + r.size < r.user_addr) {
			clear();
			why = "memory table: region " + std::to_string(i) + " has an impossible size or offset";
			return EINVAL;
		}
		const size_t length = static_cast<size_t>(r.mmap_offset + r.size);
		// Pages past the end of the file would raise SIGBUS on access: refuse the table instead.
		struct stat st {};
		if (fstat(fds[i], &st) != 0 || (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) < length)) {
			clear();
			why = "memory table: region " + std::to_string(i) + " is larger than its file";
			return EINVAL;
		}
		void *p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (p == MAP_FAILED) {
			int e = errno;
			clear();
			why = "memory table: mmap of region " + std::to_string(i) + ": " + strerror(e);
			return e;
		}
		maps_.push_back({r, p, length});
	}
	return 0;
}

std::byte *GuestMemory::translate(uint64_t gpa, uint64_t len) const
{
	for (const auto &m : maps_)
		if (inside(gpa, len, m.r.guest_addr, m.r.size))
			return static_cast<std::byte *>(m.base) + m.r.mmap_offset + (gpa - m.r.guest_addr);
	return nullptr;
}

std::byte *GuestMemory::translate_user(uint64_t uaddr, uint64_t len) const
{
	for (const auto &m : maps_)
		if (inside(uaddr, len, m.r.user_addr, m.r.size))
			return static_cast<std::byte *>(m.base) + m.r.mmap_offset + (uaddr - m.r.user_addr);
	return nullptr;
}

} // namespace vbridge
