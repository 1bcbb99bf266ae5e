// SPDX-License-Identifier: Apache-2.0
// The guest's RAM as the VMM shares it (VHOST_USER_SET_MEM_TABLE): regions mapped MAP_SHARED from
// the fds it sends. Every access the bridge makes to guest memory goes through translate(), which
// returns a pointer only when the whole [address, address + len) range lies inside one mapped
// region: the guest (and the addresses in its rings) is untrusted.
// Not thread-safe: owned by the bridge's event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vbridge {

struct MemRegion {
	uint64_t guest_addr = 0; // guest physical address
	uint64_t size = 0;
	uint64_t user_addr = 0; // the VMM's virtual address of the region (ring addresses use it)
	uint64_t mmap_offset = 0;
};

class GuestMemory {
public:
	GuestMemory() = default;
	~GuestMemory();
	GuestMemory(const GuestMemory &) = delete;
	GuestMemory &operator=(const GuestMemory &) = delete;

	// Replaces the table: maps each region from its fd (taking ownership of none: the caller
	// closes the fds). 0, or errno with `why`; on failure the table is empty.
	int set(std::span<const MemRegion> regions, std::span<const int> fds, std::string &why);
	// Unmaps everything.
	void clear();
	// Host pointer for guest physical [gpa, gpa + len), or nullptr when not wholly inside a region.
	[[nodiscard]] std::byte *translate(uint64_t gpa, uint64_t len) const;
	// Host pointer for the VMM's virtual [uaddr, uaddr + len), or nullptr (vring addresses).
	[[nodiscard]] std::byte *translate_user(uint64_t uaddr, uint64_t len) const;
	[[nodiscard]] bool empty() const { return maps_.empty(); }

private:
	struct Mapping {
		MemRegion r;
		void *base = nullptr; // the mmap() result
		size_t length = 0;    // mmap_offset + size
	};
	std::vector<Mapping> maps_;
};

} // namespace vbridge
