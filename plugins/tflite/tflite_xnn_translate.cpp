// SPDX-License-Identifier: Apache-2.0
// TFLite operators -> XNNPACK subgraph, for the tflite plugin's XNNPACK engine; see
// tflite_xnn_translate.hpp.  The Translator is declared in tflite_xnn_translator.hpp, its per-operator
// definers are in tflite_xnn_translate_ops.cpp.
//
// XNNPACK trusts the shapes it is given: a declared output smaller than what an operator computes
// would be written past its buffer.  So every operator's output shape is recomputed here from its
// inputs and attributes and must match the model's, and every weight's shape must match its
// operator, before the graph is built.
#include "tflite_xnn_translate.hpp"

#include "tflite_xnn_translator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

namespace vaccel::tflite::detail {

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
