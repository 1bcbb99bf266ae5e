// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: the image decoder the image plugins run on client bytes
// (plugins/common/image.cpp decode_rgb), then the preprocessing a classifier applies to what
// it decoded (centre crop + bilinear resize + float normalisation).
#include "image.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	namespace img = vaccel::image;
	img::Image decoded;
	std::string err;
	if (!img::decode_rgb(data, size, decoded, err)) {
		if (err.empty())
			abort(); // every refusal must say why
		return 0;
	}
	if (decoded.channels != 3 || decoded.width <= 0 || decoded.height <= 0 ||
	    decoded.pixels.size() != static_cast<size_t>(decoded.width) * decoded.height * 3)
		abort(); // decode_rgb's contract
	const img::Image small = img::crop_and_resize(decoded, 16, 16, 224.0 / 256.0);
	const auto planar = img::to_float_planar(small, img::kImagenetMean, img::kImagenetStd);
	if (planar.size() != 16 * 16 * 3)
		abort();
	return 0;
}
