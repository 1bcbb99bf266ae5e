// SPDX-License-Identifier: Apache-2.0
// The vsock bridge: a vhost-user vsock device back-end serving one VMM. It owns the vhost-user
// listener and connection (VhostUserDevice), moves packets between the guest's tx/rx rings and
// the connection state machine (VsockMux), and runs the single-threaded epoll loop tying kick
// eventfds, host sockets and the control socket together.
// Not thread-safe: serve() runs on one thread; only the stop fd may be signalled from elsewhere.
#pragma once

#include "vhost_user.hpp"
#include "vsock_mux.hpp"

#include <memory>
#include <string>
#include <vector>

namespace vbridge {

// Load-independent counters of the device side (what the guest and the VMM were asked to do); the
// exit line prints them. Index 0 = rx ring (to the guest), 1 = tx ring (from the guest).
struct BridgeStats {
	uint64_t wakeups = 0;    // epoll_wait() returns of the event loop
	uint64_t kicks[2] = {};  // guest notifications counted by the kick eventfds
	uint64_t calls[2] = {};  // interrupts requested from the VMM (call eventfd writes)
	uint64_t chains[2] = {}; // descriptor chains completed: packets to and from the guest
};

struct BridgeConfig {
	std::string socket_path; // vhost-user socket the VMM connects to
	MuxConfig mux;
	uint32_t max_packet = 64 * 1024; // payload bytes per packet, both directions
};

class Bridge final : public VhostUserDevice::Hooks {
public:
	explicit Bridge(BridgeConfig cfg);
	~Bridge() override;

	// Creates the vhost-user socket: bound under a temporary name, then renamed into place, so
	// the socket file appearing means the bridge accepts. 0, or errno with `why`.
	int listen(std::string &why);
	// Waits for one VMM and serves it until it disconnects (0) or `stop_fd` becomes readable
	// (0); errno with `why` on a fatal error. stop_fd < 0: no stop fd.
	int serve(int stop_fd, std::string &why);
	[[nodiscard]] const MuxStats &stats() const { return mux_.stats(); }
	[[nodiscard]] const BridgeStats &device_stats() const { return dstats_; }

	void ring_changed(unsigned index) override;
	void ring_stopped(unsigned index) override;

private:
	void process_tx();
	void process_rx();
	void handle_tx_chain(const Chain &c);
	void watch(int fd, uint64_t tag, int &current);

	BridgeConfig cfg_;
	VsockMux mux_;
	UniqueFd listener_;
	UniqueFd epoll_;
	std::unique_ptr<VhostUserDevice> dev_;
	int watched_kick_[2] = {-1, -1};
	uint32_t tx_unsignalled_ = 0; // tx descriptors completed since the last tx interrupt
	bool more_tx_ = false;        // a pass stopped at its bound: continue without waiting for a kick
	bool more_rx_ = false;
	bool listening_ = false;
	std::vector<std::byte> buf_; // one packet, header + payload
	BridgeStats dstats_;
};

} // namespace vbridge
