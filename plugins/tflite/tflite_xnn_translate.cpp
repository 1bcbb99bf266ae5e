// SPDX-License-Identifier: Apache-2.0
// TFLite operators -> XNNPACK subgraph, for the tflite plugin's XNNPACK engine; see
// tflite_xnn_translate.hpp.
//
// XNNPACK trusts the shapes it is given: a declared output smaller than what an operator computes
// would be written past its buffer.  So every operator's output shape is recomputed here from its
// inputs and attributes and must match the model's, and every weight's shape must match its
// operator, before the graph is built.
#include "tflite_xnn_translate.hpp"

#include "tflite_xnn.hpp"
#include "xnn_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

namespace vaccel::tflite::detail {

namespace {

enum Builtin : int32_t {
	kAdd = 0,
	kAvgPool = 1,
	kConv = 3,
	kDepthwise = 4,
	kDequantize = 6,
	kFullyConnected = 9,
	kLogistic = 14,
	kMaxPool = 17,
	kMul = 18,
	kRelu = 19,
	kReluN1To1 = 20,
	kRelu6 = 21,
	kReshape = 22,
	kSoftmax = 25,
	kPad = 34,
	kMean = 40,
	kSqueeze = 43,
	kQuantize = 114,
	kHardSwish = 117,
};
// BuiltinOptions union types each operator may carry (0: none).
enum OptionType : uint8_t {
	kOptConv = 1,
	kOptDepthwise = 2,
	kOptPool = 5,
	kOptFc = 8,
	kOptSoftmax = 9,
	kOptAdd = 11,
	kOptReshape = 17,
	kOptMul = 21,
	kOptPad = 22,
	kOptReducer = 27,
	kOptSqueeze = 30,
};

using Dims = std::vector<size_t>;

} // namespace

DType fb_dtype(int8_t t)
{
	switch (static_cast<FbType>(t)) {
	case FbType::Float32:
		return DType::Float32;
	case FbType::Int32:
		return DType::Int32;
	case FbType::UInt8:
		return DType::UInt8;
	case FbType::Int8:
		return DType::Int8;
	case FbType::Int16:
		return DType::Int16;
	case FbType::Float16:
		return DType::Float16;
	case FbType::Bool:
		return DType::Bool;
	default:
		return DType::NoType;
	}
}

namespace {

std::optional<xnn::Range> activation(int8_t a)
{
	switch (a) {
	case 0:
		return xnn::Range{};
	case 1:
		return xnn::Range{0.0F, INFINITY};
	case 2:
		return xnn::Range{-1.0F, 1.0F};
	case 3:
		return xnn::Range{0.0F, 6.0F};
	default:
		return std::nullopt; // TANH, SIGN_BIT
	}
}

// Output size of a window along one axis (TensorFlow SAME/VALID), 0 if the window does not fit.
size_t window_out(size_t in, size_t k, size_t stride, size_t dil, bool same)
{
	if (same)
		return (in + stride - 1) / stride;
	const size_t eff = (k - 1) * dil + 1;
	return in < eff ? 0 : (in - eff) / stride + 1;
}

// NumPy broadcast of two shapes (nullopt when incompatible).
std::optional<Dims> broadcast(const Dims &a, const Dims &b)
{
	Dims out(std::max(a.size(), b.size()), 1);
	for (size_t i = 0; i < out.size(); ++i) {
		const size_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
		const size_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
		if (da != db && da != 1 && db != 1)
			return std::nullopt;
		out[i] = std::max(da, db);
	}
	return out;
}

size_t count(const Dims &d)
{
	size_t n = 1;
	for (const size_t x : d)
		n *= x;
	return n;
}

class Translator {
public:
	Translator(const FbModel &m, xnn::Graph &g)
	    : m_(m), g_(g), ids_(m.tensors.size(), xnn::kNoValue), ready_(m.tensors.size(), false)
	{
	}

	Status status = Status::Ok;
	std::string error;

	// Defines the model's inputs and outputs as external values, then every operator.
	bool translate(std::vector<uint32_t> &in_ids, std::vector<uint32_t> &out_ids)
	{
		uint32_t ext = 0;
		for (const int32_t t : m_.inputs) {
			if (!define(t, xnn::Role::Input, ext++))
				return false;
			in_ids.push_back(ids_[static_cast<size_t>(t)]);
			ready_[static_cast<size_t>(t)] = true;
		}
		for (const int32_t t : m_.outputs) {
			if (ids_[static_cast<size_t>(t)] != xnn::kNoValue)
				return unsupported("model", "an output that is also an input or listed twice");
			if (!define(t, xnn::Role::Output, ext++))
				return false;
			out_ids.push_back(ids_[static_cast<size_t>(t)]);
		}
		for (size_t i = 0; i < m_.operators.size(); ++i)
			if (!op(i, m_.operators[i]))
				return false;
		for (const int32_t t : m_.outputs)
			if (!ready_[static_cast<size_t>(t)])
				return corrupt("model output tensor " + std::to_string(t) + " is never written");
		return true;
	}

private:
	bool unsupported(const std::string &where, const std::string &why)
	{
		status = Status::Unsupported;
		error = where + ": " + why;
		return false;
	}
	bool corrupt(const std::string &why)
	{
		status = Status::Backend;
		error = "invalid TFLite model: " + why;
		return false;
	}
	bool refused()
	{
		status = Status::Backend;
		error = g_.error();
		return false;
	}

	const FbTensor &t(int32_t i) const { return m_.tensors[static_cast<size_t>(i)]; }
	Dims dims(int32_t i) const { return {t(i).shape.begin(), t(i).shape.end()}; }

	// The XNNPACK description of tensor `i` (type mapping and quantisation checks).
	bool tensor_desc(int32_t i, xnn::Tensor &x)
	{
		const FbTensor &ft = t(i);
		const std::string where = "tensor " + std::to_string(i) + " ('" + ft.name + "')";
		x.dims = dims(i);
		x.data = ft.data.size != 0 ? ft.data.data : nullptr;
		const bool per_channel = ft.scales.size() > 1;
		if (!std::all_of(ft.scales.begin(), ft.scales.end(),
				 [](float s) { return std::isfinite(s) && s > 0.0F; }))
			return corrupt(where + " has a zero, negative or non-finite scale");
		const int64_t zp = ft.zero_points.empty() ? 0 : ft.zero_points[0];
		x.scale = ft.scales.empty() ? 0.0F : ft.scales[0];
		x.zero_point = static_cast<int32_t>(std::clamp<int64_t>(zp, INT32_MIN, INT32_MAX));
		x.channel_dim = static_cast<size_t>(std::max(ft.quantized_dimension, 0));
		if (per_channel)
			x.channel_scales = ft.scales;
		const bool zero_zps =
			std::all_of(ft.zero_points.begin(), ft.zero_points.end(), [](int64_t z) { return z == 0; });
		switch (static_cast<FbType>(ft.type)) {
		case FbType::Float32:
			x.type = xnn::Type::F32;
			return true;
		case FbType::UInt8:
			if (ft.scales.size() != 1 || zp < 0 || zp > 255)
				return unsupported(where, "uint8 without one per-tensor scale/zero point");
			x.type = xnn::Type::QU8;
			return true;
		case FbType::Int8:
			if (ft.scales.empty() || zp < -128 || zp > 127 || (per_channel && !zero_zps))
				return unsupported(where,
						   "int8 without symmetric per-channel or per-tensor quantisation");
			x.type = per_channel ? xnn::Type::QCS8 : xnn::Type::QS8;
			return true;
		case FbType::Int32:
			if (ft.scales.empty() || !zero_zps || x.data == nullptr)
				return unsupported(where, "int32 other than a quantised constant bias");
			x.type = per_channel ? xnn::Type::QCS32 : xnn::Type::QS32;
			return true;
		default:
			return unsupported(where, std::string("data type ") + dtype_name(fb_dtype(ft.type)));
		}
	}

	bool define(int32_t i, xnn::Role role = xnn::Role::Internal, uint32_t ext = xnn::kNoValue)
	{
		auto &id = ids_[static_cast<size_t>(i)];
		if (id != xnn::kNoValue)
			return true;
		xnn::Tensor x;
		if (!tensor_desc(i, x))
			return false;
		// Tensors without data are computed (or bound by the caller): XNNPACK allocates them
		// at runtime creation, so their sum is capped (constants are the file's own bytes).
		if (x.data == nullptr) {
			const size_t b = t(i).elements * std::max<size_t>(fb_type_size(t(i).type), 1);
			if (b > kMaxActivationBytes - activation_bytes_) {
				status = Status::InvalidInput; // no engine should get it
				error = "TFLite model over the engine's limits: its computed tensors exceed " +
					std::to_string(kMaxActivationBytes >> 20) + " MiB (at tensor " +
					std::to_string(i) + ")";
				return false;
			}
			activation_bytes_ += b;
		}
		id = g_.value(x, role, ext);
		return id != xnn::kNoValue || refused();
	}

	// Input `k` of `o`: defined, and either constant or already written by an earlier operator.
	bool input(const FbOperator &o, size_t k, uint32_t &id)
	{
		const int32_t i = o.inputs[k];
		if (!define(i))
			return false;
		if (!ready_[static_cast<size_t>(i)] && t(i).data.size == 0)
			return corrupt("tensor " + std::to_string(i) + " is read before it is written");
		id = ids_[static_cast<size_t>(i)];
		return true;
	}
	bool output(const FbOperator &o, uint32_t &id, const Dims &expect)
	{
		const int32_t i = o.outputs[0];
		if (ready_[static_cast<size_t>(i)] || t(i).data.size != 0)
			return corrupt("tensor " + std::to_string(i) + " is written twice or is a constant");
		if (dims(i) != expect)
			return corrupt("operator output tensor " + std::to_string(i) +
				       " has a shape that does not match its inputs");
		if (!define(i))
			return false;
		ready_[static_cast<size_t>(i)] = true;
		id = ids_[static_cast<size_t>(i)];
		return true;
	}
	bool same_quant(int32_t a, int32_t b) const
	{
		return t(a).type == t(b).type && t(a).scales == t(b).scales && t(a).zero_points == t(b).zero_points;
	}

	bool op(size_t index, const FbOperator &o);
	bool conv(const std::string &w, const FbOperator &o, bool depthwise);
	bool pool(const std::string &w, const FbOperator &o, bool max);
	bool mean(const std::string &w, const FbOperator &o);
	bool fully_connected(const std::string &w, const FbOperator &o);
	bool pad(const std::string &w, const FbOperator &o);
	bool elementwise(const std::string &w, const FbOperator &o);

	const FbModel &m_;
	xnn::Graph &g_;
	std::vector<uint32_t> ids_;
	std::vector<bool> ready_;
	size_t activation_bytes_ = 0;
};

// Checks the operator's arity and option type, then dispatches.
bool Translator::op(size_t index, const FbOperator &o)
{
	const std::string w = "operator " + std::to_string(index) + " (" + builtin_name(o.builtin) + ")";
	struct Spec {
		int32_t code;
		size_t min_in, max_in;
		uint8_t opt;
	};
	static constexpr Spec kSpecs[] = {{kAdd, 2, 2, kOptAdd},
					  {kMul, 2, 2, kOptMul},
					  {kAvgPool, 1, 1, kOptPool},
					  {kMaxPool, 1, 1, kOptPool},
					  {kConv, 2, 3, kOptConv},
					  {kDepthwise, 2, 3, kOptDepthwise},
					  {kFullyConnected, 2, 3, kOptFc},
					  {kMean, 2, 2, kOptReducer},
					  {kReshape, 1, 2, kOptReshape},
					  {kSqueeze, 1, 1, kOptSqueeze},
					  {kSoftmax, 1, 1, kOptSoftmax},
					  {kPad, 2, 2, kOptPad},
					  {kRelu, 1, 1, 0},
					  {kRelu6, 1, 1, 0},
					  {kReluN1To1, 1, 1, 0},
					  {kHardSwish, 1, 1, 0},
					  {kLogistic, 1, 1, 0},
					  {kQuantize, 1, 1, 0},
					  {kDequantize, 1, 1, 0}};
	const auto *spec =
		std::find_if(std::begin(kSpecs), std::end(kSpecs), [&](const Spec &s) { return s.code == o.builtin; });
	if (spec == std::end(kSpecs))
		return unsupported(w, o.custom.empty() ? "not implemented by the XNNPACK engine"
						       : "custom operator '" + o.custom + "'");
	if (o.inputs.size() < spec->min_in || o.inputs.size() > spec->max_in || o.outputs.size() != 1 ||
	    o.outputs[0] < 0 ||
	    std::any_of(o.inputs.begin(), o.inputs.begin() + static_cast<long>(spec->min_in),
			[](int32_t i) { return i < 0; }))
		return corrupt(w + ": wrong number of inputs or outputs");
	if (o.options.type != 0 && o.options.type != spec->opt)
		return corrupt(w + ": unexpected builtin options type " + std::to_string(o.options.type));
	switch (o.builtin) {
	case kConv:
		return conv(w, o, false);
	case kDepthwise:
		return conv(w, o, true);
	case kAvgPool:
		return pool(w, o, false);
	case kMaxPool:
		return pool(w, o, true);
	case kMean:
		return mean(w, o);
	case kFullyConnected:
		return fully_connected(w, o);
	case kPad:
		return pad(w, o);
	default:
		return elementwise(w, o);
	}
}

bool Translator::conv(const std::string &w, const FbOperator &o, bool depthwise)
{
	const auto range = activation(o.options.activation);
	const Dims in = dims(o.inputs[0]);
	const Dims f = dims(o.inputs[1]);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	if (in.size() != 4 || f.size() != 4 || t(o.inputs[1]).data.size == 0)
		return unsupported(w, "needs an NHWC input and a constant 4-D filter");
	const size_t oc = depthwise ? f[3] : f[0];
	if ((depthwise ? f[0] != 1 || oc % in[3] != 0 : f[3] != in[3]) || o.options.stride_h < 1 ||
	    o.options.stride_w < 1 || o.options.dilation_h < 1 || o.options.dilation_w < 1)
		return corrupt(w + ": filter shape or strides do not match the input");
	const bool has_bias = o.inputs.size() == 3 && o.inputs[2] >= 0;
	if (has_bias && dims(o.inputs[2]) != Dims{oc})
		return corrupt(w + ": bias shape does not match the filter");
	xnn::Window win;
	win.kernel_h = static_cast<uint32_t>(f[1]);
	win.kernel_w = static_cast<uint32_t>(f[2]);
	win.stride_h = static_cast<uint32_t>(o.options.stride_h);
	win.stride_w = static_cast<uint32_t>(o.options.stride_w);
	win.dilation_h = static_cast<uint32_t>(o.options.dilation_h);
	win.dilation_w = static_cast<uint32_t>(o.options.dilation_w);
	win.same_padding = o.options.padding == 0;
	const Dims expect{in[0], window_out(in[1], f[1], win.stride_h, win.dilation_h, win.same_padding),
			  window_out(in[2], f[2], win.stride_w, win.dilation_w, win.same_padding), oc};
	uint32_t x = 0, filter = 0, bias = xnn::kNoValue, y = 0;
	if (!input(o, 0, x) || !input(o, 1, filter) || (has_bias && !input(o, 2, bias)) || !output(o, y, expect))
		return false;
	const bool ok = depthwise ? g_.depthwise_conv2d(win, in[3], static_cast<uint32_t>(oc / in[3]), *range, x,
							filter, bias, y)
				  : g_.conv2d(win, in[3], oc, *range, x, filter, bias, y);
	return ok || refused();
}

bool Translator::pool(const std::string &w, const FbOperator &o, bool max)
{
	const auto range = activation(o.options.activation);
	const Dims in = dims(o.inputs[0]);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	if (in.size() != 4 || o.options.filter_h < 1 || o.options.filter_w < 1 || o.options.stride_h < 1 ||
	    o.options.stride_w < 1)
		return corrupt(w + ": needs an NHWC input, a window and strides");
	xnn::Window win;
	win.kernel_h = static_cast<uint32_t>(o.options.filter_h);
	win.kernel_w = static_cast<uint32_t>(o.options.filter_w);
	win.stride_h = static_cast<uint32_t>(o.options.stride_h);
	win.stride_w = static_cast<uint32_t>(o.options.stride_w);
	win.same_padding = o.options.padding == 0;
	const Dims expect{in[0], window_out(in[1], win.kernel_h, win.stride_h, 1, win.same_padding),
			  window_out(in[2], win.kernel_w, win.stride_w, 1, win.same_padding), in[3]};
	uint32_t x = 0, y = 0;
	if (!input(o, 0, x) || !output(o, y, expect))
		return false;
	// A VALID window over the whole input is a global pooling (MobileNet's last pool), which
	// XNNPACK has for quantised types too.
	if (!max && !win.same_padding && win.kernel_h == in[1] && win.kernel_w == in[2])
		return g_.global_average_pool(*range, x, y) || refused();
	if (max && !same_quant(o.inputs[0], o.outputs[0]))
		return unsupported(w, "input and output quantisation differ");
	const bool ok = max ? g_.max_pool(win, *range, x, y) : g_.average_pool(win, *range, x, y);
	return ok || refused();
}

bool Translator::mean(const std::string &w, const FbOperator &o)
{
	const Dims in = dims(o.inputs[0]);
	const FbTensor &axes = t(o.inputs[1]);
	if (in.size() != 4 || axes.type != static_cast<int8_t>(FbType::Int32) || axes.elements != 2 ||
	    axes.data.size != 8)
		return unsupported(w, "only the mean over H and W of an NHWC tensor");
	int32_t a[2];
	std::memcpy(a, axes.data.data, sizeof a);
	if (std::min(a[0], a[1]) != 1 || std::max(a[0], a[1]) != 2)
		return unsupported(w, "only the mean over H and W of an NHWC tensor");
	const Dims expect = o.options.keep_dims ? Dims{in[0], 1, 1, in[3]} : Dims{in[0], in[3]};
	uint32_t x = 0, y = 0;
	return input(o, 0, x) && output(o, y, expect) && (g_.global_average_pool({}, x, y) || refused());
}

bool Translator::fully_connected(const std::string &w, const FbOperator &o)
{
	const auto range = activation(o.options.activation);
	const Dims in = dims(o.inputs[0]);
	const Dims f = dims(o.inputs[1]);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	if (f.size() != 2 || t(o.inputs[1]).data.size == 0 || o.options.keep_dims)
		return unsupported(w, "needs a constant [out, in] filter and a 2-D output");
	if (in.empty() || count(in) % f[1] != 0)
		return corrupt(w + ": input size is not a multiple of the filter's input size");
	const bool has_bias = o.inputs.size() == 3 && o.inputs[2] >= 0;
	if (has_bias && dims(o.inputs[2]) != Dims{f[0]})
		return corrupt(w + ": bias shape does not match the filter");
	uint32_t x = 0, filter = 0, bias = xnn::kNoValue, y = 0;
	return input(o, 0, x) && input(o, 1, filter) && (!has_bias || input(o, 2, bias)) &&
	       output(o, y, Dims{count(in) / f[1], f[0]}) &&
	       (g_.fully_connected(*range, x, filter, bias, y) || refused());
}

bool Translator::pad(const std::string &w, const FbOperator &o)
{
	const Dims in = dims(o.inputs[0]);
	const FbTensor &p = t(o.inputs[1]);
	if (p.type != static_cast<int8_t>(FbType::Int32) || p.data.size != in.size() * 8 || in.size() > 4)
		return unsupported(w, "needs constant int32 paddings and at most 4 dimensions");
	std::vector<int32_t> v(in.size() * 2);
	std::memcpy(v.data(), p.data.data, p.data.size);
	Dims before, after, expect;
	for (size_t i = 0; i < in.size(); ++i) {
		if (v[2 * i] < 0 || v[2 * i + 1] < 0 || v[2 * i] > 65536 || v[2 * i + 1] > 65536)
			return corrupt(w + ": paddings out of range");
		before.push_back(static_cast<size_t>(v[2 * i]));
		after.push_back(static_cast<size_t>(v[2 * i + 1]));
		expect.push_back(in[i] + before.back() + after.back());
	}
	if (!same_quant(o.inputs[0], o.outputs[0]))
		return unsupported(w, "input and output quantisation differ");
	uint32_t x = 0, y = 0;
	return input(o, 0, x) && output(o, y, expect) && (g_.pad(before, after, 0.0F, x, y) || refused());
}

// Operators whose output shape is their input's (or the broadcast of two, or a reshape).
bool Translator::elementwise(const std::string &w, const FbOperator &o)
{
	const Dims in = dims(o.inputs[0]);
	Dims expect = in;
	if (o.builtin == kAdd || o.builtin == kMul) {
		const auto b = broadcast(in, dims(o.inputs[1]));
		if (!b)
			return corrupt(w + ": input shapes do not broadcast");
		expect = *b;
	} else if (o.builtin == kReshape || o.builtin == kSqueeze) {
		expect = dims(o.outputs[0]);
		if (count(expect) != count(in))
			return corrupt(w + ": element count changes");
		if (!same_quant(o.inputs[0], o.outputs[0]))
			return unsupported(w, "input and output quantisation differ");
	}
	const bool clamp = o.builtin == kRelu || o.builtin == kRelu6 || o.builtin == kReluN1To1;
	if (clamp && !same_quant(o.inputs[0], o.outputs[0]))
		return unsupported(w, "input and output quantisation differ");
	if (o.builtin == kSoftmax && std::fabs(o.options.beta - 1.0F) > 1e-6F)
		return unsupported(w, "beta other than 1");
	const auto range = activation(o.options.activation);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	uint32_t x = 0, x2 = 0, y = 0;
	if (!input(o, 0, x) || ((o.builtin == kAdd || o.builtin == kMul) && !input(o, 1, x2)) || !output(o, y, expect))
		return false;
	bool ok = false;
	switch (o.builtin) {
	case kAdd:
		ok = g_.add(*range, x, x2, y);
		break;
	case kMul:
		ok = g_.multiply(*range, x, x2, y);
		break;
	case kReshape:
	case kSqueeze:
		ok = g_.reshape(x, y);
		break;
	case kSoftmax:
		ok = g_.softmax(x, y);
		break;
	case kRelu:
		ok = g_.clamp({0.0F, INFINITY}, x, y);
		break;
	case kRelu6:
		ok = g_.clamp({0.0F, 6.0F}, x, y);
		break;
	case kReluN1To1:
		ok = g_.clamp({-1.0F, 1.0F}, x, y);
		break;
	case kHardSwish:
		ok = g_.hardswish(x, y);
		break;
	case kLogistic:
		ok = g_.sigmoid(x, y);
		break;
	default:
		ok = g_.convert(x, y);
		break; // QUANTIZE, DEQUANTIZE
	}
	return ok || refused();
}

} // namespace

Status translate_model(const FbModel &m, xnn::Graph &g, std::vector<uint32_t> &in_ids, std::vector<uint32_t> &out_ids,
		       std::string &error)
{
	Translator tr(m, g);
	if (tr.translate(in_ids, out_ids))
		return Status::Ok;
	error = tr.error;
	return tr.status;
}

} // namespace vaccel::tflite::detail
