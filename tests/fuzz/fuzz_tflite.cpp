// libFuzzer harness: the part of a .tflite flatbuffer the tflite plugin parses itself, before
// Arm NN's TfLite parser sees the bytes: Model.operator_codes, read by read_operator_codes
// (plugins/tflite/tflite_flatbuffer.cpp) to refuse custom (e.g. Edge TPU) operators with a
// useful message. Arm NN's own flatbuffer parsing is a Debian library and is not fuzzed here.
#include "tflite_model.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<vaccel::tflite::OperatorCode> codes;
	std::string err;
	if (!vaccel::tflite::read_operator_codes(data, size, codes, err)) {
		if (err.empty())
			abort(); // every refusal must say why
		return 0;
	}
	for (const auto &c : codes)
		if (c.slot_offset + 4 > size || c.custom.size() > size)
			abort(); // whatever was read lies inside the buffer
	return 0;
}
