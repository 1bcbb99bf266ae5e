// SPDX-License-Identifier: Apache-2.0
// Unit tests of the shared image helpers (plugins/common/image.hpp).
#include "image.hpp"
#include "image_bombs.hpp"
#include "test_models.hpp"

#include <stb_image_write.h>

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <numeric>

using namespace vaccel::image;
using vaccel::test::model_path;
using vaccel::test::read_bytes;

namespace {

Image solid(int w, int h, uint8_t r, uint8_t g, uint8_t b)
{
	Image img{w, h, 3, {}};
	for (int i = 0; i < w * h; ++i)
		img.pixels.insert(img.pixels.end(), {r, g, b});
	return img;
}

void append_png_bytes(void *ctx, void *data, int size)
{
	auto *out = static_cast<std::vector<unsigned char> *>(ctx);
	const auto *p = static_cast<const unsigned char *>(data);
	out->insert(out->end(), p, p + size);
}

} // namespace

TEST(ImageDecode, DecodesBmpWithItsSize)
{
	const auto bytes = read_bytes(model_path("cat.bmp"));
	ASSERT_FALSE(bytes.empty());
	Image img;
	std::string err;
	ASSERT_TRUE(decode_rgb(bytes.data(), bytes.size(), img, err)) << err;
	EXPECT_EQ(img.width, 512);
	EXPECT_EQ(img.height, 341);
	EXPECT_EQ(img.channels, 3);
	EXPECT_EQ(img.pixels.size(), 512U * 341U * 3U);
	EXPECT_TRUE(looks_like_image(bytes.data(), bytes.size()));
}

TEST(ImageDecode, DecodesJpeg)
{
	const auto bytes = read_bytes(model_path("parrot.jpg"));
	Image img;
	std::string err;
	ASSERT_TRUE(decode_rgb(bytes.data(), bytes.size(), img, err)) << err;
	EXPECT_EQ(img.width, 512);
	EXPECT_EQ(img.height, 929);
}

TEST(ImageDecode, DecodesPngRoundTrip)
{
	// A 3x2 image with distinct pixels, encoded to PNG in memory, must decode to the same bytes.
	Image src{3, 2, 3, {}};
	for (int i = 0; i < 18; ++i)
		src.pixels.push_back(static_cast<uint8_t>(i * 13));
	std::vector<unsigned char> png;
	ASSERT_NE(stbi_write_png_to_func(append_png_bytes, &png, 3, 2, 3, src.pixels.data(), 9), 0);
	Image out;
	std::string err;
	ASSERT_TRUE(decode_rgb(png.data(), png.size(), out, err)) << err;
	EXPECT_EQ(out.width, 3);
	EXPECT_EQ(out.height, 2);
	EXPECT_EQ(out.pixels, src.pixels);
}

TEST(ImageDecode, RejectsEmptyAndGarbage)
{
	Image img;
	std::string err;
	EXPECT_FALSE(decode_rgb(nullptr, 0, img, err));
	EXPECT_NE(err.find("empty"), std::string::npos);
	const std::string text = "this is definitely not an image, just some text bytes";
	err.clear();
	EXPECT_FALSE(decode_rgb(text.data(), text.size(), img, err));
	EXPECT_FALSE(err.empty());
	EXPECT_FALSE(looks_like_image(text.data(), text.size()));
	// A truncated JPEG header is not a valid image either.
	const auto jpg = read_bytes(model_path("hot_dog.jpg"));
	ASSERT_GT(jpg.size(), 64U);
	EXPECT_FALSE(decode_rgb(jpg.data(), 64, img, err));
}

TEST(ImageDecode, DecodesEverySampleImage)
{
	for (const auto &sample : vaccel::test::kSampleImages) {
		const auto bytes = read_bytes(model_path(sample.image));
		Image img;
		std::string err;
		EXPECT_TRUE(decode_rgb(bytes.data(), bytes.size(), img, err)) << sample.image << ": " << err;
	}
}

// ---- decompression bombs -------------------------------------------------------------------
// Each hostile image is decoded in a forked child, so its time and memory are measured on their
// own (the child's CPU time from wait4, its peak RSS growth from getrusage) and a decoder that
// would run for long is killed by the child's alarm instead of hanging the test.

namespace bombs = vaccel::test::bombs;

struct DecodeCost {
	bool finished = false; // the child reported back (not killed)
	bool decoded = false;
	std::string error;
	double cpu_s = 0.0;
	long rss_growth_kib = 0;
};

constexpr unsigned kChildAlarmSeconds = 60; // only an unfixed decoder gets near this
constexpr double kMaxBombCpuSeconds = 1.0;
constexpr long kMaxBombRssKib = 100L * 1024;

struct ChildReport {
	int decoded;
	long rss_growth_kib;
	char error[256];
};

[[noreturn]] void decode_and_report(const bombs::Bytes &bytes, int fd)
{
	alarm(kChildAlarmSeconds);
	rusage before{};
	getrusage(RUSAGE_SELF, &before);
	Image img;
	std::string err;
	ChildReport r{};
	r.decoded = decode_rgb(bytes.data(), bytes.size(), img, err) ? 1 : 0;
	rusage after{};
	getrusage(RUSAGE_SELF, &after);
	r.rss_growth_kib = after.ru_maxrss - before.ru_maxrss;
	std::strncpy(r.error, err.c_str(), sizeof(r.error) - 1);
	const bool sent = write(fd, &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r));
	_exit(sent ? 0 : 1);
}

DecodeCost decode_in_child(const bombs::Bytes &bytes)
{
	DecodeCost cost;
	int fds[2];
	if (pipe(fds) != 0)
		return cost;
	const pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		decode_and_report(bytes, fds[1]);
	}
	close(fds[1]);
	ChildReport r{};
	const bool got = pid > 0 && read(fds[0], &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r));
	close(fds[0]);
	int status = 0;
	rusage usage{};
	if (pid > 0)
		wait4(pid, &status, 0, &usage);
	cost.finished = got && WIFEXITED(status);
	cost.decoded = r.decoded != 0;
	cost.error = r.error;
	cost.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
		     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
	cost.rss_growth_kib = r.rss_growth_kib;
	return cost;
}

void expect_cheap_rejection(const char *name, const bombs::Bytes &bytes, const char *why)
{
	const DecodeCost c = decode_in_child(bytes);
	ASSERT_TRUE(c.finished) << name << ": the decoding child did not report back (killed after "
				<< kChildAlarmSeconds << " s?)";
	EXPECT_FALSE(c.decoded) << name << " (" << bytes.size() << " bytes) was decoded";
	EXPECT_NE(c.error.find(why), std::string::npos)
		<< name << ": error '" << c.error << "' should mention '" << why << "'";
	EXPECT_LT(c.cpu_s, kMaxBombCpuSeconds) << name << " cost " << c.cpu_s << " s of CPU";
	EXPECT_LT(c.rss_growth_kib, kMaxBombRssKib)
		<< name << " grew the decoder's RSS by " << c.rss_growth_kib / 1024 << " MiB";
	std::printf("  %-28s %6zu bytes: %.3f s CPU, +%ld KiB RSS: %s\n", name, bytes.size(), c.cpu_s, c.rss_growth_kib,
		    c.error.c_str());
}

TEST(ImageBombs, OtherFormatsAreRefusedUnread)
{
	expect_cheap_rejection("TGA 8000x8000 header", bombs::tga_header(8000, 8000), "unsupported");
	expect_cheap_rejection("HDR 8000x8000 header", bombs::hdr_header(8000), "unsupported");
	const auto tga = bombs::tga_header(8000, 8000);
	ASSERT_EQ(tga.size(), 18U);
	ASSERT_EQ(bombs::hdr_header(8000).size(), 51U);
	EXPECT_FALSE(looks_like_image(tga.data(), tga.size()));
}

TEST(ImageBombs, BmpRowsMustBePresent)
{
	expect_cheap_rejection("BMP 5000x5000 header only", bombs::bmp(5000, 5000, 0, false), "truncated BMP");
	expect_cheap_rejection("BMP 65535x65535 header", bombs::bmp(65535, 65535, 0, false), "pixel limit");
	// Legitimate: all rows present decodes; one byte short is an error, not zero padding.
	const auto whole = bombs::bmp(5, 3);
	Image img;
	std::string err;
	ASSERT_TRUE(decode_rgb(whole.data(), whole.size(), img, err)) << err;
	EXPECT_EQ(img.width, 5);
	EXPECT_EQ(img.pixels[0], 0x40);
	const auto short_one = bombs::bmp(5, 3, 1);
	EXPECT_FALSE(decode_rgb(short_one.data(), short_one.size(), img, err));
	EXPECT_NE(err.find("truncated BMP"), std::string::npos) << err;
}

TEST(ImageBombs, JpegDimensionsMustFitItsBytes)
{
	expect_cheap_rejection("JPEG 65535x65535 SOF", bombs::jpeg(65535, 65535, 16), "pixel limit");
	expect_cheap_rejection("JPEG 4096x4096, 16 bytes", bombs::jpeg(4096, 4096, 16), "bytes can encode at most");
	expect_cheap_rejection("JPEG without EOI", bombs::jpeg(64, 64, 16, false), "truncated JPEG");
	// Legitimate: 64 blocks of two bits each, 16 bytes, decodes to a flat grey image.
	const auto flat = bombs::jpeg(64, 64, 16);
	Image img;
	std::string err;
	ASSERT_TRUE(decode_rgb(flat.data(), flat.size(), img, err)) << err;
	EXPECT_EQ(img.width, 64);
	EXPECT_EQ(img.height, 64);
}

TEST(ImageBombs, PngDataMustInflateToItsSize)
{
	expect_cheap_rejection("PNG 65535x65535 IHDR", bombs::png(65535, 65535, 2, {0x78, 1, 3, 0}), "pixel limit");
	expect_cheap_rejection("PNG 4000x4000, 4 IDAT bytes", bombs::png(4000, 4000, 2, {0x78, 1, 3, 0}), "1032:1");
	// A deflate stream at the best ratio deflate has, for a 2000x2000 grey image, behind a header
	// that claims 5% more rows: just over the limit.
	const bombs::Bytes zeros = bombs::zlib_zeros(2000 * 2001);
	expect_cheap_rejection("PNG deflate bomb +5%", bombs::png(2000, 2100, 0, zeros), "1032:1");
	expect_cheap_rejection("PNG without IEND", bombs::png(2000, 2000, 0, zeros, false), "truncated PNG");
	// A 16x16 image whose (valid) stream inflates to 200 MB: the decoder's memory budget stops it.
	expect_cheap_rejection("PNG 16x16, 200 MB stream", bombs::png(16, 16, 0, bombs::zlib_zeros(200'000'000)),
			       "MiB its size allows");
	// A stream that stops early is an error (stb does not decode past the end of deflate data).
	expect_cheap_rejection("PNG truncated deflate", bombs::png(16, 16, 0, bombs::zlib_truncated_copies()),
			       "decoding failed");
	// Legitimate: the same maximal-ratio stream with its true size decodes.
	const auto exact = bombs::png(2000, 2000, 0, zeros);
	Image img;
	std::string err;
	ASSERT_TRUE(decode_rgb(exact.data(), exact.size(), img, err)) << err;
	EXPECT_EQ(img.width, 2000);
	EXPECT_EQ(img.pixels[12345], 0);
}

TEST(ImageBombs, PixelLimitIsConfigurable)
{
	const auto bytes = read_bytes(model_path("cat.bmp")); // 512x341
	Image img;
	std::string err;
	EXPECT_FALSE(decode_rgb(bytes.data(), bytes.size(), img, err, DecodeLimits{512 * 340}));
	EXPECT_NE(err.find("512x341"), std::string::npos) << err;
	EXPECT_TRUE(decode_rgb(bytes.data(), bytes.size(), img, err, DecodeLimits{512 * 341})) << err;
	// The plugins' form takes the cap from $VACCEL_IMAGE_MAX_PIXELS (restored afterwards).
	ASSERT_EQ(setenv("VACCEL_IMAGE_MAX_PIXELS", "100000", 1), 0);
	EXPECT_FALSE(decode_rgb(bytes.data(), bytes.size(), img, err));
	EXPECT_NE(err.find("100000-pixel limit"), std::string::npos) << err;
	ASSERT_EQ(setenv("VACCEL_IMAGE_MAX_PIXELS", "lots", 1), 0);
	EXPECT_FALSE(decode_rgb(bytes.data(), bytes.size(), img, err));
	EXPECT_NE(err.find("VACCEL_IMAGE_MAX_PIXELS='lots'"), std::string::npos) << err;
	ASSERT_EQ(unsetenv("VACCEL_IMAGE_MAX_PIXELS"), 0);
	EXPECT_TRUE(decode_rgb(bytes.data(), bytes.size(), img, err)) << err;
}

TEST(ImageResize, ConstantImageStaysConstant)
{
	const Image out = resize_bilinear(solid(7, 5, 10, 200, 30), 224, 224);
	ASSERT_EQ(out.width, 224);
	ASSERT_EQ(out.height, 224);
	for (size_t i = 0; i < out.pixels.size(); i += 3) {
		ASSERT_EQ(out.pixels[i], 10);
		ASSERT_EQ(out.pixels[i + 1], 200);
		ASSERT_EQ(out.pixels[i + 2], 30);
	}
}

TEST(ImageResize, HalfPixelUpscaleOfTwoPixels)
{
	// 2x1 grey ramp 0 -> 100 upscaled to 4x1 with half-pixel centres: positions -0.25 (clamped
	// to 0), 0.25, 0.75, 1.25 (clamped to 1) -> 0, 25, 75, 100.
	Image src{2, 1, 1, {0, 100}};
	const Image out = resize_bilinear(src, 4, 1);
	EXPECT_EQ(out.pixels, (std::vector<uint8_t>{0, 25, 75, 100}));
	// Downscale 4 -> 2 samples at positions 0.5 and 2.5.
	Image wide{4, 1, 1, {0, 100, 200, 240}};
	EXPECT_EQ(resize_bilinear(wide, 2, 1).pixels, (std::vector<uint8_t>{50, 220}));
}

TEST(ImageCrop, CentreCropPicksMiddle)
{
	// 4x2 image whose columns are 0,1,2,3: the centre square of side 2 holds columns 1 and 2.
	Image src{4, 2, 1, {0, 1, 2, 3, 0, 1, 2, 3}};
	const Image c = crop_and_resize(src, 2, 2, 1.0);
	EXPECT_EQ(c.pixels, (std::vector<uint8_t>{1, 2, 1, 2}));
	EXPECT_TRUE(crop(src, 3, 0, 2, 2).empty()) << "out-of-range crop must give an empty image";
}

TEST(ImageNormalise, PlanarAndInterleavedLayouts)
{
	Image src{2, 1, 3, {255, 0, 51, 0, 255, 102}};
	const float mean[3] = {0.5F, 0.5F, 0.5F};
	const float stdv[3] = {0.5F, 0.25F, 1.0F};
	const auto nchw = to_float_planar(src, mean, stdv);
	ASSERT_EQ(nchw.size(), 6U);
	// Plane R: (1-0.5)/0.5, (0-0.5)/0.5; plane G: (0-0.5)/0.25, (1-0.5)/0.25; plane B: 0.2-0.5, 0.4-0.5
	const float expect_planar[6] = {1.0F, -1.0F, -2.0F, 2.0F, -0.3F, -0.1F};
	for (int i = 0; i < 6; ++i)
		EXPECT_NEAR(nchw[i], expect_planar[i], 1e-5) << i;
	const auto nhwc = to_float_interleaved(src, mean, stdv);
	const float expect_inter[6] = {1.0F, -2.0F, -0.3F, -1.0F, 2.0F, -0.1F};
	for (int i = 0; i < 6; ++i)
		EXPECT_NEAR(nhwc[i], expect_inter[i], 1e-5) << i;
}

TEST(ImageScores, SoftmaxAndTopK)
{
	const std::vector<float> logits{1.0F, 3.0F, 2.0F, 3.0F};
	const auto p = softmax(logits);
	EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-6);
	EXPECT_GT(p[1], p[2]);
	const auto best = top_k(p, 3);
	ASSERT_EQ(best.size(), 3U);
	EXPECT_EQ(best[0].index, 1U) << "ties keep the lower index first";
	EXPECT_EQ(best[1].index, 3U);
	EXPECT_EQ(best[2].index, 2U);
	EXPECT_EQ(top_k(p, 99).size(), 4U);
	// Large logits must not overflow.
	const auto big = softmax(std::vector<float>{1000.0F, 1000.0F});
	EXPECT_NEAR(big[0], 0.5F, 1e-6);
}

TEST(ImageLabels, LoadsImagenetFile)
{
	Labels labels;
	std::string err;
	ASSERT_TRUE(labels.load(model_path("imagenet_labels.txt"), err)) << err;
	EXPECT_EQ(labels.size(), 1001U);
	EXPECT_EQ(labels.name(0), "background");
	EXPECT_EQ(labels.name(286), "Egyptian cat");
	EXPECT_EQ(labels.name(5000), "class 5000");
	Labels l1000;
	ASSERT_TRUE(l1000.load(model_path("imagenet_labels_1000.txt"), err)) << err;
	EXPECT_EQ(l1000.size(), 1000U);
	EXPECT_EQ(l1000.name(285), "Egyptian cat");
}

TEST(ImageLabels, MissingAndEmpty)
{
	Labels labels;
	std::string err;
	EXPECT_FALSE(labels.load("/nonexistent/labels.txt", err));
	EXPECT_NE(err.find("/nonexistent/labels.txt"), std::string::npos);
	EXPECT_FALSE(labels.load_from_buffer("\n\n", err));
	ASSERT_TRUE(labels.load_from_buffer("a\r\nb\n", err));
	EXPECT_EQ(labels.size(), 2U);
	EXPECT_EQ(labels.name(0), "a");
}

TEST(ImageUtil, FloatListAndCBuffer)
{
	std::vector<float> v;
	EXPECT_TRUE(parse_float_list("0.485,0.456, 0.406", 3, v));
	EXPECT_FLOAT_EQ(v[1], 0.456F);
	EXPECT_FALSE(parse_float_list("1,2", 3, v));
	EXPECT_FALSE(parse_float_list("1,x,3", 3, v));
	unsigned char buf[5];
	copy_to_c_buffer("abcdefgh", buf, sizeof(buf));
	EXPECT_STREQ(reinterpret_cast<char *>(buf), "abcd");
}

// Found by tests/fuzz/fuzz_image: Debian's stb_image builds a Huffman table of up to 4080
// symbols from a DHT segment (one 8-bit count of 255 followed by 0x40 0xFF...), overwriting the
// decoder's other tables; the guest's bytes must be refused before stb parses them (stbi_info
// included, hence looks_like_image too).
TEST(ImageBombs, JpegHuffmanTableOverflowIsRefusedBeforeStb)
{
	const std::vector<unsigned char> dht_overflow{0xff, 0xd8, 0xff, 0xc4, 0x01, 0xa2, 0x00, 0x40, 0xff};
	Image img;
	std::string err;
	EXPECT_FALSE(decode_rgb(dht_overflow.data(), dht_overflow.size(), img, err));
	EXPECT_NE(err.find("Huffman table"), std::string::npos) << err;
	EXPECT_FALSE(looks_like_image(dht_overflow.data(), dht_overflow.size()));
}
