// SPDX-License-Identifier: Apache-2.0
// Where a received payload lands: PayloadSink's default range adoption, MemorySink (grows as
// bytes arrive, adopts mapped ranges) and the PayloadView over its pieces, plus the sizes of a
// message's inline and mapped parts. Filled by message_recv.cpp.
#include "message.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vaccel::rpc {

int PayloadSink::adopt_range(uint64_t offset, Mapping m)
{
	const std::byte *src = m.data();
	size_t left = m.size();
	while (left > 0) {
		std::span<std::byte> win;
		if (int r = window(offset, left, win))
			return r;
		size_t k = std::min(win.size(), left);
		memcpy(win.data(), src, k);
		if (int r = commit(k))
			return r;
		src += k;
		offset += k;
		left -= k;
	}
	return 0;
}

PayloadView::PayloadView(std::vector<Piece> pieces) : pieces_(std::move(pieces))
{
	for (const auto &p : pieces_)
		size_ = std::max<uint64_t>(size_, p.start + p.bytes.size());
}

std::byte *PayloadView::at(uint64_t off, uint64_t len, bool *shared) const
{
	if (len == 0)
		return nullptr;
	// Pieces are few (at most kMaxParts) and sorted by start.
	for (const auto &p : pieces_)
		if (off >= p.start && off - p.start < p.bytes.size()) {
			if (len > p.bytes.size() - (off - p.start))
				return nullptr;
			if (shared)
				*shared = p.shared;
			return p.bytes.data() + (off - p.start);
		}
	return nullptr;
}

uint64_t inline_size(const InMessage &msg)
{
	if (!(msg.head.flags & frame_flags::has_fd))
		return msg.head.aux;
	uint64_t total = 0;
	for (const auto &p : msg.parts)
		if (p.kind == PayloadPart::inline_bytes)
			total += p.length; // the parts add up to aux: no overflow
	return total;
}

uint64_t mapped_span(const InMessage &msg)
{
	if (!(msg.head.flags & frame_flags::has_fd))
		return 0;
	if (!(msg.head.flags & frame_flags::parts))
		return page_span(0, msg.head.aux);
	uint64_t total = 0;
	for (const auto &p : msg.parts)
		if (p.kind == PayloadPart::fd_range)
			total += page_span(p.offset, p.length); // at most kMaxParts ranges of <= max_payload
	return total;
}

int MemorySink::window(uint64_t offset, size_t want, std::span<std::byte> &out)
{
	if (offset != end_)
		return EINVAL;
	if (pieces_.empty() || pieces_.back().map.data() || pieces_.back().start + pieces_.back().len != offset) {
		Piece p;
		p.start = offset;
		p.region_off = region_.size();
		pieces_.push_back(std::move(p));
	}
	// Grow by what this frame still carries (bytes that are on their way), never by the
	// size the peer declared for the whole message.
	if (int r = region_.reserve(region_.size() + want))
		return r;
	out = std::span<std::byte>(region_.data() + region_.size(), want);
	return 0;
}

int MemorySink::commit(size_t n)
{
	region_.commit(n);
	pieces_.back().len += n;
	end_ += n;
	return 0;
}

int MemorySink::adopt_range(uint64_t offset, Mapping m)
{
	if (offset != end_)
		return EINVAL;
	if (m.size() == 0)
		return 0;
	Piece p;
	p.start = offset;
	p.len = m.size();
	p.map = std::move(m);
	end_ += p.len;
	pieces_.push_back(std::move(p));
	return 0;
}

PayloadView MemorySink::view()
{
	std::vector<PayloadView::Piece> out;
	out.reserve(pieces_.size());
	for (auto &p : pieces_) {
		// Stream pieces are resolved only now: the region may have moved while growing.
		const bool mapped = p.map.data() != nullptr;
		std::byte *base = mapped ? p.map.data() : region_.data() + p.region_off;
		out.push_back({p.start, {base, static_cast<size_t>(p.len)}, mapped});
	}
	return PayloadView(std::move(out));
}

std::span<std::byte> MemorySink::bytes()
{
	if (pieces_.empty())
		return {};
	if (pieces_.size() > 1)
		return {};
	auto &p = pieces_.front();
	std::byte *base = p.map.data() ? p.map.data() : region_.data() + p.region_off;
	return {base, static_cast<size_t>(p.len)};
}

} // namespace vaccel::rpc
