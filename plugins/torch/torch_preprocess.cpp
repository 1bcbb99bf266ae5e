#include "torch_preprocess.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace vaccel::torch_plugin {
namespace {

const char *env(const char *name)
{
	const char *v = std::getenv(name);
	return (v != nullptr && *v != '\0') ? v : nullptr;
}

// "224" (square) or "224x160" / "224,160" (width then height).
bool parse_size(std::string_view text, int &w, int &h)
{
	std::string t(text);
	std::replace(t.begin(), t.end(), 'x', ',');
	std::vector<float> v;
	int nw = 0;
	int nh = 0;
	if (image::parse_float_list(t, 1, v)) {
		nw = nh = static_cast<int>(v[0]);
	} else if (image::parse_float_list(t, 2, v)) {
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

bool parse_triplet(const char *text, std::array<float, 3> &out)
{
	std::vector<float> v;
	if (!image::parse_float_list(text, 3, v))
		return false;
	std::copy(v.begin(), v.end(), out.begin());
	return true;
}

std::string bad(const char *name, const char *value, const char *expected)
{
	return std::string(name) + "='" + value + "': expected " + expected;
}

}  // namespace

bool preprocess_from_env(Preprocess &pre, std::string &error)
{
	Preprocess p = pre;
	std::vector<float> one;
	if (const char *v = env("VACCEL_TORCH_INPUT_SIZE"); v && !parse_size(v, p.width, p.height)) {
		error = bad("VACCEL_TORCH_INPUT_SIZE", v, "N or WxH (1..8192)");
		return false;
	}
	if (const char *v = env("VACCEL_TORCH_CROP")) {
		if (!image::parse_float_list(v, 1, one) || !(one[0] > 0.0F && one[0] <= 1.0F)) {
			error = bad("VACCEL_TORCH_CROP", v, "a fraction in (0,1]");
			return false;
		}
		p.crop = one[0];
	}
	if (const char *v = env("VACCEL_TORCH_MEAN"); v && !parse_triplet(v, p.mean)) {
		error = bad("VACCEL_TORCH_MEAN", v, "three numbers (R,G,B)");
		return false;
	}
	if (const char *v = env("VACCEL_TORCH_STD")) {
		if (!parse_triplet(v, p.std) ||
		    std::any_of(p.std.begin(), p.std.end(), [](float s) { return s == 0.0F; })) {
			error = bad("VACCEL_TORCH_STD", v, "three non-zero numbers (R,G,B)");
			return false;
		}
	}
	if (const char *v = env("VACCEL_TORCH_SCALE")) {
		if (!image::parse_float_list(v, 1, one)) {
			error = bad("VACCEL_TORCH_SCALE", v, "a number");
			return false;
		}
		p.scale = one[0];
	}
	pre = p;
	return true;
}

bool make_input(const void *img, size_t len, const Preprocess &pre, InputTensor &out,
		std::string &error)
{
	image::Image decoded;
	if (!image::decode_rgb(img, len, decoded, error))
		return false;
	const image::Image resized = image::crop_and_resize(decoded, pre.width, pre.height, pre.crop);
	out.data = image::to_float_planar(resized, pre.mean, pre.std, pre.scale);
	out.dims = {1, 3, pre.height, pre.width};
	return true;
}

}  // namespace vaccel::torch_plugin
