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

inline void put_u16(std::vector<uint8_t> &b, size_t pos, uint16_t v) { std::memcpy(&b[pos], &v, 2); }
inline void put_u32(std::vector<uint8_t> &b, size_t pos, uint32_t v) { std::memcpy(&b[pos], &v, 4); }

// Returns an empty vector if `cpu_model` cannot be read as a TFLite flatbuffer.
inline std::vector<uint8_t> make_edgetpu_variant(std::vector<uint8_t> model,
						 const std::string &custom = "edgetpu-custom-op")
{
	std::vector<tflite::OperatorCode> codes;
	std::string err;
	if (!tflite::read_operator_codes(model.data(), model.size(), codes, err) || codes.empty())
		return {};
	model.resize((model.size() + 3) & ~size_t{3}, 0);  // tables are 4-byte aligned
	const size_t vtable = model.size();
	const size_t table = vtable + 12;
	const size_t str = table + 20;
	model.resize(str + 4 + ((custom.size() + 1 + 3) & ~size_t{3}), 0);
	// vtable: size 12, table size 20, fields 0..3 at offsets 4, 8, 12, 16
	put_u16(model, vtable, 12);
	put_u16(model, vtable + 2, 20);
	put_u16(model, vtable + 4, 4);   // deprecated_builtin_code (int8)
	put_u16(model, vtable + 6, 8);   // custom_code (string)
	put_u16(model, vtable + 8, 12);  // version (int32)
	put_u16(model, vtable + 10, 16); // builtin_code (int32)
	put_u32(model, table, static_cast<uint32_t>(table - vtable));  // soffset to the vtable
	model[table + 4] = 32;                                          // CUSTOM
	put_u32(model, table + 8, static_cast<uint32_t>(str - (table + 8)));
	put_u32(model, table + 12, 1);
	put_u32(model, table + 16, 32);
	put_u32(model, str, static_cast<uint32_t>(custom.size()));
	std::memcpy(&model[str + 4], custom.data(), custom.size());
	// operator_codes[0] now refers to the new table (uoffsets point forward: the table is later).
	put_u32(model, codes[0].slot_offset, static_cast<uint32_t>(table - codes[0].slot_offset));
	return model;
}

}  // namespace vaccel::test
