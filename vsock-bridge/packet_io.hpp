// SPDX-License-Identifier: Apache-2.0
// Moving vsock packets between descriptor chains and contiguous buffers, with no assumption on
// how the guest split a packet over descriptors. Pure functions over already bounds-checked
// segments (Virtqueue::pop resolved them); thread-safe.
#pragma once

#include "virtqueue.hpp"
#include "vsock_packet.hpp"

#include <span>
#include <string>

namespace vbridge {

// Copies `len` bytes of `src` into the writable segments of `c`, in order (len <= c.writable).
void scatter(const Chain &c, const std::byte *src, size_t len);
// Copies up to `len` readable bytes of `c` into `dst`, in order; returns the count.
size_t gather(const Chain &c, std::byte *dst, size_t len);
// Reads one tx packet from `c` into `buf` (which must hold kHeaderSize + max_packet bytes): its
// header into `h` and its payload as `payload` (a view into buf). False with `why` when the
// chain is shorter than a header, or the header's len exceeds max_packet or the chain.
bool read_tx_packet(const Chain &c, std::span<std::byte> buf, uint32_t max_packet, Header &h,
		    std::span<const std::byte> &payload, std::string &why);

} // namespace vbridge
