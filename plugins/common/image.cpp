// SPDX-License-Identifier: Apache-2.0
// Implementation of the shared image helpers; see image.hpp for the contracts.
#include "image.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <numeric>

namespace vaccel::image {

namespace {

// One source coordinate pair and its blend weight along one axis of a bilinear resize.
struct Tap {
	int lo;
	int hi;
	float w_hi; // weight of `hi`; `lo` gets 1 - w_hi
};

// Half-pixel-centre sampling positions for resizing `src_len` samples to `dst_len`.
std::vector<Tap> bilinear_taps(int src_len, int dst_len)
{
	std::vector<Tap> taps(static_cast<size_t>(dst_len));
	const double scale = static_cast<double>(src_len) / dst_len;
	for (int i = 0; i < dst_len; ++i) {
		double pos = (i + 0.5) * scale - 0.5;
		pos = std::clamp(pos, 0.0, static_cast<double>(src_len - 1));
		const int lo = static_cast<int>(std::floor(pos));
		const int hi = std::min(lo + 1, src_len - 1);
		taps[static_cast<size_t>(i)] = {lo, hi, static_cast<float>(pos - lo)};
	}
	return taps;
}

uint8_t to_u8(float v)
{
	return static_cast<uint8_t>(std::clamp(v + 0.5F, 0.0F, 255.0F));
}

} // namespace

Image resize_bilinear(const Image &src, int width, int height)
{
	Image dst;
	if (src.empty() || width <= 0 || height <= 0)
		return dst;
	dst.width = width;
	dst.height = height;
	dst.channels = src.channels;
	dst.pixels.resize(static_cast<size_t>(width) * height * src.channels);

	const std::vector<Tap> xs = bilinear_taps(src.width, width);
	const std::vector<Tap> ys = bilinear_taps(src.height, height);
	const int ch = src.channels;
	const size_t src_stride = static_cast<size_t>(src.width) * ch;
	uint8_t *out = dst.pixels.data();
	for (const Tap &ty : ys) {
		const uint8_t *row_lo = src.pixels.data() + ty.lo * src_stride;
		const uint8_t *row_hi = src.pixels.data() + ty.hi * src_stride;
		for (const Tap &tx : xs) {
			for (int c = 0; c < ch; ++c) {
				const float top = row_lo[tx.lo * ch + c] +
						  tx.w_hi * (row_lo[tx.hi * ch + c] - row_lo[tx.lo * ch + c]);
				const float bot = row_hi[tx.lo * ch + c] +
						  tx.w_hi * (row_hi[tx.hi * ch + c] - row_hi[tx.lo * ch + c]);
				*out++ = to_u8(top + ty.w_hi * (bot - top));
			}
		}
	}
	return dst;
}

Image crop(const Image &src, int x, int y, int w, int h)
{
	Image dst;
	if (src.empty() || w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > src.width || y + h > src.height)
		return dst;
	dst.width = w;
	dst.height = h;
	dst.channels = src.channels;
	const size_t row_bytes = static_cast<size_t>(w) * src.channels;
	dst.pixels.resize(row_bytes * h);
	for (int r = 0; r < h; ++r) {
		const uint8_t *from = src.pixels.data() + ((static_cast<size_t>(y + r) * src.width) + x) * src.channels;
		std::memcpy(dst.pixels.data() + r * row_bytes, from, row_bytes);
	}
	return dst;
}

Image crop_and_resize(const Image &src, int width, int height, double fraction)
{
	if (src.empty())
		return {};
	fraction = std::clamp(fraction, 0.01, 1.0);
	const int shorter = std::min(src.width, src.height);
	const int side = std::max(1, static_cast<int>(std::lround(shorter * fraction)));
	const int x = (src.width - side) / 2;
	const int y = (src.height - side) / 2;
	return resize_bilinear(crop(src, x, y, side, side), width, height);
}

std::vector<float> to_float_planar(const Image &src, std::span<const float> mean, std::span<const float> std,
				   float scale)
{
	const int ch = src.channels;
	if (src.empty() || mean.size() < static_cast<size_t>(ch) || std.size() < static_cast<size_t>(ch))
		return {};
	const size_t plane = static_cast<size_t>(src.width) * src.height;
	std::vector<float> out(plane * ch);
	for (int c = 0; c < ch; ++c) {
		// (p*scale - m)/s == p*a + b, computed once per channel.
		const float a = scale / std[c];
		const float b = -mean[c] / std[c];
		float *dst = out.data() + c * plane;
		for (size_t i = 0; i < plane; ++i)
			dst[i] = static_cast<float>(src.pixels[i * ch + c]) * a + b;
	}
	return out;
}

std::vector<float> to_float_interleaved(const Image &src, std::span<const float> mean, std::span<const float> std,
					float scale)
{
	const int ch = src.channels;
	if (src.empty() || mean.size() < static_cast<size_t>(ch) || std.size() < static_cast<size_t>(ch))
		return {};
	std::vector<float> out(src.pixels.size());
	for (size_t i = 0; i < out.size(); ++i) {
		const size_t c = i % ch;
		out[i] = (static_cast<float>(src.pixels[i]) * scale - mean[c]) / std[c];
	}
	return out;
}

std::vector<float> softmax(std::span<const float> logits)
{
	std::vector<float> out(logits.begin(), logits.end());
	if (out.empty())
		return out;
	const float peak = *std::max_element(out.begin(), out.end());
	double sum = 0.0;
	for (float &v : out) {
		v = std::exp(v - peak);
		sum += v;
	}
	for (float &v : out)
		v = static_cast<float>(v / sum);
	return out;
}

std::vector<Scored> top_k(std::span<const float> scores, size_t k)
{
	std::vector<size_t> idx(scores.size());
	std::iota(idx.begin(), idx.end(), size_t{0});
	k = std::min(k, idx.size());
	std::partial_sort(
		idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
		[&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
	std::vector<Scored> out;
	out.reserve(k);
	for (size_t i = 0; i < k; ++i)
		out.push_back({idx[i], scores[idx[i]]});
	return out;
}

bool Labels::load(const std::string &path, std::string &error)
{
	std::vector<uint8_t> bytes;
	if (!read_file(path, bytes, error))
		return false;
	if (!load_from_buffer({reinterpret_cast<const char *>(bytes.data()), bytes.size()}, error)) {
		error = "labels file " + path + ": " + error;
		return false;
	}
	return true;
}

bool Labels::load_from_buffer(std::string_view text, std::string &error)
{
	std::vector<std::string> names;
	while (!text.empty()) {
		const size_t nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text = (nl == std::string_view::npos) ? std::string_view{} : text.substr(nl + 1);
		while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
			line.remove_suffix(1);
		names.emplace_back(line);
	}
	// A final newline does not start a new class; drop trailing empty lines.
	while (!names.empty() && names.back().empty())
		names.pop_back();
	if (names.empty()) {
		error = "no labels found";
		return false;
	}
	names_ = std::move(names);
	return true;
}

std::string Labels::name(size_t index) const
{
	if (index < names_.size())
		return names_[index];
	return "class " + std::to_string(index);
}

bool read_file(const std::string &path, std::vector<uint8_t> &out, std::string &error)
{
	std::FILE *f = std::fopen(path.c_str(), "rb");
	if (f == nullptr) {
		error = "cannot open " + path + ": " + std::strerror(errno);
		return false;
	}
	std::unique_ptr<std::FILE, int (*)(std::FILE *)> guard(f, &std::fclose);
	out.clear();
	uint8_t chunk[1 << 16];
	size_t n = 0;
	while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0)
		out.insert(out.end(), chunk, chunk + n);
	if (std::ferror(f) != 0) {
		error = "cannot read " + path + ": " + std::strerror(errno);
		return false;
	}
	return true;
}

bool parse_float_list(std::string_view text, size_t count, std::vector<float> &out)
{
	std::vector<float> values;
	size_t pos = 0;
	while (pos < text.size()) {
		while (pos < text.size() && (text[pos] == ',' || text[pos] == ' ' || text[pos] == '\t'))
			++pos;
		if (pos >= text.size())
			break;
		float v = 0.0F;
		const char *begin = text.data() + pos;
		const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), v);
		if (ec != std::errc{} || end == begin)
			return false;
		values.push_back(v);
		pos = static_cast<size_t>(end - text.data());
	}
	if (values.size() != count)
		return false;
	out = std::move(values);
	return true;
}

void copy_to_c_buffer(std::string_view text, unsigned char *buf, size_t len)
{
	if (buf == nullptr || len == 0)
		return;
	const size_t n = std::min(text.size(), len - 1);
	std::memcpy(buf, text.data(), n);
	buf[n] = '\0';
}

const char *env_value(const char *name)
{
	const char *v = std::getenv(name);
	return (v != nullptr && *v != '\0') ? v : nullptr;
}

namespace {

// "224" (square) or "224x160" / "224,160" (width then height), each side in 1..8192.
bool parse_input_size(std::string_view text, int &w, int &h)
{
	std::string t(text);
	std::replace(t.begin(), t.end(), 'x', ',');
	std::vector<float> v;
	int nw = 0;
	int nh = 0;
	if (parse_float_list(t, 1, v)) {
		nw = nh = static_cast<int>(v[0]);
	} else if (parse_float_list(t, 2, v)) {
		nw = static_cast<int>(v[0]);
		nh = static_cast<int>(v[1]);
	} else {
		return false;
	}
	if (nw <= 0 || nh <= 0 || nw > 8192 || nh > 8192)
		return false;
	w = nw;
	h = nh;
	return true;
}

bool parse_triplet(std::string_view text, std::array<float, 3> &out)
{
	std::vector<float> v;
	if (!parse_float_list(text, 3, v))
		return false;
	std::copy(v.begin(), v.end(), out.begin());
	return true;
}

std::string bad_env(const std::string &name, const char *value, const char *expected)
{
	return name + "='" + value + "': expected " + expected;
}

} // namespace

bool input_spec_from_env(std::string_view prefix, InputSpec &spec, std::string &error)
{
	InputSpec p = spec;
	std::vector<float> one;
	const auto var = [&](const char *suffix) { return std::string(prefix) + suffix; };
	if (const char *v = env_value(var("INPUT_SIZE").c_str());
	    v != nullptr && !parse_input_size(v, p.width, p.height)) {
		error = bad_env(var("INPUT_SIZE"), v, "N or WxH (1..8192)");
		return false;
	}
	if (const char *v = env_value(var("CROP").c_str())) {
		if (!parse_float_list(v, 1, one) || !(one[0] > 0.0F && one[0] <= 1.0F)) {
			error = bad_env(var("CROP"), v, "a fraction in (0,1]");
			return false;
		}
		p.crop = one[0];
	}
	if (const char *v = env_value(var("MEAN").c_str()); v != nullptr && !parse_triplet(v, p.mean)) {
		error = bad_env(var("MEAN"), v, "three numbers (R,G,B)");
		return false;
	}
	if (const char *v = env_value(var("STD").c_str())) {
		if (!parse_triplet(v, p.std) ||
		    std::any_of(p.std.begin(), p.std.end(), [](float s) { return s == 0.0F; })) {
			error = bad_env(var("STD"), v, "three non-zero numbers (R,G,B)");
			return false;
		}
	}
	if (const char *v = env_value(var("SCALE").c_str())) {
		if (!parse_float_list(v, 1, one)) {
			error = bad_env(var("SCALE"), v, "a number");
			return false;
		}
		p.scale = one[0];
	}
	spec = p;
	return true;
}

std::string format_top1(std::string_view label, const Scored &best)
{
	char text[512];
	std::snprintf(text, sizeof(text), "%.*s (class %zu, p=%.3f)", static_cast<int>(label.size()), label.data(),
		      best.index, static_cast<double>(best.score));
	return text;
}

} // namespace vaccel::image
