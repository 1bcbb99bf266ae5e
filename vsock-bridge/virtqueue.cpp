// SPDX-License-Identifier: Apache-2.0
#include "virtqueue.hpp"

#include "log.hpp"

#include <sys/eventfd.h>

#include <cstring>

namespace vbridge {
namespace {

constexpr uint16_t kDescNext = 1;
constexpr uint16_t kDescWrite = 2;
constexpr uint16_t kDescIndirect = 4;
constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint16_t kUsedNoNotify = 1;

// The rings are shared with a running guest: index fields are read with acquire and written with
// release semantics, which order them against the ring entries they publish.
uint16_t load16(const std::byte *p)
{
	return __atomic_load_n(reinterpret_cast<const uint16_t *>(p), __ATOMIC_ACQUIRE);
}
void store16(std::byte *p, uint16_t v)
{
	__atomic_store_n(reinterpret_cast<uint16_t *>(p), v, __ATOMIC_RELEASE);
}

struct Desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

} // namespace

bool Virtqueue::attach(const GuestMemory &mem, std::string &why)
{
	desc_ = mem.translate_user(desc_user, 16ull * num);
	avail_ = mem.translate_user(avail_user, 6ull + 2ull * num);
	used_ = mem.translate_user(used_user, 6ull + 8ull * num);
	if (num == 0 || !desc_ || !avail_ || !used_) {
		desc_ = nullptr;
		broken_ = true;
		why = "ring addresses are not inside guest memory";
		return false;
	}
	broken_ = false;
	used_idx_ = load16(used_ + 2);
	store16(used_, 0); // kicks wanted (a previous back-end may have left them suppressed)
	return true;
}

Virtqueue::Pop Virtqueue::pop(const GuestMemory &mem, Chain &out, std::string &why)
{
	if (!ready())
		return Pop::empty;
	const uint16_t avail_idx = load16(avail_ + 2);
	const uint16_t pending = static_cast<uint16_t>(avail_idx - last_avail);
	if (pending == 0)
		return Pop::empty;
	if (pending > num) {
		broken_ = true;
		why = "avail index moved by " + std::to_string(pending) + " on a ring of " + std::to_string(num);
		return Pop::broken;
	}
	uint16_t head = 0;
	memcpy(&head, avail_ + 4 + 2 * (last_avail % num), 2);
	if (head >= num) {
		broken_ = true;
		why = "avail ring names descriptor " + std::to_string(head) + " of " + std::to_string(num);
		return Pop::broken;
	}
	++last_avail;
	out = Chain{};
	out.head = head;
	uint16_t i = head;
	// A chain visits each descriptor at most once, so more than `num` steps means a loop.
	for (uint32_t steps = 0;; ++steps) {
		if (steps >= num) {
			out.bad = true;
			out.why = "descriptor chain loops";
			break;
		}
		Desc d;
		memcpy(&d, desc_ + 16 * i, sizeof(d));
		if (d.flags & kDescIndirect) {
			out.bad = true; // VIRTIO_F_INDIRECT_DESC is not offered
			out.why = "indirect descriptor without the feature";
			break;
		}
		std::byte *p = mem.translate(d.addr, d.len);
		if (!p) {
			out.bad = true;
			out.why = "descriptor outside guest memory";
			break;
		}
		const bool w = d.flags & kDescWrite;
		if (!w && out.writable) {
			out.bad = true;
			out.why = "readable descriptor after a writable one";
			break;
		}
		out.segs.push_back({p, d.len, w});
		(w ? out.writable : out.readable) += d.len;
		if (!(d.flags & kDescNext))
			break;
		if (d.next >= num) {
			out.bad = true;
			out.why = "next descriptor out of range";
			break;
		}
		i = d.next;
	}
	return Pop::chain;
}

void Virtqueue::push(uint16_t head, uint32_t len)
{
	if (!used_)
		return;
	std::byte *elem = used_ + 4 + 8 * (used_idx_ % num);
	const uint32_t id = head;
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &len, 4);
	++used_idx_;
	store16(used_ + 2, used_idx_); // release: the element is visible before the index
}

bool Virtqueue::notify()
{
	if (!call || !avail_)
		return false;
	if (load16(avail_) & kAvailNoInterrupt)
		return false;
	return eventfd_write(call.get(), 1) == 0;
}

uint64_t Virtqueue::drain_kick()
{
	eventfd_t v = 0;
	if (kick && eventfd_read(kick.get(), &v) == 0)
		return v;
	return 0;
}

void Virtqueue::suppress_kicks(bool on)
{
	if (!ready())
		return;
	// The flags field of the used ring is the device's; the driver only reads it.
	store16(used_, on ? kUsedNoNotify : 0);
}

bool Virtqueue::has_avail() const
{
	if (!ready())
		return false;
	// Store (flag cleared) then load (avail index): only a full barrier orders them, as the
	// driver's own barrier between publishing and reading the flag.
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(avail_ + 2) != last_avail;
}

} // namespace vbridge
