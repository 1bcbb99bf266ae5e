// SPDX-License-Identifier: Apache-2.0
// Builds an "Edge TPU" variant of a real CPU .tflite model for the tests: the shared models
// directory has no *_edgetpu.tflite (those were not obtainable), so we append to the flatbuffer an
// OperatorCode table {builtin CUSTOM, custom_code "edgetpu-custom-op"} and point operator_codes[0]
// at it.  Operators using opcode 0 then reference the Edge TPU custom op exactly as in a model
// compiled by edgetpu_compiler (the rest of the graph is untouched and still valid).
#pragma once

#include "tflite_model.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vaccel::test {

inline void put_u16(std::vector<uint8_t> &b, size_t pos, uint16_t v)
{
	std::memcpy(&b[pos], &v, 2);
}
inline void put_u32(std::vector<uint8_t> &b, size_t pos, uint32_t v)
{
	std::memcpy(&b[pos], &v, 4);
}

// Points operator_codes[index] of `model` at a new OperatorCode table {builtin, custom}: every
// operator using that code becomes that operator.  Empty if `model` cannot be read.
inline std::vector<uint8_t> with_operator_code(std::vector<uint8_t> model, size_t index, int32_t builtin,
					       const std::string &custom = "")
{
	std::vector<tflite::OperatorCode> codes;
	std::string err;
	if (!tflite::read_operator_codes(model.data(), model.size(), codes, err) || index >= codes.size())
		return {};
	model.resize((model.size() + 3) & ~size_t{3}, 0); // tables are 4-byte aligned
	const size_t vtable = model.size();
	const size_t table = vtable + 12;
	const size_t str = table + 20;
	model.resize(str + 4 + ((custom.size() + 1 + 3) & ~size_t{3}), 0);
	// vtable: size 12, table size 20, fields 0..3 at offsets 4, 8, 12, 16
	put_u16(model, vtable, 12);
	put_u16(model, vtable + 2, 20);
	put_u16(model, vtable + 4, 4);                                // deprecated_builtin_code (int8)
	put_u16(model, vtable + 6, 8);                                // custom_code (string)
	put_u16(model, vtable + 8, 12);                               // version (int32)
	put_u16(model, vtable + 10, 16);                              // builtin_code (int32)
	put_u32(model, table, static_cast<uint32_t>(table - vtable)); // soffset to the vtable
	model[table + 4] = static_cast<uint8_t>(builtin < 127 ? builtin : 127);
	put_u32(model, table + 8, static_cast<uint32_t>(str - (table + 8)));
	put_u32(model, table + 12, 1);
	put_u32(model, table + 16, static_cast<uint32_t>(builtin));
	put_u32(model, str, static_cast<uint32_t>(custom.size()));
	std::memcpy(&model[str + 4], custom.data(), custom.size());
	// operator_codes[index] now refers to the new table (uoffsets point forward: it is later).
	const size_t slot = codes[index].slot_offset;
	put_u32(model, slot, static_cast<uint32_t>(table - slot));
	return model;
}

// The CPU model with operator code 0 turned into the Edge TPU custom op (or another custom op).
inline std::vector<uint8_t> make_edgetpu_variant(std::vector<uint8_t> model,
						 const std::string &custom = "edgetpu-custom-op")
{
	return with_operator_code(std::move(model), 0, 32, custom);
}

} // namespace vaccel::test
