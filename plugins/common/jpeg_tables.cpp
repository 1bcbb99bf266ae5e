// SPDX-License-Identifier: Apache-2.0
// JPEG Huffman table pre-check (contract in jpeg_tables.hpp).
#include "jpeg_tables.hpp"

#include <cstddef>

namespace vaccel::image {
namespace {

// Debian's stb_image (2022-09) does not check that a DHT table holds at most 256 symbols:
// stbi__build_huffman writes one size byte per counted symbol into a 257-byte array, and the
// symbols then go into a 256-byte one, so a table counting up to 4080 symbols overwrites the
// decoder's other tables with the client's bytes (and corrupted tables then index past them).
// stb processes DHT already in stbi_info, so this runs before any stbi_* call on JPEG bytes,
// and it finds the tables where stb does: it reads the bytes the way stb reads them.
struct StbBytes {
	std::string_view b;
	size_t pos = 0;
	unsigned get8() { return pos < b.size() ? static_cast<unsigned char>(b[pos++]) : 0; } // 0 past the end, as stb
	unsigned get16()
	{
		const unsigned hi = get8();
		return (hi << 8) | get8();
	}
	[[nodiscard]] bool eof() const { return pos >= b.size(); }
};

constexpr unsigned kStbNoMarker = 0xFF;

// stbi__get_marker: FF, any FF fill bytes, then the code; any other byte is "no marker".
unsigned stb_marker(StbBytes &r)
{
	if (r.get8() != 0xFF)
		return kStbNoMarker;
	unsigned x = 0;
	do
		x = r.get8();
	while (x == 0xFF);
	return x;
}

// Where stb finds the marker that ends entropy-coded data starting at `pos`: the first FF (plus
// fill bytes) followed by neither a stuffed 00 nor a restart marker.
size_t end_of_entropy_data(std::string_view b, size_t pos)
{
	for (; pos < b.size(); ++pos) {
		if (static_cast<unsigned char>(b[pos]) != 0xFF)
			continue;
		size_t k = pos + 1;
		while (k < b.size() && static_cast<unsigned char>(b[k]) == 0xFF)
			++k;
		const unsigned m = k < b.size() ? static_cast<unsigned char>(b[k]) : 0;
		if (m != 0x00 && !(m >= 0xD0 && m <= 0xD7))
			return pos;
		pos = k;
	}
	return b.size();
}

// Every Huffman table stb_image would build from these bytes holds at most 256 symbols. Walks
// past anything stb would stop at (stopping early is stb's error, so walking on only refuses
// images stb cannot decode anyway).
} // namespace

std::string check_jpeg_huffman_tables(std::string_view b)
{
	StbBytes r{b, 2};                // after SOI
	bool after_frame_header = false; // stb skips junk between segments only before SOF
	while (!r.eof()) {
		const unsigned m = stb_marker(r);
		if (m == kStbNoMarker) {
			if (after_frame_header)
				return {}; // stb: "expected marker"
			continue;
		}
		if (m == 0xD9 || m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
			return {}; // end of image, or a marker stb refuses here
		const size_t start = r.pos;
		const unsigned len = r.get16();
		if (len < 2)
			return {};
		if (m == 0xC4) {
			for (long left = static_cast<long>(len) - 2; left > 0;) {
				r.get8(); // table class and id
				unsigned symbols = 0;
				for (int i = 0; i < 16; ++i)
					symbols += r.get8();
				if (symbols > 256)
					return "corrupt JPEG (Huffman table of " + std::to_string(symbols) +
					       " symbols; at most 256)";
				r.pos += symbols;
				left -= 17 + static_cast<long>(symbols);
			}
		}
		r.pos = start + len;
		if (m == 0xC0 || m == 0xC1 || m == 0xC2)
			after_frame_header = true;
		if (m == 0xDA)
			r.pos = end_of_entropy_data(b, r.pos);
	}
	return {};
}

} // namespace vaccel::image
