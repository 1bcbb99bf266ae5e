// SPDX-License-Identifier: Apache-2.0
/* Writes tiny valid images (JPEG, PNG, BMP) as seeds of fuzz_image, with stb_image_write from
 * Debian's libstb-dev. Test tool only. usage: make_images <out_dir> */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <stdio.h>

static unsigned char px[16 * 16 * 4];

static void fill(int w, int h, int c)
{
	for (int y = 0; y < h; ++y)
		for (int x = 0; x < w; ++x)
			for (int k = 0; k < c; ++k)
				px[(y * w + x) * c + k] = (unsigned char)(x * 16 + y * 5 + k * 80);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_images <out_dir>\n");
		return 2;
	}
	char path[4096];
	int ok = 1;
#define OUT(name) (snprintf(path, sizeof(path), "%s/%s", argv[1], name), path)
	fill(8, 8, 3);
	ok &= stbi_write_png(OUT("rgb8x8.png"), 8, 8, 3, px, 8 * 3);
	ok &= stbi_write_jpg(OUT("rgb8x8.jpg"), 8, 8, 3, px, 75);
	ok &= stbi_write_bmp(OUT("rgb8x8.bmp"), 8, 8, 3, px);
	fill(16, 16, 3);
	ok &= stbi_write_jpg(OUT("rgb16x16.jpg"), 16, 16, 3, px, 30);
	fill(5, 3, 1);
	ok &= stbi_write_png(OUT("gray5x3.png"), 5, 3, 1, px, 5);
	ok &= stbi_write_jpg(OUT("gray5x3.jpg"), 5, 3, 1, px, 90);
	fill(3, 5, 4);
	ok &= stbi_write_png(OUT("rgba3x5.png"), 3, 5, 4, px, 3 * 4);
	ok &= stbi_write_bmp(OUT("rgba3x5.bmp"), 3, 5, 4, px);
	fill(1, 1, 3);
	ok &= stbi_write_bmp(OUT("rgb1x1.bmp"), 1, 1, 3, px);
	ok &= stbi_write_jpg(OUT("rgb1x1.jpg"), 1, 1, 3, px, 100);
	return ok ? 0 : 1;
}
