// SPDX-License-Identifier: Apache-2.0
// The C entry point of image_c.h over decode_rgb.
#include "image_c.h"

#include "image.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" int vaccel_image_decode_rgb(const void *data, size_t size, int *width, int *height, unsigned char **pixels,
				       char *error, size_t error_len)
{
	using namespace vaccel::image;
	std::string why;
	try {
		Image img;
		if (width == nullptr || height == nullptr || pixels == nullptr) {
			why = "NULL output argument";
		} else if (decode_rgb(data, size, img, why)) {
			auto *copy = static_cast<unsigned char *>(std::malloc(img.pixels.size()));
			if (copy == nullptr)
				return ENOMEM;
			std::memcpy(copy, img.pixels.data(), img.pixels.size());
			*width = img.width;
			*height = img.height;
			*pixels = copy;
			return 0;
		}
	} catch (const std::bad_alloc &) {
		copy_to_c_buffer("out of memory", reinterpret_cast<unsigned char *>(error), error_len);
		return ENOMEM;
	}
	copy_to_c_buffer(why, reinterpret_cast<unsigned char *>(error), error_len);
	return EINVAL;
}
