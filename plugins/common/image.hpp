// SPDX-License-Identifier: Apache-2.0
// Shared image / labels helpers for the image-classification plugins (onnx, torch, tflite).
//
// Target: `vaccel-plugin-image` (static, PIC, no vAccel dependency).  Link it and include
// "image.hpp" (the target exports this directory as its include dir).
//
// Everything here is plain C++20 with no exceptions escaping except std::bad_alloc; failures are
// reported through return values plus a human-readable message, so plugins can map them to
// VACCEL_E* codes and log lines.
//
// Typical pipelines (see ../shared/models/README.md):
//   ONNX / TorchScript (ImageNet, NCHW float):
//     Image img; std::string err;
//     if (!decode_rgb(bytes, size, img, err)) -> VACCEL_EINVAL
//     Image in = crop_and_resize(img, 224, 224, 224.0 / 256.0);
//     std::vector<float> t = to_float_planar(in, kImagenetMean, kImagenetStd);   // NCHW
//   TFLite uint8 (whole image resized, raw HWC bytes):
//     Image in = resize_bilinear(img, 224, 224);   // in.pixels is the uint8 NHWC tensor
//   Output:
//     auto probs = softmax(logits); auto best = top_k(probs, 1);
//     Labels labels; labels.load(path, err); labels.name(best[0].index)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vaccel::image {

// 8-bit interleaved (HWC) pixels.  channels is 3 (RGB) for everything produced by decode_rgb.
struct Image {
	int width = 0;
	int height = 0;
	int channels = 0;
	std::vector<uint8_t> pixels; // width * height * channels bytes, row-major

	[[nodiscard]] bool empty() const { return width <= 0 || height <= 0 || pixels.empty(); }
	[[nodiscard]] uint8_t at(int x, int y, int c) const
	{
		return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
	}
};

// ImageNet statistics in the 0..1 pixel range (RGB order).
inline constexpr std::array<float, 3> kImagenetMean{0.485F, 0.456F, 0.406F};
inline constexpr std::array<float, 3> kImagenetStd{0.229F, 0.224F, 0.225F};

// Images come from guests, so decode_rgb accepts only JPEG, PNG and BMP (no GIF, TGA, PSD, HDR,
// PIC or PNM) and bounds the cost of every image before decoding it:
//   - at most `max_pixels` pixels (default kDefaultMaxPixels: 25 Mpixel, a 24 MP camera photo; the
//     models take 224x224, so larger images bring nothing but cost; $VACCEL_IMAGE_MAX_PIXELS);
//   - the declared size must be reachable from the bytes present: a BMP must hold all its rows
//     (uncompressed only), a PNG's IDAT bytes must be able to inflate to its pixel data (at most
//     deflate's 1032:1), a JPEG may declare at most 1024 pixels per byte; a PNG without IEND or a
//     JPEG without EOI is truncated and refused;
//   - stb's working memory is limited to 32 bytes per pixel plus twice the encoded size.
// Every rejection is a false return with a human-readable `error`.
inline constexpr long long kDefaultMaxPixels = 25'000'000;
struct DecodeLimits {
	long long max_pixels = kDefaultMaxPixels;
};

// Why these bytes will not be decoded (format, header, dimensions, byte count; see above), or an
// empty string when decode_rgb may try them.  Cheap: reads headers and chunk/marker structure only.
std::string check_decodable(const void *data, size_t size, const DecodeLimits &limits = {});

// The limits the plugins decode with: the defaults, with $VACCEL_IMAGE_MAX_PIXELS (a whole number,
// 1..2^30) replacing max_pixels when set, so an operator can lower or raise the cap for every image
// plugin at once.  Returns false (limits unchanged) with the variable named in `error` when its
// value cannot be used.
bool decode_limits_from_env(DecodeLimits &limits, std::string &error);

// Decodes JPEG / PNG / BMP from memory into 8-bit RGB.  Returns false with `error` set for an empty
// buffer, an image refused by check_decodable, or bytes that fail to decode.
bool decode_rgb(const void *data, size_t size, Image &out, std::string &error, const DecodeLimits &limits);
// The same with decode_limits_from_env's limits (what the plugins call).
bool decode_rgb(const void *data, size_t size, Image &out, std::string &error);

// True when the bytes start like a JPEG, PNG or BMP with a readable header (no decoding).
bool looks_like_image(const void *data, size_t size);

// Bilinear resize with half-pixel centres (the convention of cv::resize INTER_LINEAR and
// TF's half_pixel_centers), no antialiasing.  Works for any channel count.
Image resize_bilinear(const Image &src, int width, int height);

// Crops the centred rectangle (x, y, w, h) and returns it as a new image.
Image crop(const Image &src, int x, int y, int w, int h);

// Centre-crops a square whose side is `fraction` of the shorter image side (e.g. 224/256),
// then resizes it to width x height.  fraction >= 1 keeps the whole shorter side.
Image crop_and_resize(const Image &src, int width, int height, double fraction);

// (pixel * scale - mean[c]) / std[c] as float, planar (CHW = NCHW with N = 1).
// With scale = 1/255 and ImageNet mean/std this is the torchvision normalisation.
std::vector<float> to_float_planar(const Image &src, std::span<const float> mean, std::span<const float> std,
				   float scale = 1.0F / 255.0F);

// Same normalisation, interleaved (HWC = NHWC with N = 1).
std::vector<float> to_float_interleaved(const Image &src, std::span<const float> mean, std::span<const float> std,
					float scale = 1.0F / 255.0F);

// Numerically stable softmax.
std::vector<float> softmax(std::span<const float> logits);

struct Scored {
	size_t index;
	float score;
};

// The k highest entries, best first (k is clamped to the input size).  Ties keep the lower index.
std::vector<Scored> top_k(std::span<const float> scores, size_t k);

// A labels file: one label per line, line i = class i.  Trailing '\r' and whitespace are trimmed.
class Labels {
public:
	// Replaces the current contents.  Returns false (and sets error) if the file cannot be read
	// or holds no label.
	bool load(const std::string &path, std::string &error);
	// Same from an in-memory text buffer (e.g. a DATA resource held in memory).
	bool load_from_buffer(std::string_view text, std::string &error);

	[[nodiscard]] size_t size() const { return names_.size(); }
	[[nodiscard]] bool empty() const { return names_.empty(); }
	// The label for class `index`, or "class <index>" when the file has no such line.
	[[nodiscard]] std::string name(size_t index) const;

private:
	std::vector<std::string> names_;
};

// Reads a whole file.  Returns false with error set (message names the path and errno text).
bool read_file(const std::string &path, std::vector<uint8_t> &out, std::string &error);

// Parses "a,b,c" (commas and/or spaces) into exactly `count` floats.  Returns false on any error.
bool parse_float_list(std::string_view text, size_t count, std::vector<float> &out);

// The value of environment variable `name`, or nullptr when it is unset or empty (an empty
// variable means "use the default", as in a shell's VAR= command).
const char *env_value(const char *name);

// How a classifier wants its input image: centre crop, resize, then (pixel*scale - mean)/std.
// The defaults fit ImageNet classifiers (crop 224/256 of the shorter side, 224x224).
struct InputSpec {
	int width = 224;
	int height = 224;
	double crop = 224.0 / 256.0; // centre-crop side as a fraction of the shorter image side
	std::array<float, 3> mean = kImagenetMean;
	std::array<float, 3> std = kImagenetStd;
	float scale = 1.0F / 255.0F; // pixel multiplier applied before mean/std
};

// Applies <prefix>INPUT_SIZE ("224" or "WxH"), <prefix>CROP (fraction in (0,1]), <prefix>MEAN and
// <prefix>STD ("r,g,b") and <prefix>SCALE (a number) to `spec`, e.g. with prefix "VACCEL_ONNX_".
// Every image plugin reads the same variables the same way.  Returns false (spec unchanged) with
// the offending variable named in `error` if one cannot be parsed.
bool input_spec_from_env(std::string_view prefix, InputSpec &spec, std::string &error);

// Writes `text` into a C buffer of `len` bytes, truncated and always NUL-terminated (if len > 0).
void copy_to_c_buffer(std::string_view text, unsigned char *buf, size_t len);

// The IMAGE_CLASSIFY result text all classification plugins return, so clients can parse one
// format: "<label> (class <index>, p=<score>)".
std::string format_top1(std::string_view label, const Scored &best);

} // namespace vaccel::image
