// SPDX-License-Identifier: Apache-2.0
// The control path of a vhost-user vsock device back-end (QEMU docs/interop/vhost-user.rst): one
// connected front-end (the VMM), its messages read and answered one at a time. It keeps the
// memory table and the two rings the VMM hands over (0 = rx, 1 = tx; QEMU keeps the event queue)
// and tells its owner, through Hooks, when a ring's kick fd changes or a ring is stopped.
// Every message size and ring index is checked; a malformed message ends the session.
// Not thread-safe: owned by the bridge's event loop.
#pragma once

#include "guest_memory.hpp"
#include "unique_fd.hpp"
#include "virtqueue.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace vbridge {

class VhostUserDevice {
public:
	struct Hooks {
		virtual ~Hooks() = default;
		virtual void ring_changed(unsigned index) = 0; // kick fd, enable or memory changed
		virtual void ring_stopped(unsigned index) = 0; // GET_VRING_BASE
	};

	VhostUserDevice(UniqueFd conn, uint64_t guest_cid, Hooks &hooks);

	// Reads and answers one message. 0 on success; ECONNRESET when the front-end hung up; another
	// errno (with `why`) for a protocol violation. Either non-zero value ends the session.
	int handle_one(std::string &why);
	[[nodiscard]] int fd() const { return conn_.get(); }
	[[nodiscard]] GuestMemory &memory() { return mem_; }
	[[nodiscard]] Virtqueue &ring(unsigned i) { return rings_[i]; }

	static constexpr unsigned kRx = 0;
	static constexpr unsigned kTx = 1;

private:
	int reply(uint32_t request, const void *payload, uint32_t size, std::string &why);
	int reply_u64(uint32_t request, uint64_t v, std::string &why) { return reply(request, &v, 8, why); }
	int set_mem_table(const std::byte *p, uint32_t size, std::vector<UniqueFd> &fds, std::string &why);
	int set_ring_fd(uint32_t request, const std::byte *p, uint32_t size, std::vector<UniqueFd> &fds,
			std::string &why);
	int get_config(const std::byte *p, uint32_t size, std::string &why);
	void reattach(unsigned i);

	UniqueFd conn_;
	uint64_t guest_cid_;
	Hooks &hooks_;
	GuestMemory mem_;
	std::array<Virtqueue, 2> rings_;
	uint64_t features_ = 0;
	bool protocol_features_ = false; // rings start disabled when negotiated
};

} // namespace vbridge
