// Unit tests of the shared image helpers (plugins/common/image.hpp).
#include "image.hpp"
#include "test_models.hpp"

#include <stb_image_write.h>

#include <gtest/gtest.h>

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

}  // namespace

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
