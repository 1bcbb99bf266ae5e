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
	const image::Image resized = image::crop_and_resize(decoded, pre.width, pre.height, pre.crop);
	out.data = image::to_float_planar(resized, pre.mean, pre.std, pre.scale);
	out.dims = {1, 3, pre.height, pre.width};
	return true;
}

} // namespace vaccel::torch_plugin
