// SPDX-License-Identifier: Apache-2.0
// Hand-built hostile images ("decompression bombs") for the image decoder tests
// (tests/plugins/test_image.cpp) and the agent-level test (tests/security/test_image_bombs.cpp).
// Each one is a few bytes that declare a large image; the old decoder paid for the declared size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::test::bombs {

using Bytes = std::vector<uint8_t>;

inline void put_le16(Bytes &b, uint32_t v)
{
	b.push_back(static_cast<uint8_t>(v));
	b.push_back(static_cast<uint8_t>(v >> 8));
}

inline void put_le32(Bytes &b, uint32_t v)
{
	put_le16(b, v & 0xFFFF);
	put_le16(b, v >> 16);
}

inline void put_be16(Bytes &b, uint32_t v)
{
	b.push_back(static_cast<uint8_t>(v >> 8));
	b.push_back(static_cast<uint8_t>(v));
}

inline void put_be32(Bytes &b, uint32_t v)
{
	put_be16(b, v >> 16);
	put_be16(b, v & 0xFFFF);
}

// An 18-byte uncompressed true-colour TGA header declaring w x h and no pixel data.
inline Bytes tga_header(uint16_t w, uint16_t h)
{
	Bytes b{0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	put_le16(b, w);
	put_le16(b, h);
	b.push_back(24);
	b.push_back(0);
	return b;
}

// A 51-byte Radiance HDR header declaring side x side (side has 4 digits) and no pixel data.
inline Bytes hdr_header(unsigned side)
{
	const std::string s = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y " + std::to_string(side) + " +X " +
			      std::to_string(side) + "\n";
	return {s.begin(), s.end()};
}

// A 24-bit BITMAPINFOHEADER BMP of w x h whose rows are all present (zeros), minus `missing` bytes.
inline Bytes bmp(uint32_t w, uint32_t h, size_t missing = 0, bool with_rows = true)
{
	const uint32_t row = (w * 3 + 3) / 4 * 4;
	Bytes b{'B', 'M'};
	put_le32(b, 54 + row * h);
	put_le32(b, 0);
	put_le32(b, 54); // pixel data offset
	put_le32(b, 40); // header size
	put_le32(b, w);
	put_le32(b, h);
	put_le16(b, 1);  // planes
	put_le16(b, 24); // bits per pixel
	for (int i = 0; i < 6; ++i)
		put_le32(b, 0); // BI_RGB, image size, resolution, palette
	if (with_rows)
		b.resize(b.size() + static_cast<size_t>(row) * h - missing, 0x40);
	return b;
}

// A baseline greyscale JPEG of w x h whose Huffman tables make every 8x8 block two zero bits (DC
// difference 0, end of block), followed by `entropy_bytes` zero bytes and, unless truncated, EOI.
inline Bytes jpeg(uint16_t w, uint16_t h, size_t entropy_bytes, bool with_eoi = true)
{
	Bytes b{0xFF, 0xD8, 0xFF, 0xDB, 0, 67, 0};
	b.resize(b.size() + 64, 1); // quantisation table 0: all ones
	b.insert(b.end(), {0xFF, 0xC0, 0, 11, 8});
	put_be16(b, h);
	put_be16(b, w);
	b.insert(b.end(), {1, 1, 0x11, 0});        // one component, 1x1 sampling, table 0
	for (const uint8_t table : {0x00, 0x10}) { // DC then AC table 0: one 1-bit code, symbol 0
		b.insert(b.end(), {0xFF, 0xC4, 0, 20, table, 1});
		b.resize(b.size() + 15, 0);
		b.push_back(0);
	}
	b.insert(b.end(), {0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0});
	b.resize(b.size() + entropy_bytes, 0);
	if (with_eoi)
		b.insert(b.end(), {0xFF, 0xD9});
	return b;
}

// Deflate bits are packed from the least significant bit; Huffman codes go most significant first.
class BitWriter {
public:
	void bits(uint32_t value, int n)
	{
		for (int i = 0; i < n; ++i)
			bit((value >> i) & 1U);
	}
	void code(uint32_t code, int len)
	{
		for (int i = len - 1; i >= 0; --i)
			bit((code >> i) & 1U);
	}
	Bytes take() { return std::move(out_); }

private:
	void bit(uint32_t v)
	{
		if (used_ == 0)
			out_.push_back(0);
		out_.back() = static_cast<uint8_t>(out_.back() | (v << used_));
		used_ = (used_ + 1) % 8;
	}
	Bytes out_;
	int used_ = 0;
};

// One dynamic-Huffman deflate block whose literal/length code gives length 258 (symbol 285) the
// 1-bit code 0, literal 0 and end-of-block the codes 10 and 11, and whose only distance code (1)
// is the 1-bit code 0.  So each (258, 1) copy costs two bits: deflate's best ratio, 1032:1.
inline void dynamic_block_header(BitWriter &w)
{
	w.bits(1, 1);  // BFINAL
	w.bits(2, 2);  // dynamic Huffman
	w.bits(29, 5); // HLIT: 286 literal/length codes
	w.bits(0, 5);  // HDIST: 1 distance code
	w.bits(14, 4); // HCLEN: 18 code-length code lengths
	// Code-length codes 0, 1, 2 and 18 get 2 bits each (codes 00, 01, 10, 11 in symbol order),
	// sent in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1.
	for (const uint32_t len : {0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2})
		w.bits(len, 3);
	const auto zeros = [&w](uint32_t n) { // code 18: n (11..138) zero lengths
		w.code(3, 2);
		w.bits(n - 11, 7);
	};
	w.code(2, 2); // literal 0: length 2
	zeros(138);
	zeros(117);   // literals 1..255
	w.code(2, 2); // end of block: length 2
	zeros(28);    // lengths 257..284
	w.code(1, 2); // length 258 (symbol 285): length 1
	w.code(1, 2); // distance code 0: length 1
}

// A zlib stream of `raw` zero bytes at deflate's maximum ratio (valid, with its Adler-32).
inline Bytes zlib_zeros(uint32_t raw)
{
	BitWriter w;
	dynamic_block_header(w);
	w.code(2, 2); // literal 0
	const uint32_t copies = (raw - 1) / 258;
	for (uint32_t i = 0; i < copies; ++i)
		w.bits(0, 2); // (258, distance 1)
	for (uint32_t i = 1 + copies * 258; i < raw; ++i)
		w.code(2, 2); // the remainder as literals
	w.code(3, 2);         // end of block
	Bytes z{0x78, 0x01};
	const Bytes body = w.take();
	z.insert(z.end(), body.begin(), body.end());
	put_be32(z, ((raw % 65521) << 16) | 1); // Adler-32 of zeros: a = 1, b = raw
	return z;
}

// A zlib stream that stops right after one literal, inside a block that never ends: a decoder
// that read zeros past the end would turn them into endless (258, 1) copies.
inline Bytes zlib_truncated_copies()
{
	BitWriter w;
	dynamic_block_header(w);
	w.code(2, 2); // literal 0
	Bytes z{0x78, 0x01};
	const Bytes body = w.take();
	z.insert(z.end(), body.begin(), body.end());
	return z;
}

inline void png_chunk(Bytes &b, const char *type, const Bytes &data)
{
	put_be32(b, static_cast<uint32_t>(data.size()));
	b.insert(b.end(), type, type + 4);
	b.insert(b.end(), data.begin(), data.end());
	put_be32(b, 0); // CRC: stb does not check it
}

// A PNG of w x h (8-bit, colour type 0 grey or 2 RGB) with the given IDAT data; without IEND when
// truncated.
inline Bytes png(uint32_t w, uint32_t h, uint8_t colour, const Bytes &idat, bool with_iend = true)
{
	Bytes b{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	Bytes ihdr;
	put_be32(ihdr, w);
	put_be32(ihdr, h);
	ihdr.insert(ihdr.end(), {8, colour, 0, 0, 0});
	png_chunk(b, "IHDR", ihdr);
	png_chunk(b, "IDAT", idat);
	if (with_iend)
		png_chunk(b, "IEND", {});
	return b;
}

} // namespace vaccel::test::bombs
