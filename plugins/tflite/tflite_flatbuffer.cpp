// SPDX-License-Identifier: Apache-2.0
// The plugin's one bounds-checked .tflite flatbuffer reader; see tflite_flatbuffer.hpp. Kept apart
// from the engines so it can be fuzzed without Arm NN or XNNPACK.
#include "tflite_flatbuffer.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace vaccel::tflite {

namespace {

// ---- flatbuffer reading (little-endian, offsets relative to where they are stored) ----------

class FlatReader {
public:
	FlatReader(const uint8_t *data, size_t size)
	    : d_(data), n_(size), budget_(kMaxCopyFactor * size + kCopySlackBytes)
	{
	}

	// Counts `bytes` the reader copies out of the buffer (strings, vectors, one struct per entry)
	// against its budget; false once over it.  Offsets may point many entries at one table or
	// vector, which would otherwise multiply a small model into gigabytes of copies.
	bool charge(size_t bytes) const
	{
		if (bytes > budget_ - copied_) {
			over_ = true;
			return false;
		}
		copied_ += bytes;
		return true;
	}
	[[nodiscard]] bool over_budget() const { return over_; }
	[[nodiscard]] std::string budget_error() const
	{
		return "TFLite model over the reader's limits: its tables would copy more than " +
		       std::to_string(kMaxCopyFactor) + "x its " + std::to_string(n_) + " bytes + " +
		       std::to_string(kCopySlackBytes >> 20) + " MiB (tables or vectors shared by many entries)";
	}

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
		if (!len || pos + 4 + *len > n_ || !charge(*len))
			return std::nullopt;
		return std::string(reinterpret_cast<const char *>(d_ + pos + 4), *len);
	}
	// The vector whose uoffset is stored at `pos`: position of its first element and its length,
	// checked to hold `count` elements of `elem` bytes inside the buffer.
	std::optional<std::pair<size_t, size_t>> vec(size_t pos, size_t elem) const
	{
		const auto v = deref(pos);
		const auto len = v ? u32(*v) : std::nullopt;
		if (!len || *v + 4 > n_ || *len > (n_ - *v - 4) / elem)
			return std::nullopt;
		return std::make_pair(*v + 4, static_cast<size_t>(*len));
	}
	[[nodiscard]] const uint8_t *at(size_t pos) const { return d_ + pos; }
	template <class T>
	std::optional<T> get(size_t pos) const
	{
		return scalar<T>(pos);
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
	size_t budget_;
	mutable size_t copied_ = 0; // a reader serves one parse on one thread
	mutable bool over_ = false;
};

// Field slots of the schema tables read here.
enum ModelField : unsigned { kModelOpcodes = 1, kModelSubgraphs = 2, kModelBuffers = 4 };
enum SubgraphField : unsigned { kSgTensors = 0, kSgInputs = 1, kSgOutputs = 2, kSgOperators = 3 };
enum TensorField : unsigned { kTShape = 0, kTType = 1, kTBuffer = 2, kTName = 3, kTQuant = 4 };
enum QuantField : unsigned { kQScale = 2, kQZeroPoint = 3, kQDim = 6 };
enum OperatorField : unsigned { kOpIndex = 0, kOpInputs = 1, kOpOutputs = 2, kOpOptType = 3, kOpOpt = 4 };

// Scalar field `id` of `table`, or `dflt` when absent (flatbuffers omit default values).
template <class T>
T scalar_field(const FlatReader &r, size_t table, unsigned id, T dflt)
{
	const auto f = r.field(table, id);
	return f ? r.get<T>(*f).value_or(dflt) : dflt;
}

// A vector of scalars at field `id` (absent: empty).  False when present but out of bounds.
template <class T>
bool vector_field(const FlatReader &r, size_t table, unsigned id, std::vector<T> &out)
{
	out.clear();
	const auto f = r.field(table, id);
	if (!f)
		return true;
	const auto v = r.vec(*f, sizeof(T));
	if (!v || !r.charge(v->second * sizeof(T)))
		return false;
	out.resize(v->second);
	if (v->second != 0)
		std::memcpy(out.data(), r.at(v->first), v->second * sizeof(T));
	return true;
}

// The table at element `i` of a vector of tables starting at `first`.
std::optional<size_t> table_at(const FlatReader &r, size_t first, size_t i)
{
	return r.deref(first + 4 * i);
}

// Reads the options of the operator table `op` for the option types the front end uses; other
// types keep the defaults (the front end refuses an operator whose option type it did not expect).
bool read_options(const FlatReader &r, size_t op, FbOptions &o)
{
	o.type = scalar_field<uint8_t>(r, op, kOpOptType, 0);
	const auto f = r.field(op, kOpOpt);
	const auto t = f ? r.deref(*f) : std::nullopt;
	if (o.type == 0 || !t)
		return !f || t.has_value();
	switch (o.type) {
	case 1: // Conv2DOptions
		o.padding = scalar_field<int8_t>(r, *t, 0, 0);
		o.stride_w = scalar_field<int32_t>(r, *t, 1, 0);
		o.stride_h = scalar_field<int32_t>(r, *t, 2, 0);
		o.activation = scalar_field<int8_t>(r, *t, 3, 0);
		o.dilation_w = scalar_field<int32_t>(r, *t, 4, 1);
		o.dilation_h = scalar_field<int32_t>(r, *t, 5, 1);
		break;
	case 2: // DepthwiseConv2DOptions
		o.padding = scalar_field<int8_t>(r, *t, 0, 0);
		o.stride_w = scalar_field<int32_t>(r, *t, 1, 0);
		o.stride_h = scalar_field<int32_t>(r, *t, 2, 0);
		o.depth_multiplier = scalar_field<int32_t>(r, *t, 3, 0);
		o.activation = scalar_field<int8_t>(r, *t, 4, 0);
		o.dilation_w = scalar_field<int32_t>(r, *t, 5, 1);
		o.dilation_h = scalar_field<int32_t>(r, *t, 6, 1);
		break;
	case 5: // Pool2DOptions
		o.padding = scalar_field<int8_t>(r, *t, 0, 0);
		o.stride_w = scalar_field<int32_t>(r, *t, 1, 0);
		o.stride_h = scalar_field<int32_t>(r, *t, 2, 0);
		o.filter_w = scalar_field<int32_t>(r, *t, 3, 0);
		o.filter_h = scalar_field<int32_t>(r, *t, 4, 0);
		o.activation = scalar_field<int8_t>(r, *t, 5, 0);
		break;
	case 8: // FullyConnectedOptions
		o.activation = scalar_field<int8_t>(r, *t, 0, 0);
		o.keep_dims = scalar_field<uint8_t>(r, *t, 2, 0) != 0;
		break;
	case 9:
		o.beta = scalar_field<float>(r, *t, 0, 0.0F);
		break; // SoftmaxOptions
	case 10:       // ConcatenationOptions
		o.axis = scalar_field<int32_t>(r, *t, 0, 0);
		o.activation = scalar_field<int8_t>(r, *t, 1, 0);
		break;
	case 11: // AddOptions
	case 21: // MulOptions
		o.activation = scalar_field<int8_t>(r, *t, 0, 0);
		break;
	case 17: // ReshapeOptions
		if (!vector_field(r, *t, 0, o.new_shape))
			return false;
		break;
	case 27:
		o.keep_dims = scalar_field<uint8_t>(r, *t, 0, 0) != 0;
		break; // ReducerOptions
	default:
		break;
	}
	return true;
}

// Checks a tensor's shape and returns its element count (nullopt: bad dims or too big).
std::optional<size_t> element_count(const std::vector<int32_t> &shape, size_t elem_size)
{
	if (shape.size() > kMaxDims)
		return std::nullopt;
	size_t n = 1;
	for (const int32_t d : shape) {
		if (d < 1 || static_cast<size_t>(d) > kMaxTensorBytes / n)
			return std::nullopt;
		n *= static_cast<size_t>(d);
	}
	if (elem_size != 0 && n > kMaxTensorBytes / elem_size)
		return std::nullopt;
	return n;
}

} // namespace

bool read_operator_codes(const uint8_t *data, size_t size, std::vector<OperatorCode> &out, std::string &error)
{
	out.clear();
	if (data == nullptr || size < 8) {
		error = "model buffer too small to be a TFLite flatbuffer (" + std::to_string(size) + " bytes)";
		return false;
	}
	if (std::memcmp(data + 4, "TFL3", 4) != 0) {
		error = "not a TensorFlow Lite model (flatbuffer identifier 'TFL3' missing)";
		return false;
	}
	const FlatReader r(data, size);
	const auto model = r.deref(0);
	const auto codes_field = model ? r.field(*model, 1) : std::nullopt; // Model.operator_codes
	const auto codes = codes_field ? r.deref(*codes_field) : std::nullopt;
	const auto count = codes ? r.u32(*codes) : std::nullopt;
	if (!count || *count > (size - *codes) / 4) {
		error = "corrupt TFLite flatbuffer: cannot read Model.operator_codes";
		return false;
	}
	for (uint32_t i = 0; i < *count; ++i) {
		const size_t slot = *codes + 4 + 4 * static_cast<size_t>(i);
		const auto table = r.deref(slot);
		if (!table || !r.charge(sizeof(OperatorCode))) {
			error = r.over_budget()
					? r.budget_error()
					: "corrupt TFLite flatbuffer: bad operator code entry " + std::to_string(i);
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
		if (r.over_budget()) {
			error = r.budget_error();
			return false;
		}
		out.push_back(std::move(c));
	}
	return true;
}

namespace {

bool fail(std::string &error, const std::string &what)
{
	error = "corrupt TFLite flatbuffer: " + what;
	return false;
}

bool read_buffers(const FlatReader &r, size_t model, std::vector<FbSpan> &out, std::string &error)
{
	const auto f = r.field(model, kModelBuffers);
	const auto v = f ? r.vec(*f, 4) : std::nullopt;
	if (!v)
		return fail(error, "cannot read Model.buffers");
	for (size_t i = 0; i < v->second; ++i) {
		const auto b = table_at(r, v->first, i);
		if (!b || !r.charge(sizeof(FbSpan)))
			return fail(error, "bad buffer entry " + std::to_string(i));
		FbSpan span;
		if (const auto d = r.field(*b, 0)) {
			const auto dv = r.vec(*d, 1);
			if (!dv)
				return fail(error, "buffer " + std::to_string(i) + " runs past the end");
			span = {r.at(dv->first), dv->second};
		}
		// Models over 2 GiB keep data outside the flatbuffer (Buffer.offset/size): not supported.
		if (scalar_field<uint64_t>(r, *b, 1, 0) != 0)
			return fail(error, "buffer " + std::to_string(i) + " lies outside the flatbuffer");
		out.push_back(span);
	}
	return true;
}

bool read_quantization(const FlatReader &r, size_t q, FbTensor &t, const std::string &which, std::string &error)
{
	if (!vector_field(r, q, kQScale, t.scales) || !vector_field(r, q, kQZeroPoint, t.zero_points))
		return fail(error, which + ": bad quantization vectors");
	t.quantized_dimension = scalar_field<int32_t>(r, q, kQDim, 0);
	if (t.scales.size() > 1) {
		const auto dim = t.quantized_dimension;
		if (dim < 0 || static_cast<size_t>(dim) >= t.shape.size() ||
		    static_cast<size_t>(t.shape[static_cast<size_t>(dim)]) != t.scales.size())
			return fail(error, which + ": per-channel scales do not match its shape");
	}
	if (!t.zero_points.empty() && t.zero_points.size() != t.scales.size())
		return fail(error, which + ": " + std::to_string(t.zero_points.size()) + " zero points for " +
					   std::to_string(t.scales.size()) + " scales");
	return true;
}

bool read_tensor(const FlatReader &r, size_t tt, const std::vector<FbSpan> &buffers, FbTensor &t,
		 const std::string &which, std::string &error)
{
	if (!vector_field(r, tt, kTShape, t.shape))
		return fail(error, which + ": bad shape vector");
	t.type = scalar_field<int8_t>(r, tt, kTType, 0);
	const auto n = element_count(t.shape, fb_type_size(t.type));
	if (!n)
		return fail(error, which + ": shape has a dimension < 1, more than " + std::to_string(kMaxDims) +
					   " dimensions, or is too large");
	t.elements = *n;
	if (const auto nf = r.field(tt, kTName))
		if (const auto s = r.deref(*nf))
			t.name = r.string_at(*s).value_or("");
	const auto buf = scalar_field<uint32_t>(r, tt, kTBuffer, 0);
	if (buf >= buffers.size())
		return fail(error, which + ": buffer index " + std::to_string(buf) + " out of range");
	t.data = buffers[buf];
	if (t.data.size != 0 && fb_type_size(t.type) != 0 && t.data.size != t.elements * fb_type_size(t.type))
		return fail(error, which + ": constant data of " + std::to_string(t.data.size) + " bytes for " +
					   std::to_string(t.elements) + " elements");
	if (const auto qf = r.field(tt, kTQuant)) {
		const auto q = r.deref(*qf);
		if (!q)
			return fail(error, which + ": bad quantization table");
		return read_quantization(r, *q, t, which, error);
	}
	return true;
}

// Tensor indices of an operator or subgraph: each -1 (optional, operators only) or in range.
bool read_indices(const FlatReader &r, size_t table, unsigned id, size_t ntensors, bool allow_absent,
		  std::vector<int32_t> &out)
{
	if (!vector_field(r, table, id, out))
		return false;
	return std::all_of(out.begin(), out.end(), [&](int32_t i) {
		return (allow_absent && i == -1) || (i >= 0 && static_cast<size_t>(i) < ntensors);
	});
}

bool read_operators(const FlatReader &r, size_t sg, const std::vector<OperatorCode> &codes, FbModel &m,
		    std::string &error)
{
	const auto f = r.field(sg, kSgOperators);
	const auto v = f ? r.vec(*f, 4) : std::nullopt;
	if (!v)
		return fail(error, "cannot read SubGraph.operators");
	for (size_t i = 0; i < v->second; ++i) {
		const std::string which = "operator " + std::to_string(i);
		const auto t = table_at(r, v->first, i);
		if (!t)
			return fail(error, "bad " + which);
		FbOperator op;
		const auto idx = scalar_field<uint32_t>(r, *t, kOpIndex, 0);
		if (idx >= codes.size())
			return fail(error, which + ": opcode index " + std::to_string(idx) + " out of range");
		if (!r.charge(sizeof(FbOperator) + codes[idx].custom.size()))
			return false;
		op.builtin = codes[idx].builtin;
		op.custom = codes[idx].custom;
		if (!read_indices(r, *t, kOpInputs, m.tensors.size(), true, op.inputs) ||
		    !read_indices(r, *t, kOpOutputs, m.tensors.size(), true, op.outputs))
			return fail(error, which + ": bad input/output tensor indices");
		if (!read_options(r, *t, op.options))
			return fail(error, which + ": bad builtin options");
		m.operators.push_back(std::move(op));
	}
	return true;
}

bool read_subgraph(const FlatReader &r, size_t sg, const std::vector<FbSpan> &buffers,
		   const std::vector<OperatorCode> &codes, FbModel &m, std::string &error)
{
	const auto f = r.field(sg, kSgTensors);
	const auto v = f ? r.vec(*f, 4) : std::nullopt;
	if (!v)
		return fail(error, "cannot read SubGraph.tensors");
	if (!r.charge(v->second * sizeof(FbTensor)))
		return false;
	m.tensors.resize(v->second);
	for (size_t i = 0; i < v->second; ++i) {
		const std::string which = "tensor " + std::to_string(i);
		const auto t = table_at(r, v->first, i);
		if (!t)
			return fail(error, "bad " + which);
		if (!read_tensor(r, *t, buffers, m.tensors[i], which, error))
			return false;
	}
	if (!read_indices(r, sg, kSgInputs, m.tensors.size(), false, m.inputs) ||
	    !read_indices(r, sg, kSgOutputs, m.tensors.size(), false, m.outputs))
		return fail(error, "bad subgraph input/output tensor indices");
	return read_operators(r, sg, codes, m, error);
}

} // namespace

bool read_model(const uint8_t *data, size_t size, FbModel &out, std::string &error)
{
	out = FbModel{};
	std::vector<OperatorCode> codes;
	if (!read_operator_codes(data, size, codes, error))
		return false;
	const FlatReader r(data, size);
	const auto model = r.deref(0); // read_operator_codes checked it
	std::vector<FbSpan> buffers;
	if (!model || !read_buffers(r, *model, buffers, error)) {
		if (r.over_budget())
			error = r.budget_error();
		return false;
	}
	const auto sf = r.field(*model, kModelSubgraphs);
	const auto sv = sf ? r.vec(*sf, 4) : std::nullopt;
	if (!sv || sv->second == 0)
		return fail(error, "cannot read Model.subgraphs");
	out.subgraphs = sv->second;
	const auto sg = table_at(r, sv->first, 0);
	if (!sg)
		return fail(error, "bad subgraph 0");
	if (read_subgraph(r, *sg, buffers, codes, out, error))
		return true;
	if (r.over_budget()) { // whatever part ran out, the budget is the reason
		error = r.budget_error();
		out = FbModel{};
	}
	return false;
}

size_t fb_type_size(int8_t type)
{
	switch (static_cast<FbType>(type)) {
	case FbType::Float32:
	case FbType::Int32:
		return 4;
	case FbType::Float16:
	case FbType::Int16:
		return 2;
	case FbType::UInt8:
	case FbType::Int8:
	case FbType::Bool:
		return 1;
	case FbType::Int64:
		return 8;
	default:
		return 0;
	}
}

std::string builtin_name(int32_t code)
{
	static constexpr std::pair<int32_t, const char *> kNames[] = {{0, "ADD"},
								      {1, "AVERAGE_POOL_2D"},
								      {2, "CONCATENATION"},
								      {3, "CONV_2D"},
								      {4, "DEPTHWISE_CONV_2D"},
								      {6, "DEQUANTIZE"},
								      {9, "FULLY_CONNECTED"},
								      {14, "LOGISTIC"},
								      {17, "MAX_POOL_2D"},
								      {18, "MUL"},
								      {19, "RELU"},
								      {20, "RELU_N1_TO_1"},
								      {21, "RELU6"},
								      {22, "RESHAPE"},
								      {23, "RESIZE_BILINEAR"},
								      {25, "SOFTMAX"},
								      {28, "TANH"},
								      {32, "CUSTOM"},
								      {34, "PAD"},
								      {40, "MEAN"},
								      {41, "SUB"},
								      {42, "DIV"},
								      {43, "SQUEEZE"},
								      {49, "SPLIT"},
								      {53, "CAST"},
								      {114, "QUANTIZE"},
								      {117, "HARD_SWISH"}};
	for (const auto &[c, n] : kNames)
		if (c == code)
			return n;
	return "builtin " + std::to_string(code);
}

} // namespace vaccel::tflite
