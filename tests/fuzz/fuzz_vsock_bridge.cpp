// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: vaccel-vsock-bridge's parsing of what an untrusted guest controls, the split
// ring (Virtqueue::pop over descriptors, avail ring and indices), tx packets gathered from any
// descriptor layout (read_tx_packet) and the connection state machine fed with them (VsockMux),
// whose answers are then written into rx chains popped from a second ring in the same memory.
//
// Input: byte 0 picks the ring size (2..32), byte 1 is unused; the rest is
// copied over a 64 KiB "guest RAM" (a memfd, as QEMU shares it) at offset 0: tx ring at 0x0 (desc)
// / 0x400 (avail) / 0x800 (used), rx ring at 0x1000 / 0x1400 / 0x1800, buffers anywhere. Guest
// REQUESTs connect to unix paths under a directory that does not exist, so they get RSTs.
#include "packet_io.hpp"
#include "vsock_mux.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace {

using namespace vbridge;

constexpr uint64_t kRam = 64 * 1024;
constexpr uint64_t kUser = 0x10000000;

struct Ram {
	Ram()
	{
		fd = memfd_create("fuzz-guest-ram", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, kRam) != 0)
			abort();
		view = static_cast<std::byte *>(mmap(nullptr, kRam, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
		MemRegion r{0, kRam, kUser, 0};
		std::string why;
		if (view == MAP_FAILED || mem.set({&r, 1}, {&fd, 1}, why) != 0)
			abort();
	}
	int fd = -1;
	std::byte *view = nullptr;
	GuestMemory mem;
};

void setup(Virtqueue &q, uint32_t num, uint64_t base, const GuestMemory &mem)
{
	q.num = num;
	q.desc_user = kUser + base;
	q.avail_user = kUser + base + 0x400;
	q.used_user = kUser + base + 0x800;
	q.running = true;
	q.enabled = true;
	std::string why;
	q.attach(mem, why);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Ram ram;
	if (size < 2)
		return 0;
	const uint32_t num = 2u << (data[0] % 5);
	memset(ram.view, 0, kRam);
	memcpy(ram.view, data + 2, std::min<size_t>(size - 2, kRam));

	MuxConfig cfg;
	cfg.uds = "/nonexistent-vaccel-fuzz/v.sock";
	cfg.host_listener = false;
	VsockMux mux(cfg);
	std::string why;
	if (mux.start(why) != 0)
		return 0;
	Virtqueue tx, rx;
	setup(tx, num, 0, ram.mem);
	setup(rx, num, 0x1000, ram.mem);
	std::vector<std::byte> buf(kHeaderSize + 65536);
	for (int i = 0; i < 64; ++i) {
		Chain c;
		if (tx.pop(ram.mem, c, why) != Virtqueue::Pop::chain)
			break;
		Header h;
		std::span<const std::byte> payload;
		if (!c.bad && read_tx_packet(c, buf, 65536, h, payload, why))
			mux.on_guest_packet(h, payload);
		tx.push(c.head, 0);
	}
	for (int i = 0; i < 64 && mux.rx_pending(); ++i) {
		Chain c;
		if (rx.pop(ram.mem, c, why) != Virtqueue::Pop::chain)
			break;
		if (c.bad || c.readable || c.writable <= kHeaderSize) {
			rx.push(c.head, 0);
			continue;
		}
		const size_t n =
			mux.next_rx(std::span<std::byte>(buf.data(), std::min<uint64_t>(c.writable, buf.size())));
		if (n == 0) {
			rx.unpop();
			break;
		}
		scatter(c, buf.data(), n);
		rx.push(c.head, static_cast<uint32_t>(n));
	}
	return 0;
}
