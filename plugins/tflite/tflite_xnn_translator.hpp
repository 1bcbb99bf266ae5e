// SPDX-License-Identifier: Apache-2.0
// Private to the tflite plugin's operator translation (tflite_xnn_translate.hpp): the Translator,
// which defines a model's tensors as XNNPACK values (type and quantisation checks, the activation
// budget, write-before-read bookkeeping), and the shape helpers its per-operator definers share.
// tflite_xnn_translate.cpp holds the Translator's driver and operator dispatch;
// tflite_xnn_translate_ops.cpp the definers, by family (convolutions, pools, reductions, fully
// connected, pad, elementwise and shape-only operators).
// Thread safety: none needed; one Translator works on its own graph.
#pragma once

#include "tflite_flatbuffer.hpp"
#include "tflite_model.hpp"
#include "tflite_xnn.hpp"
#include "tflite_xnn_translate.hpp"
#include "xnn_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vaccel::tflite::detail {

// TFLite BuiltinOperator codes the translation knows.
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

// The fused activation `a` as an output range (nullopt: one XNNPACK cannot fuse).
std::optional<xnn::Range> activation(int8_t a);

// Output size of a window along one axis (TensorFlow SAME/VALID), 0 if the window does not fit.
size_t window_out(size_t in, size_t k, size_t stride, size_t dil, bool same);

// NumPy broadcast of two shapes (nullopt when incompatible).
std::optional<Dims> broadcast(const Dims &a, const Dims &b);

// Number of elements of a shape.
size_t count(const Dims &d);

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

} // namespace vaccel::tflite::detail
