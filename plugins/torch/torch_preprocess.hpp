// SPDX-License-Identifier: Apache-2.0
// Image → input tensor for the torch plugin's IMAGE_CLASSIFY, built on the shared
// vaccel-plugin-image helpers (stb decoding, crop/resize, normalisation).
//
// Defaults fit ImageNet TorchScript classifiers such as ../shared/models'
// mobilenetv2-12-f32.torchscript.pt: centre crop 224/256 of the shorter side, bilinear resize
// to 224x224, (x/255 - mean)/std, NCHW float.  Other models state theirs with
// VACCEL_TORCH_INPUT_SIZE ("224" or "WxH"), VACCEL_TORCH_CROP (fraction in (0,1]),
// VACCEL_TORCH_MEAN / VACCEL_TORCH_STD ("r,g,b") and VACCEL_TORCH_SCALE (pixel multiplier).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image.hpp"

namespace vaccel::torch_plugin {

// The torch plugin needs nothing beyond the shared crop/resize/normalise description.
using Preprocess = image::InputSpec;

// Applies the VACCEL_TORCH_* overrides to `pre`.  False (pre unchanged) with the offending
// variable named in `error` if one cannot be parsed.
bool preprocess_from_env(Preprocess &pre, std::string &error);

struct InputTensor {
	std::vector<float> data;   // NCHW, N = 1
	std::vector<int64_t> dims; // {1, 3, height, width}
};

// Decodes the image bytes and builds the model input.  False with `error` set when the bytes
// are empty or not a decodable image.
bool make_input(const void *img, size_t len, const Preprocess &pre, InputTensor &out, std::string &error);

// The model input of an already-decoded RGB image (the preprocess step of the kit's
// classification pipeline, plugins/common/classifier.hpp).
InputTensor make_input(const image::Image &img, const Preprocess &pre);

} // namespace vaccel::torch_plugin
