// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: the tflite plugin's own bounds-checked flatbuffer reader
// (plugins/tflite/tflite_flatbuffer.cpp), which sees every client model before an engine does:
// read_operator_codes (custom/Edge TPU operators, before Arm NN's parser) and read_model (the
// whole first subgraph, which the XNNPACK front end translates). Arm NN's own parsing is a Debian
// library and is not fuzzed here.
#include "tflite_flatbuffer.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

bool inside(const vaccel::tflite::FbSpan &s, const uint8_t *data, size_t size)
{
	return s.size == 0 || (s.data >= data && s.size <= size && s.data - data <= static_cast<long>(size - s.size));
}

} // namespace

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
	vaccel::tflite::FbModel m;
	if (!vaccel::tflite::read_model(data, size, m, err)) {
		if (err.empty())
			abort();
		return 0;
	}
	const auto ntensors = static_cast<int32_t>(m.tensors.size());
	for (const auto &t : m.tensors) {
		if (!inside(t.data, data, size) || t.shape.size() > vaccel::tflite::kMaxDims)
			abort();
		if (t.scales.size() > 1 &&
		    t.scales.size() != static_cast<size_t>(t.shape.at(static_cast<size_t>(t.quantized_dimension))))
			abort();
	}
	for (const auto &op : m.operators)
		for (const auto *v : {&op.inputs, &op.outputs})
			for (const int32_t i : *v)
				if (i < -1 || i >= ntensors)
					abort();
	return 0;
}
