// SPDX-License-Identifier: Apache-2.0
// Internal to the QOperator front end (onnx_xnn_quant.cpp, onnx_xnn_quant_ops.cpp): the
// translator's state and its small helpers.  See onnx_xnn_quant.hpp for what it covers.
// Thread safety: one QTranslator per translation, used by one thread.
#pragma once

#include "onnx_xnn.hpp"
#include "onnx_xnn_util.hpp"
#include "xnn_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace vaccel::onnx::quant {

using namespace util; // NOLINT: the helpers of onnx_xnn_util.hpp

using TP = ::onnx::TensorProto;

// A computed tensor.  id == kNoValue: only its shape is known (a DequantizeLinear read by Shape
// alone is never computed).  Quantised values are int8 inside (zero point shifted for uint8).
struct QVal {
	uint32_t id = xnn::kNoValue;
	Dims dims; // ONNX (NCHW) dims
	bool quant = false;
	float scale = 0.0F;
	int32_t zp = 0;
};

// An int64 tensor known at load (shape arithmetic).
struct Ints {
	Dims dims;
	std::vector<int64_t> v;
};

// An initializer's elements as T (raw_data, or the typed field the type is stored in).
template <class T>
inline bool read_tensor(const TP &t, std::vector<T> &out, Dims &dims)
{
	dims.clear();
	for (const int64_t d : t.dims()) {
		if (d < 1 || static_cast<size_t>(d) > kMaxElements / std::max<size_t>(count(dims), 1))
			return false;
		dims.push_back(static_cast<size_t>(d));
	}
	// Sizes are checked against the bytes present before anything is allocated.
	const size_t n = count(dims);
	if (t.has_raw_data()) {
		if (t.raw_data().size() != n * sizeof(T))
			return false;
		out.resize(n);
		std::memcpy(out.data(), t.raw_data().data(), n * sizeof(T));
		return true;
	}
	if constexpr (std::is_same_v<T, float>) {
		if (static_cast<size_t>(t.float_data_size()) != n)
			return false;
		out.resize(n);
		std::copy(t.float_data().begin(), t.float_data().end(), out.begin());
	} else if constexpr (std::is_same_v<T, int64_t>) {
		if (static_cast<size_t>(t.int64_data_size()) != n)
			return false;
		out.resize(n);
		std::copy(t.int64_data().begin(), t.int64_data().end(), out.begin());
	} else { // int8, uint8 and int32 live in int32_data
		if (static_cast<size_t>(t.int32_data_size()) != n)
			return false;
		out.resize(n);
		std::transform(t.int32_data().begin(), t.int32_data().end(), out.begin(),
			       [](int32_t v) { return static_cast<T>(v); });
	}
	return true;
}

inline bool is_qop(const ::onnx::NodeProto &n)
{
	const std::string &op = n.op_type();
	return op == "QuantizeLinear" || op.rfind("QLinear", 0) == 0;
}

class QTranslator : public Refusal {
public:
	QTranslator(const ::onnx::GraphProto &g, xnn::Graph &x, size_t model_bytes, XnnUsage &usage)
	    : g_(g), x_(x), model_bytes_(model_bytes), usage_(usage)
	{
	}

	bool run(const std::string &input, const Dims &in_dims, const std::string &output, uint32_t &in_id,
		 uint32_t &out_id, Dims &out_dims)
	{
		for (const auto &t : g_.initializer())
			inits_[t.name()] = &t;
		for (const auto &n : g_.node())
			for (const auto &i : n.input())
				readers_[i].push_back(&n);
		output_ = output;
		xnn::Tensor t;
		t.dims = to_nhwc(in_dims);
		in_id = value(t, xnn::Role::Input, 0);
		if (in_id == xnn::kNoValue)
			return refused();
		vals_[input] = {in_id, in_dims};
		for (const auto &n : g_.node()) {
			if (!node(n))
				return false;
			++usage_.nodes;
		}
		const auto it = vals_.find(output);
		if (it == vals_.end() || it->second.id == xnn::kNoValue)
			return bad("the graph output '" + output + "' is never computed");
		if (it->second.quant)
			return fail("the graph output '" + output + "' is quantised (needs a final DequantizeLinear)");
		out_id = it->second.id;
		out_dims = it->second.dims;
		return true;
	}

private:
	bool invalid(const ::onnx::NodeProto &n, const std::string &why)
	{
		return bad("node '" + n.name() + "' (" + n.op_type() + "): " + why);
	}
	bool refused() { return Refusal::refused(x_); }

	// x_.value(), counted in the usage.
	uint32_t value(const xnn::Tensor &t, xnn::Role role = xnn::Role::Internal, uint32_t ext = xnn::kNoValue)
	{
		const uint32_t id = x_.value(t, role, ext);
		usage_.values += id != xnn::kNoValue;
		return id;
	}
	// Constants of `bytes` (weights, biases) that the graph will copy: against the model's size.
	bool constants(size_t bytes) { return constant_budget(model_bytes_, usage_.constant_bytes, bytes); }

	const TP *init(const ::onnx::NodeProto &n, int k) const
	{
		if (k >= n.input_size())
			return nullptr;
		const auto it = inits_.find(n.input(k));
		return it == inits_.end() ? nullptr : it->second;
	}
	const QVal *val(const ::onnx::NodeProto &n, int k) const
	{
		if (k >= n.input_size())
			return nullptr;
		const auto it = vals_.find(n.input(k));
		return it == vals_.end() ? nullptr : &it->second;
	}

	// Scale (input si) and zero point (input zi, optional: uint8 0) of a per-tensor quantised
	// activation, the zero point moved to int8.  "" on success, else why not.
	std::string qparams(const ::onnx::NodeProto &n, int si, int zi, float &scale, int32_t &zp)
	{
		const TP *s = init(n, si);
		std::vector<float> sv;
		Dims d;
		if (s == nullptr || s->data_type() != TP::FLOAT || !read_tensor(*s, sv, d) || sv.size() != 1)
			return "scale not a constant f32 scalar";
		scale = sv[0];
		if (!std::isfinite(scale) || scale <= 0.0F || scale > 1e30F)
			return "!a zero, negative or non-finite scale";
		zp = -128; // no zero point: uint8, 0
		if (zi >= n.input_size() || n.input(zi).empty())
			return "";
		const TP *z = init(n, zi);
		if (z == nullptr)
			return "zero point not a constant";
		if (z->data_type() == TP::UINT8) {
			std::vector<uint8_t> zv;
			if (!read_tensor(*z, zv, d) || zv.size() != 1)
				return "zero point not a scalar";
			zp = static_cast<int32_t>(zv[0]) - 128;
		} else if (z->data_type() == TP::INT8) {
			std::vector<int8_t> zv;
			if (!read_tensor(*z, zv, d) || zv.size() != 1)
				return "zero point not a scalar";
			zp = zv[0];
		} else {
			return "zero point neither uint8 nor int8";
		}
		return "";
	}
	bool qparams_or_fail(const ::onnx::NodeProto &n, int si, int zi, float &scale, int32_t &zp)
	{
		const std::string why = qparams(n, si, zi, scale, zp);
		if (why.empty())
			return true;
		return why[0] == '!' ? invalid(n, why.substr(1)) : unsupported(n, why);
	}

	// Input k, a computed quantised value read with the parameters its producer wrote.
	std::optional<QVal> qin(const ::onnx::NodeProto &n, int k, int si, int zi)
	{
		const QVal *v = val(n, k);
		if (v == nullptr || v->id == xnn::kNoValue || !v->quant) {
			unsupported(n, "input " + std::to_string(k) + " is not a computed quantised tensor");
			return std::nullopt;
		}
		const QVal got = *v;
		float s = 0.0F;
		int32_t z = 0;
		if (!qparams_or_fail(n, si, zi, s, z))
			return std::nullopt;
		if (s != got.scale || z != got.zp) {
			unsupported(n, "input " + std::to_string(k) +
					       " read with other quantisation parameters than its producer wrote");
			return std::nullopt;
		}
		return got;
	}

	// Defines output 0: int8 with (scale, zp) when quant, else f32 (the external output when it
	// is the graph output).
	std::optional<uint32_t> out(const ::onnx::NodeProto &n, const Dims &dims, bool quant, float scale = 0.0F,
				    int32_t zp = 0)
	{
		if (n.output_size() < 1 || vals_.count(n.output(0)) != 0 || inits_.count(n.output(0)) != 0 ||
		    ints_.count(n.output(0)) != 0) {
			invalid(n, "output missing or written twice");
			return std::nullopt;
		}
		// The caps of onnx_xnn.hpp (a model over one is refused by every engine): padding and
		// channel counts could otherwise make XNNPACK allocate without bound.
		const size_t elems = count(dims); // saturating
		const size_t bytes = elems > kMaxTensorElements ? SIZE_MAX : elems * (quant ? 1 : 4);
		if (bytes > kMaxActivationBytes - usage_.activation_bytes) {
			invalid(n, "output over the caps (" + std::to_string(kMaxTensorElements) + " elements, " +
					   std::to_string(kMaxActivationBytes >> 20) +
					   " MiB of node outputs together)");
			return std::nullopt;
		}
		usage_.activation_bytes += bytes;
		xnn::Tensor t;
		t.dims = to_nhwc(dims);
		t.type = quant ? xnn::Type::QS8 : xnn::Type::F32;
		t.scale = scale;
		t.zero_point = zp;
		const bool ext = !quant && n.output(0) == output_;
		const uint32_t id = value(t, ext ? xnn::Role::Output : xnn::Role::Internal, ext ? 1 : xnn::kNoValue);
		if (id == xnn::kNoValue) {
			refused();
			return std::nullopt;
		}
		vals_[n.output(0)] = {id, dims, quant, scale, zp};
		return id;
	}

	// An int64 tensor known at load: folded shape arithmetic, or an int64 initializer.
	const Ints *ints(const ::onnx::NodeProto &n, int k)
	{
		if (k >= n.input_size())
			return nullptr;
		if (const auto it = ints_.find(n.input(k)); it != ints_.end())
			return &it->second;
		const TP *t = init(n, k);
		Ints c;
		if (t == nullptr || t->data_type() != TP::INT64 || !read_tensor(*t, c.v, c.dims))
			return nullptr;
		return &(ints_[n.input(k)] = std::move(c));
	}
	bool fold(const ::onnx::NodeProto &n, Ints c)
	{
		if (n.output_size() < 1 || vals_.count(n.output(0)) != 0 || ints_.count(n.output(0)) != 0)
			return invalid(n, "output missing or written twice");
		ints_[n.output(0)] = std::move(c);
		return true;
	}

	// A constant weight tensor (int8, or uint8 whose zero point leaves it in int8 range) with
	// one scale per output channel along `axis` of its dims: int8 values and the per-channel scales.
	std::string weights(const ::onnx::NodeProto &n, int wi, size_t channels, std::vector<int8_t> &w, Dims &wd,
			    std::vector<float> &scales);

	// Defines a qc8 filter and its int32 bias (onnx_xnn_quant_ops.cpp); false (refused) on error.
	bool qc8_filter(const std::vector<int8_t> &w, const Dims &fdims, size_t channel_dim,
			const std::vector<float> &ws, float x_scale, const std::vector<int32_t> &bias, uint32_t &fid,
			uint32_t &bid);

	bool node(const ::onnx::NodeProto &n);
	bool quantize(const ::onnx::NodeProto &n);
	bool dequantize(const ::onnx::NodeProto &n);
	bool conv(const ::onnx::NodeProto &n);
	bool matmul(const ::onnx::NodeProto &n);
	bool add(const ::onnx::NodeProto &n);
	bool global_pool(const ::onnx::NodeProto &n);
	bool reshape(const ::onnx::NodeProto &n);
	bool shape_math(const ::onnx::NodeProto &n);

	const ::onnx::GraphProto &g_;
	xnn::Graph &x_;
	std::map<std::string, const TP *> inits_;
	std::map<std::string, std::vector<const ::onnx::NodeProto *>> readers_;
	std::map<std::string, QVal> vals_;
	std::map<std::string, Ints> ints_;
	std::string output_;
	size_t model_bytes_;
	XnnUsage &usage_;
};

} // namespace vaccel::onnx::quant
