// SPDX-License-Identifier: Apache-2.0
// Hardened image decoding for the classification plugins (decode_rgb / looks_like_image; see
// image.hpp for the contracts).
//
// Images come from guests, so every image's decoding cost is bounded from its header and byte size
// before stb_image runs, and stb's own allocations are bounded while it runs:
//   - only JPEG, PNG and BMP are compiled in (stb's other formats pad missing bytes with zeros, so
//     an 18-byte TGA or a 51-byte HDR header could demand seconds and gigabytes);
//   - at most `DecodeLimits::max_pixels` pixels (default kDefaultMaxPixels);
//   - the declared size must be reachable from the bytes present: BMP rows must be there in full,
//     PNG raw data may be at most deflate's maximum ratio (1032:1) of its IDAT bytes, JPEG at most
//     kJpegMaxPixelsPerByte pixels per byte; PNG and JPEG must be complete (IEND / EOI present);
//   - stb's allocations are charged to a per-decode budget proportional to the pixel count, so a
//     deflate stream that keeps "decoding" the zeros stb pads after its end stops at the budget.
#include "image.hpp"
#include "jpeg_tables.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>

namespace {

// The budget stb's allocations are charged to during one decode on this thread (0 = no decode).
struct AllocBudget {
	size_t limit = 0;
	size_t used = 0;
	bool exceeded = false;
};
thread_local AllocBudget t_budget;

// Each block carries its size in front of the payload so frees and reallocs can be credited back.
constexpr size_t kAllocHeader = alignof(std::max_align_t);

bool budget_allows(size_t old_size, size_t new_size)
{
	AllocBudget &b = t_budget;
	if (b.limit == 0 || new_size <= old_size)
		return true;
	const size_t grow = new_size - old_size;
	if (grow > b.limit - b.used) {
		b.exceeded = true;
		return false;
	}
	return true;
}

void budget_charge(size_t old_size, size_t new_size)
{
	if (t_budget.limit != 0)
		t_budget.used = t_budget.used - old_size + new_size;
}

size_t block_size(void *payload)
{
	size_t size = 0;
	std::memcpy(&size, static_cast<unsigned char *>(payload) - kAllocHeader, sizeof(size));
	return size;
}

void *budget_realloc(void *payload, size_t size)
{
	const size_t old_size = payload != nullptr ? block_size(payload) : 0;
	if (size > std::numeric_limits<size_t>::max() - kAllocHeader || !budget_allows(old_size, size))
		return nullptr;
	void *base = payload != nullptr ? static_cast<unsigned char *>(payload) - kAllocHeader : nullptr;
	auto *block = static_cast<unsigned char *>(std::realloc(base, size + kAllocHeader));
	if (block == nullptr)
		return nullptr;
	std::memcpy(block, &size, sizeof(size));
	budget_charge(old_size, size);
	return block + kAllocHeader;
}

void *budget_malloc(size_t size)
{
	return budget_realloc(nullptr, size);
}

void budget_free(void *payload)
{
	if (payload == nullptr)
		return;
	budget_charge(block_size(payload), 0);
	std::free(static_cast<unsigned char *>(payload) - kAllocHeader);
}

} // namespace

// stb_image compiled here, private to this file (STB_IMAGE_STATIC), with only the formats we accept
// and with every allocation going through the budget above.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_MALLOC(sz) budget_malloc(sz)
#define STBI_REALLOC(p, newsz) budget_realloc(p, newsz)
#define STBI_FREE(p) budget_free(p)
#include <stb_image.h>

namespace vaccel::image {

namespace {

// stbi_*_from_memory take an int length; larger buffers are not images we want anyway.
constexpr size_t kMaxEncodedBytes = static_cast<size_t>(std::numeric_limits<int>::max());

// Deflate emits at most 258 bytes per 2 bits (a length-258 match with 1-bit length and distance
// codes), so n bytes of IDAT can never inflate to more than 1032 * n bytes.
constexpr unsigned long long kDeflateMaxRatio = 1032;

// A JPEG scan spends at least one bit (the shortest Huffman code) on every 8x8 block of the
// full-resolution component, i.e. at most 64 pixels per bit = 512 per byte; real encoders reach
// that only for flat progressive greyscale.  Twice that leaves margin for unusual encoders.
constexpr unsigned long long kJpegMaxPixelsPerByte = 1024;

// Decoder working memory allowed per (MCU-padded) pixel: the worst legitimate cases are a 16-bit
// RGBA PNG (8 bytes raw + 8 unfiltered + conversions) and a progressive CMYK JPEG (2 bytes of
// coefficients and 1 of samples per component, plus the RGB output).
constexpr unsigned long long kDecoderBytesPerPixel = 32;
constexpr unsigned long long kDecoderSlackBytes = 1ULL << 20;

enum class Format { Jpeg, Png, Bmp, Other };

Format sniff(std::string_view b)
{
	if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3))
		return Format::Jpeg;
	if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8))
		return Format::Png;
	if (b.size() >= 2 && b.substr(0, 2) == "BM")
		return Format::Bmp;
	return Format::Other;
}

uint32_t be32(std::string_view b, size_t at)
{
	const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
	return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint32_t be16(std::string_view b, size_t at)
{
	const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
	return (uint32_t{p[0]} << 8) | p[1];
}

uint32_t le32(std::string_view b, size_t at)
{
	const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
	return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

uint32_t le16(std::string_view b, size_t at)
{
	const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
	return (uint32_t{p[1]} << 8) | p[0];
}

// Each check returns an empty string when the image may be decoded, else why not.

// PNG: the chunks must be complete up to IEND, and the IDAT bytes must be able to inflate to at
// least the pixel data the header declares.
std::string check_png(std::string_view b, unsigned long long pixels)
{
	size_t pos = 8;
	unsigned long long idat_bytes = 0;
	unsigned bits_per_pixel = 0;
	bool ended = false;
	while (!ended) {
		if (b.size() - pos < 12)
			return "truncated PNG (no IEND chunk)";
		const uint32_t len = be32(b, pos);
		const std::string_view type = b.substr(pos + 4, 4);
		if (len > b.size() - pos - 12)
			return "truncated PNG (chunk '" + std::string(type) + "' runs past the end)";
		if (pos == 8) {
			if (type != "IHDR" || len != 13)
				return "corrupt PNG (first chunk is not IHDR)";
			static constexpr unsigned kChannels[7] = {1, 0, 3, 1, 2, 0, 4};
			const unsigned depth = static_cast<unsigned char>(b[pos + 16]);
			const unsigned colour = static_cast<unsigned char>(b[pos + 17]);
			bits_per_pixel = colour < 7 ? kChannels[colour] * depth : 0;
		}
		if (type == "IDAT")
			idat_bytes += len;
		ended = type == "IEND";
		pos += 12 + static_cast<size_t>(len);
	}
	if (bits_per_pixel == 0)
		return "corrupt PNG (bad colour type or bit depth)";
	const unsigned long long raw_bytes = (pixels * bits_per_pixel + 7) / 8;
	if (raw_bytes > kDeflateMaxRatio * idat_bytes)
		return "PNG declares " + std::to_string(raw_bytes) + " bytes of pixel data but its " +
		       std::to_string(idat_bytes) + " compressed bytes can hold at most " +
		       std::to_string(kDeflateMaxRatio * idat_bytes) + " (deflate's 1032:1 limit)";
	return {};
}

bool jpeg_standalone_marker(unsigned m)
{
	return (m >= 0xD0 && m <= 0xD7) || m == 0x01; // RSTn, TEM: no length field
}

// The position just past the entropy-coded data that starts at `pos` (the next real marker's FF).
size_t skip_entropy_data(std::string_view b, size_t pos)
{
	while (pos + 1 < b.size()) {
		const auto next = static_cast<unsigned char>(b[pos + 1]);
		if (static_cast<unsigned char>(b[pos]) == 0xFF && next != 0x00 && !(next >= 0xD0 && next <= 0xD7) &&
		    next != 0xFF)
			return pos;
		++pos;
	}
	return b.size();
}

// JPEG: the marker segments must be complete, there must be a scan and an end-of-image marker
// (stb decodes missing entropy data as zeros), and the pixel count must fit the byte count.
std::string check_jpeg(std::string_view b, unsigned long long pixels)
{
	if (pixels > kJpegMaxPixelsPerByte * b.size())
		return "JPEG declares " + std::to_string(pixels) + " pixels but " + std::to_string(b.size()) +
		       " bytes can encode at most " + std::to_string(kJpegMaxPixelsPerByte * b.size());
	size_t pos = 2;
	bool scanned = false;
	for (;;) {
		while (pos < b.size() && static_cast<unsigned char>(b[pos]) == 0xFF)
			++pos; // a marker is FF (any number of fill FFs) then its code
		if (pos >= b.size())
			return "truncated JPEG (no end-of-image marker)";
		const unsigned m = static_cast<unsigned char>(b[pos++]);
		if (m == 0xD9)
			return scanned ? std::string{} : "JPEG has no image data (no scan)";
		if (jpeg_standalone_marker(m))
			continue;
		if (b.size() - pos < 2 || be16(b, pos) < 2 || be16(b, pos) > b.size() - pos)
			return "truncated JPEG (marker segment runs past the end)";
		pos += be16(b, pos);
		if (m == 0xDA) {
			scanned = true;
			pos = skip_entropy_data(b, pos);
		}
	}
}

// BMP: only uncompressed (BI_RGB / BI_BITFIELDS) rows, and every row must be present in full.
std::string check_bmp(std::string_view b, unsigned long long width, unsigned long long height)
{
	if (b.size() < 18 + 12)
		return "truncated BMP header";
	const uint32_t offset = le32(b, 10);
	const uint32_t header = le32(b, 14);
	if (header != 12 && header < 40)
		return "corrupt BMP (unknown header size " + std::to_string(header) + ")";
	if (b.size() < 14ULL + (header == 12 ? 12 : 40))
		return "truncated BMP header";
	const unsigned bpp = header == 12 ? le16(b, 24) : le16(b, 28);
	const uint32_t compression = header == 12 ? 0 : le32(b, 30);
	if (compression != 0 && compression != 3)
		return "compressed (RLE/JPEG/PNG) BMP is not supported";
	// Rows are padded to 4 bytes; stb reads them from `offset`.
	const unsigned long long row = (width * bpp + 31) / 32 * 4;
	const unsigned long long needed = static_cast<unsigned long long>(offset) + row * height;
	if (offset < 14ULL + header || needed > b.size())
		return "truncated BMP: " + std::to_string(width) + "x" + std::to_string(height) + " at " +
		       std::to_string(bpp) + " bits needs " + std::to_string(needed) + " bytes, got " +
		       std::to_string(b.size());
	return {};
}

// The width and height a header declares (0 x 0 when unreadable), and whether stb's parser accepts
// the header.  PNG and BMP sizes are read here too, because stb refuses oversized ones without
// saying why, and the caller should report them as over the pixel limit.
struct Declared {
	unsigned long long width = 0;
	unsigned long long height = 0;
	bool stb_parses = false;
};

Declared declared_size(std::string_view b, Format f)
{
	Declared d;
	int w = 0;
	int h = 0;
	int c = 0;
	d.stb_parses = stbi_info_from_memory(reinterpret_cast<const stbi_uc *>(b.data()), static_cast<int>(b.size()),
					     &w, &h, &c) != 0;
	if (f == Format::Png && b.size() >= 24 && b.substr(12, 4) == "IHDR") {
		d.width = be32(b, 16);
		d.height = be32(b, 20);
	} else if (f == Format::Bmp && b.size() >= 26 && le32(b, 14) >= 40) {
		d.width = le32(b, 18);
		const int64_t rows = static_cast<int32_t>(le32(b, 22)); // negative: top-down rows
		d.height = static_cast<unsigned long long>(rows < 0 ? -rows : rows);
	} else if (d.stb_parses) {
		d.width = static_cast<unsigned>(w);
		d.height = static_cast<unsigned>(h);
	}
	return d;
}

// The stb allocation budget of one decode; the MCU padding only applies to JPEG.
unsigned long long decoder_budget(Format f, unsigned long long w, unsigned long long h, size_t size)
{
	if (f == Format::Jpeg) {
		w = (w + 31) / 32 * 32;
		h = (h + 31) / 32 * 32;
	}
	return kDecoderBytesPerPixel * w * h + 2ULL * size + kDecoderSlackBytes;
}

// Opens a budget for stb's allocations on this thread and closes it on scope exit.
class BudgetScope {
public:
	explicit BudgetScope(unsigned long long limit) { t_budget = {static_cast<size_t>(limit), 0, false}; }
	~BudgetScope() { t_budget = {}; }
	BudgetScope(const BudgetScope &) = delete;
	BudgetScope &operator=(const BudgetScope &) = delete;
	[[nodiscard]] bool exceeded() const { return t_budget.exceeded; }
};

struct StbFree {
	void operator()(stbi_uc *p) const { stbi_image_free(p); }
};

std::string stb_reason(const char *prefix)
{
	const char *why = stbi_failure_reason();
	return std::string(prefix) + (why != nullptr ? why : "unknown");
}

} // namespace

bool looks_like_image(const void *data, size_t size)
{
	if (data == nullptr || size == 0 || size > kMaxEncodedBytes)
		return false;
	const std::string_view b(static_cast<const char *>(data), size);
	int w = 0;
	int h = 0;
	int c = 0;
	const Format format = sniff(b);
	return format != Format::Other && (format != Format::Jpeg || check_jpeg_huffman_tables(b).empty()) &&
	       stbi_info_from_memory(reinterpret_cast<const stbi_uc *>(data), static_cast<int>(size), &w, &h, &c) != 0;
}

std::string check_decodable(const void *data, size_t size, const DecodeLimits &limits)
{
	if (data == nullptr || size == 0)
		return "empty image buffer";
	if (size > kMaxEncodedBytes)
		return "image buffer too large (" + std::to_string(size) + " bytes)";
	const std::string_view b(static_cast<const char *>(data), size);
	const Format format = sniff(b);
	if (format == Format::Other)
		return "unsupported image format (JPEG, PNG and BMP are accepted)";
	if (format == Format::Jpeg)
		if (std::string why = check_jpeg_huffman_tables(b); !why.empty())
			return why;
	const Declared d = declared_size(b, format);
	if (d.width == 0 || d.height == 0)
		return stb_reason("corrupt image header: ");
	const unsigned long long pixels = d.width * d.height;
	if (pixels > static_cast<unsigned long long>(limits.max_pixels))
		return "image is " + std::to_string(d.width) + "x" + std::to_string(d.height) + " pixels, over the " +
		       std::to_string(limits.max_pixels) + "-pixel limit";
	if (!d.stb_parses)
		return stb_reason("corrupt image header: ");
	switch (format) {
	case Format::Png:
		return check_png(b, pixels);
	case Format::Jpeg:
		return check_jpeg(b, pixels);
	case Format::Bmp:
		return check_bmp(b, d.width, d.height);
	case Format::Other:
		break;
	}
	return "unsupported image format";
}

bool decode_limits_from_env(DecodeLimits &limits, std::string &error)
{
	constexpr long long kMostPixels = 1LL << 30; // stb refuses anything near 2^31 bytes anyway
	const char *v = env_value("VACCEL_IMAGE_MAX_PIXELS");
	if (v == nullptr)
		return true;
	const std::string_view text(v);
	long long n = 0;
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
	if (ec != std::errc{} || end != text.data() + text.size() || n < 1 || n > kMostPixels) {
		error = std::string("VACCEL_IMAGE_MAX_PIXELS='") + v + "': expected a whole number in 1.." +
			std::to_string(kMostPixels);
		return false;
	}
	limits.max_pixels = n;
	return true;
}

bool decode_rgb(const void *data, size_t size, Image &out, std::string &error)
{
	DecodeLimits limits;
	return decode_limits_from_env(limits, error) && decode_rgb(data, size, out, error, limits);
}

bool decode_rgb(const void *data, size_t size, Image &out, std::string &error, const DecodeLimits &limits)
{
	if (std::string why = check_decodable(data, size, limits); !why.empty()) {
		error = std::move(why);
		return false;
	}
	const std::string_view b(static_cast<const char *>(data), size);
	const auto *bytes = static_cast<const stbi_uc *>(data);
	int w = 0;
	int h = 0;
	int c = 0;
	stbi_info_from_memory(bytes, static_cast<int>(size), &w, &h, &c);
	const unsigned long long budget =
		decoder_budget(sniff(b), static_cast<unsigned>(w), static_cast<unsigned>(h), size);
	std::unique_ptr<stbi_uc, StbFree> pixels;
	bool over_budget = false;
	{
		const BudgetScope scope(budget);
		pixels.reset(stbi_load_from_memory(bytes, static_cast<int>(size), &w, &h, &c, 3));
		over_budget = scope.exceeded();
	}
	if (!pixels) {
		error = over_budget ? "image decoding needs more than the " + std::to_string(budget >> 20) +
					      " MiB its size allows (corrupt compressed data)"
				    : stb_reason("image decoding failed: ");
		return false;
	}
	out.width = w;
	out.height = h;
	out.channels = 3;
	const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h) * 3;
	out.pixels.assign(pixels.get(), pixels.get() + n);
	return true;
}

} // namespace vaccel::image
