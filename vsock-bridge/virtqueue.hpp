// SPDX-License-Identifier: Apache-2.0
// One split virtqueue (virtio 1.x, 2.6) as a vhost-user back-end sees it: the ring addresses the
// VMM gave, the kick and call eventfds, and the next avail index. pop() walks one descriptor
// chain and resolves every buffer through GuestMemory, so nothing outside the memory table is
// ever touched; it assumes no layout (any number of readable then writable descriptors).
// A ring whose indices make no sense is "broken" and is not processed again until the VMM
// programs it anew; a chain with a bad buffer is returned with `bad` set, to be completed empty.
// Not thread-safe: owned by the bridge's event loop.
#pragma once

#include "guest_memory.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vbridge {

using vaccel::rpc::UniqueFd;

struct Segment {
	std::byte *ptr = nullptr;
	uint32_t len = 0;
	bool writable = false;
};

struct Chain {
	uint16_t head = 0;
	std::vector<Segment> segs;
	uint64_t readable = 0; // total bytes of the device-readable descriptors
	uint64_t writable = 0; // total bytes of the device-writable descriptors
	bool bad = false;      // a descriptor pointed outside guest memory, looped, or was malformed
	std::string why;       // what was bad
};

class Virtqueue {
public:
	enum class Pop { chain, empty, broken };

	// Configuration from vhost-user messages.
	uint32_t num = 0;
	uint64_t desc_user = 0, avail_user = 0, used_user = 0;
	uint16_t last_avail = 0;
	UniqueFd kick;
	UniqueFd call;
	bool enabled = false;
	bool running = false; // a kick fd was given and GET_VRING_BASE has not stopped it

	// Resolves the ring addresses through `mem`; false (and broken) with `why` when they do not fit.
	bool attach(const GuestMemory &mem, std::string &why);
	// Forgets the resolved addresses (the memory table changed).
	void detach() { desc_ = nullptr; }
	[[nodiscard]] bool ready() const { return running && enabled && desc_ && !broken_; }
	[[nodiscard]] bool broken() const { return broken_; }
	// Takes the next available chain into `out`.
	Pop pop(const GuestMemory &mem, Chain &out, std::string &why);
	// Gives the last popped chain back (nothing could be written into it).
	void unpop() { --last_avail; }
	// Marks a chain used with `len` bytes written into it.
	void push(uint16_t head, uint32_t len);
	// Signals the call eventfd unless the driver asked for no interrupts; true when it did.
	bool notify();
	// Drains the kick eventfd (the loop is level-triggered); returns the kicks it counted.
	uint64_t drain_kick();
	// Asks the driver not to kick (VRING_USED_F_NO_NOTIFY) while the device drains the ring anyway.
	// After turning it off, call has_avail(): a chain published meanwhile brought no kick.
	void suppress_kicks(bool on);
	// True when the driver published chains not yet popped (a full barrier orders it after a
	// suppress_kicks(false)).
	[[nodiscard]] bool has_avail() const;

private:
	std::byte *desc_ = nullptr;
	std::byte *avail_ = nullptr;
	std::byte *used_ = nullptr;
	uint16_t used_idx_ = 0;
	bool broken_ = false;
};

} // namespace vbridge
