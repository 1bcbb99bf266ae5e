// SPDX-License-Identifier: Apache-2.0
#include "torch_preprocess.hpp"

namespace vaccel::torch_plugin {

bool preprocess_from_env(Preprocess &pre, std::string &error)
{
	return image::input_spec_from_env("VACCEL_TORCH_", pre, error);
}

bool make_input(const void *img, size_t len, const Preprocess &pre, InputTensor &out, std::string &error)
{
	image::Image decoded;
	if (!image::decode_rgb(img, len, decoded, error))
		return false;
	out = make_input(decoded, pre);
	return true;
}

InputTensor make_input(const image::Image &img, const Preprocess &pre)
{
	const image::Image resized = image::crop_and_resize(img, pre.width, pre.height, pre.crop);
	return {image::to_float_planar(resized, pre.mean, pre.std, pre.scale), {1, 3, pre.height, pre.width}};
}

} // namespace vaccel::torch_plugin
