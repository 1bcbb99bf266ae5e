// Bounds-checked reading of the one part of a .tflite flatbuffer that the plugin parses itself
// (Model.operator_codes, before Arm NN sees the bytes); see read_operator_codes in
// tflite_model.hpp. Kept apart from the Arm NN code so it can be fuzzed without Arm NN.
#include "tflite_model.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace vaccel::tflite {

namespace {

// ---- flatbuffer reading (little-endian, offsets relative to where they are stored) ----------

class FlatReader {
public:
	FlatReader(const uint8_t *data, size_t size) : d_(data), n_(size) {}

	std::optional<uint32_t> u32(size_t pos) const { return scalar<uint32_t>(pos); }
	std::optional<uint16_t> u16(size_t pos) const { return scalar<uint16_t>(pos); }
	std::optional<uint8_t> u8(size_t pos) const { return scalar<uint8_t>(pos); }
	// Follows the uoffset stored at `pos`.
	std::optional<size_t> deref(size_t pos) const
	{
		const auto off = u32(pos);
		if (!off || *off == 0 || pos + *off >= n_)
			return std::nullopt;
		return pos + *off;
	}
	// Position of field `id` of the table at `table`, or nullopt when absent / out of bounds.
	std::optional<size_t> field(size_t table, unsigned id) const
	{
		const auto soff = u32(table);
		if (!soff)
			return std::nullopt;
		const auto vtable = static_cast<long long>(table) - static_cast<int32_t>(*soff);
		if (vtable < 0 || static_cast<size_t>(vtable) >= n_)
			return std::nullopt;
		const auto vt = static_cast<size_t>(vtable);
		const auto vt_size = u16(vt);
		if (!vt_size || 4U + 2U * id + 2U > *vt_size)
			return std::nullopt;
		const auto foff = u16(vt + 4 + 2 * id);
		if (!foff || *foff == 0)
			return std::nullopt;
		return table + *foff;
	}
	std::optional<std::string> string_at(size_t pos) const
	{
		const auto len = u32(pos);
		if (!len || pos + 4 + *len > n_)
			return std::nullopt;
		return std::string(reinterpret_cast<const char *>(d_ + pos + 4), *len);
	}

private:
	// A little-endian scalar at `pos` (the host is little-endian, as FlatBuffers assume), or
	// nullopt when it would run past the buffer.
	template <class T>
	std::optional<T> scalar(size_t pos) const
	{
		if (pos > n_ || n_ - pos < sizeof(T))
			return std::nullopt;
		T v{};
		std::memcpy(&v, d_ + pos, sizeof(T));
		return v;
	}

	const uint8_t *d_;
	size_t n_;
};

}  // namespace

bool read_operator_codes(const uint8_t *data, size_t size, std::vector<OperatorCode> &out,
			 std::string &error)
{
	out.clear();
	if (data == nullptr || size < 8) {
		error = "model buffer too small to be a TFLite flatbuffer (" + std::to_string(size) +
			" bytes)";
		return false;
	}
	if (std::memcmp(data + 4, "TFL3", 4) != 0) {
		error = "not a TensorFlow Lite model (flatbuffer identifier 'TFL3' missing)";
		return false;
	}
	const FlatReader r(data, size);
	const auto model = r.deref(0);
	const auto codes_field = model ? r.field(*model, 1) : std::nullopt;  // Model.operator_codes
	const auto codes = codes_field ? r.deref(*codes_field) : std::nullopt;
	const auto count = codes ? r.u32(*codes) : std::nullopt;
	if (!count || *count > (size - *codes) / 4) {
		error = "corrupt TFLite flatbuffer: cannot read Model.operator_codes";
		return false;
	}
	for (uint32_t i = 0; i < *count; ++i) {
		const size_t slot = *codes + 4 + 4 * static_cast<size_t>(i);
		const auto table = r.deref(slot);
		if (!table) {
			error = "corrupt TFLite flatbuffer: bad operator code entry " + std::to_string(i);
			return false;
		}
		OperatorCode c;
		c.slot_offset = slot;
		// Old files only have the int8 deprecated_builtin_code (field 0); newer ones also carry
		// builtin_code (field 3).  TFLite uses the larger of the two.
		int32_t deprecated = 0;
		if (const auto f = r.field(*table, 0))
			deprecated = static_cast<int8_t>(r.u8(*f).value_or(0));
		int32_t builtin = 0;
		if (const auto f = r.field(*table, 3))
			builtin = static_cast<int32_t>(r.u32(*f).value_or(0));
		c.builtin = std::max(deprecated, builtin);
		if (const auto f = r.field(*table, 1))
			if (const auto s = r.deref(*f))
				c.custom = r.string_at(*s).value_or("");
		out.push_back(std::move(c));
	}
	return true;
}

}  // namespace vaccel::tflite
