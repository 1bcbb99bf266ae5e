// SPDX-License-Identifier: Apache-2.0
// Unit tests of src/rpc/frame.cpp: the frame header codec.
#include "frame.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace vaccel::rpc;

TEST(Frame, RoundTrip)
{
	FrameHeader h;
	h.type = FrameType::response;
	h.flags = frame_flags::end;
	h.stream_id = 0xdeadbeef;
	h.meta_len = 77;
	h.data_len = 5;
	h.aux = 1ull << 40;
	auto b = encode_header(h);
	EXPECT_EQ(static_cast<uint8_t>(b[0]), 'V');
	EXPECT_EQ(static_cast<uint8_t>(b[3]), 'R');
	FrameHeader d;
	std::string why;
	ASSERT_EQ(decode_header(b.data(), d, why), 0) << why;
	EXPECT_EQ(d.type, h.type);
	EXPECT_EQ(d.flags, h.flags);
	EXPECT_EQ(d.stream_id, h.stream_id);
	EXPECT_EQ(d.meta_len, h.meta_len);
	EXPECT_EQ(d.data_len, h.data_len);
	EXPECT_EQ(d.aux, h.aux);
}

TEST(Frame, RejectsGarbage)
{
	FrameHeader h;
	h.type = FrameType::request;
	auto b = encode_header(h);
	std::string why;
	FrameHeader d;
	auto bad = b;
	bad[0] = std::byte{0};
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	bad = b;
	bad[4] = std::byte{2}; // version
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	bad = b;
	bad[5] = std::byte{99}; // type
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	bad = b;
	bad[6] = std::byte{0x80}; // unknown flag
	EXPECT_NE(decode_header(bad.data(), d, why), 0);
	h.data_len = 10; // more inline data than the declared payload
	h.aux = 5;
	b = encode_header(h);
	EXPECT_NE(decode_header(b.data(), d, why), 0);
}
