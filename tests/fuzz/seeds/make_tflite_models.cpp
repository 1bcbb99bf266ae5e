// SPDX-License-Identifier: Apache-2.0
// Writes the tiny float32 and int8 TFLite models of the tests (tests/plugins/tiny_tflite_models.hpp)
// as fuzz_tflite seeds: whole, valid models that read_model walks end to end, small enough for
// the fuzzer to mutate every table, vector and shape. Test tool only.
// usage: make_tflite_models <out_dir>
#include "tiny_tflite_models.hpp"

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s <out_dir>\n", argv[0]);
		return 2;
	}
	const std::pair<const char *, std::vector<uint8_t>> models[] = {
		{"tiny-f32.tflite", vaccel::test::tfl::float_model()},
		{"tiny-int8.tflite", vaccel::test::tfl::int8_model()}};
	for (const auto &[name, bytes] : models) {
		std::ofstream out(std::string(argv[1]) + "/" + name, std::ios::binary);
		out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
		if (!out)
			return 1;
		std::printf("make_tflite_models: %s, %zu bytes\n", name, bytes.size());
	}
	return 0;
}
