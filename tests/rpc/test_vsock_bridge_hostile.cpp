// SPDX-License-Identifier: Apache-2.0
// vaccel-vsock-bridge against a hostile guest and malformed vhost-user messages: every case ends
// with an error logged and the bridge still serving (or the session ended cleanly), never a
// crash or an access outside guest memory (run under ASan in the sanitizer build).
#include "vsock_fake_frontend.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

using namespace vtest;

namespace {

constexpr uint16_t kNext = 1, kWrite = 2, kIndirect = 4;

// The bridge still answers: an RW for no connection gets an RST.
void expect_alive(FakeFrontend &f)
{
	f.send(f.hdr(Op::rw, 4242, 4243, 0));
	Header h;
	std::vector<std::byte> p;
	ASSERT_TRUE(f.recv(h, p)) << "the bridge stopped answering";
	EXPECT_EQ(h.op, Op::rst);
	EXPECT_EQ(h.dst_port, 4242u);
}

// Publishes a one-off chain on the tx ring built by `build` (descriptors 40..63) and waits until
// the bridge completed it.
template <typename F>
void hostile_tx(FakeFrontend &f, F build)
{
	build();
	const uint16_t target = static_cast<uint16_t>(f.used_idx(f.tx()) + 1);
	f.publish(f.tx(), 40);
	f.kick(f.tx());
	EXPECT_TRUE(f.wait_used(f.tx(), target)) << "a bad chain must still be completed";
}

struct Started {
	Started()
	{
		f.handshake();
		f.post_rx(16);
	}
	FakeFrontend f;
};

} // namespace

TEST(VsockBridgeHostile, DescriptorOutsideGuestMemory)
{
	Started s;
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, kRamSize - 10, 44, 0, 0); });
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, ~0ull - 20, 44, 0, 0); }); // wraps around
	expect_alive(s.f);
}

TEST(VsockBridgeHostile, HugeLengths)
{
	Started s;
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, 0x100000, 0xFFFFFFFFu, 0, 0); });
	// A header claiming 1 GiB of payload in a 44-byte chain.
	Header h = s.f.hdr(Op::rw, 1, 2, 1u << 30);
	vbridge::encode(h, std::span<std::byte>(s.f.ram(0x200000), vbridge::kHeaderSize));
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, 0x200000, 44, 0, 0); });
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, 0x200000, 10, 0, 0); }); // shorter than a header
	expect_alive(s.f);
}

TEST(VsockBridgeHostile, LoopingAndMalformedChains)
{
	Started s;
	hostile_tx(s.f, [&] {
		s.f.write_desc(s.f.tx(), 40, 0x200000, 44, kNext, 41);
		s.f.write_desc(s.f.tx(), 41, 0x200000, 44, kNext, 40); // loops forever
	});
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, 0x200000, 44, kNext, 1000); }); // next out of range
	hostile_tx(s.f, [&] { s.f.write_desc(s.f.tx(), 40, 0x200000, 64, kIndirect, 0); });
	hostile_tx(s.f, [&] {
		s.f.write_desc(s.f.tx(), 40, 0x200000, 44, kWrite | kNext, 41);
		s.f.write_desc(s.f.tx(), 41, 0x200000, 44, 0, 0); // readable after writable
	});
	expect_alive(s.f);
}

TEST(VsockBridgeHostile, ReadableRxBufferIsRefused)
{
	FakeFrontend f;
	f.handshake();
	f.write_desc(f.rx(), 63, 0x40000, 3776, 0, 0); // not device-writable
	f.publish(f.rx(), 63);
	f.post_rx(4);
	f.send(f.hdr(Op::rw, 1, 2, 0));
	// The refused buffer is completed empty; the RST lands in the next proper buffer.
	uint32_t used[2];
	ASSERT_TRUE(f.wait_used(f.rx(), 2));
	memcpy(used, f.ram(f.rx().used + 4), 8);
	EXPECT_EQ(used[0], 63u);
	EXPECT_EQ(used[1], 0u) << "nothing written into a buffer the device may not write";
}

TEST(VsockBridgeHostile, AvailIndexBeyondRingSizeBreaksOnlyThatRing)
{
	Started s;
	auto idx = reinterpret_cast<uint16_t *>(s.f.ram(s.f.tx().avail + 2));
	__atomic_store_n(idx, static_cast<uint16_t>(s.f.tx().avail_idx + 1000), __ATOMIC_RELEASE);
	s.f.kick(s.f.tx());
	// The control path still works, and reports where the ring stopped.
	EXPECT_EQ(s.f.get_config_cid(), 3u);
	EXPECT_EQ(s.f.get_vring_base(1), s.f.tx().avail_idx);
}

TEST(VsockBridgeHostile, HeadIndexOutOfRange)
{
	Started s;
	s.f.publish(s.f.tx(), 999);
	s.f.kick(s.f.tx());
	EXPECT_EQ(s.f.get_config_cid(), 3u) << "still serving the VMM";
}

TEST(VsockBridgeHostile, RingAddressesOutsideMemory)
{
	FakeFrontend f;
	f.handshake();
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} addr{1, 0, kUserBase + kRamSize - 8, kUserBase, kUserBase, 0};
	f.message(9, &addr, sizeof(addr));
	f.kick(f.tx());
	EXPECT_EQ(f.get_config_cid(), 3u);
}

TEST(VsockBridgeHostile, MalformedMessagesEndTheSession)
{
	FakeFrontend f;
	f.handshake();
	uint32_t tiny = 1;
	f.message(8, &tiny, 4); // SET_VRING_NUM needs 8 bytes
	EXPECT_NE(f.disconnect(), 0) << "a protocol violation is an error";
}

TEST(VsockBridgeHostile, MemoryTableLargerThanItsFile)
{
	FakeFrontend f;
	struct {
		uint32_t n, pad;
		uint64_t gpa, size, uaddr, off;
	} table{1, 0, 0, kRamSize * 4, kUserBase, 0};
	UniqueFd small(memfd_create("small", MFD_CLOEXEC));
	ASSERT_EQ(ftruncate(small.get(), 4096), 0);
	f.message(5, &table, sizeof(table), {small.get()});
	EXPECT_NE(f.disconnect(), 0);
}
