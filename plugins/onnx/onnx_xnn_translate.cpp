// SPDX-License-Identifier: Apache-2.0
// ONNX graph -> XNNPACK subgraph; see onnx_xnn_translate.hpp.
#include "onnx_xnn_translate.hpp"

#include "xnn_graph.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>

namespace vaccel::onnx::detail {

namespace {

using util::attr_f;
using util::attr_i;
using util::count;
using util::to_nhwc;

struct Value {
	uint32_t id = xnn::kNoValue;
	Dims dims; // ONNX (logical) dims; 4-D values live in XNNPACK as NHWC
};

class Translator : public util::Refusal {
public:
	Translator(const ::onnx::GraphProto &g, xnn::Graph &x, std::vector<std::vector<float>> &w, size_t model_bytes,
		   XnnUsage &usage)
	    : g_(g), x_(x), weights_(w), model_bytes_(model_bytes), usage_(usage)
	{
	}

	bool run(const std::string &input, const Dims &in_dims, const std::string &output, uint32_t &in_id,
		 uint32_t &out_id, Dims &out_dims)
	{
		for (const auto &t : g_.initializer())
			inits_[t.name()] = &t;
		output_ = output;
		xnn::Tensor t;
		t.dims = to_nhwc(in_dims);
		if (!activation(in_dims, "the input"))
			return false;
		in_id = x_.value(t, xnn::Role::Input, 0);
		if (in_id == xnn::kNoValue)
			return refused();
		++usage_.values;
		values_[input] = {in_id, in_dims};
		for (int i = 0; i < g_.node_size(); ++i) {
			if (!node(g_.node(i)))
				return false;
			++usage_.nodes;
		}
		const auto it = values_.find(output);
		if (it == values_.end())
			return bad("the graph output '" + output + "' is never computed");
		out_id = it->second.id;
		out_dims = it->second.dims;
		return true;
	}

private:
	bool refused() { return Refusal::refused(x_); }
	// Counts a node output (or the input) of `dims` against the activation caps.
	bool activation(const Dims &dims, const std::string &what)
	{
		const size_t n = count(dims);
		if (n > kMaxTensorElements)
			return over_cap(what + " has " +
					(n == SIZE_MAX ? std::string("over 2^64") : std::to_string(n)) +
					" elements (cap " + std::to_string(kMaxTensorElements) + ")");
		if (n * 4 > kMaxActivationBytes - usage_.activation_bytes)
			return over_cap("the node outputs together exceed " +
					std::to_string(kMaxActivationBytes >> 20) + " MiB");
		usage_.activation_bytes += n * 4;
		return true;
	}

	// A float initializer's data (raw_data or float_data), checked against its dims before
	// anything is allocated: the data the model holds must be exactly what the dims say, so an
	// initializer never costs more than its own bytes.  nullopt: not a float initializer (error
	// empty), or a bad one (corrupt, error set).
	std::optional<std::vector<float>> floats(const std::string &name, Dims &dims)
	{
		const auto it = inits_.find(name);
		if (it == inits_.end() || it->second->data_type() != ::onnx::TensorProto::FLOAT)
			return std::nullopt;
		const auto &t = *it->second;
		dims.clear();
		for (const int64_t d : t.dims()) {
			if (d < 1 || t.dims_size() > 8) {
				bad("initializer '" + name + "' has a dimension < 1 or more than 8 dims");
				return std::nullopt;
			}
			dims.push_back(static_cast<size_t>(d));
		}
		const size_t n = count(dims);
		if (n > kMaxTensorElements) {
			over_cap("initializer '" + name + "' has more than " + std::to_string(kMaxTensorElements) +
				 " elements");
			return std::nullopt;
		}
		const bool raw = t.has_raw_data();
		if ((raw && t.raw_data().size() != n * 4) || (!raw && static_cast<size_t>(t.float_data_size()) != n)) {
			bad("initializer '" + name + "' holds " +
			    std::to_string(raw ? t.raw_data().size() : size_t(t.float_data_size()) * 4) +
			    " bytes, its dims say " + std::to_string(n * 4));
			return std::nullopt;
		}
		std::vector<float> v(n);
		if (raw)
			std::memcpy(v.data(), t.raw_data().data(), n * 4);
		else
			std::copy(t.float_data().begin(), t.float_data().end(), v.begin());
		return v;
	}

	// The constants the graph copies, against the model's size (a shared initializer is copied
	// once per node that uses it).
	bool constant_budget(size_t elements)
	{
		return Refusal::constant_budget(model_bytes_, usage_.constant_bytes, elements * 4);
	}

	uint32_t constant(std::vector<float> data, const Dims &xnn_dims)
	{
		weights_.push_back(std::move(data));
		xnn::Tensor t;
		t.dims = xnn_dims;
		t.data = weights_.back().data();
		const uint32_t id = x_.value(t);
		usage_.values += id != xnn::kNoValue;
		return id;
	}

	// Defines node output 0 with `dims` (the graph output becomes the external output).
	std::optional<uint32_t> out(const ::onnx::NodeProto &n, const Dims &dims)
	{
		if (n.output_size() < 1 || values_.count(n.output(0)) != 0 || inits_.count(n.output(0)) != 0) {
			bad("node '" + n.name() + "' output missing or written twice");
			return std::nullopt;
		}
		if (!activation(dims, "node '" + n.name() + "' output"))
			return std::nullopt;
		xnn::Tensor t;
		t.dims = to_nhwc(dims);
		const bool ext = n.output(0) == output_;
		const uint32_t id = x_.value(t, ext ? xnn::Role::Output : xnn::Role::Internal, ext ? 1 : xnn::kNoValue);
		if (id == xnn::kNoValue) {
			refused();
			return std::nullopt;
		}
		++usage_.values;
		values_[n.output(0)] = {id, dims};
		return id;
	}

	const Value *in(const ::onnx::NodeProto &n, int k)
	{
		if (k >= n.input_size())
			return nullptr;
		const auto it = values_.find(n.input(k));
		return it == values_.end() ? nullptr : &it->second;
	}

	bool node(const ::onnx::NodeProto &n);
	bool conv(const ::onnx::NodeProto &n);
	bool dense(const ::onnx::NodeProto &n);
	bool add(const ::onnx::NodeProto &n);

	const ::onnx::GraphProto &g_;
	xnn::Graph &x_;
	std::vector<std::vector<float>> &weights_;
	std::map<std::string, const ::onnx::TensorProto *> inits_;
	std::map<std::string, Value> values_;
	std::string output_;
	size_t model_bytes_;
	XnnUsage &usage_;
};

bool Translator::node(const ::onnx::NodeProto &n)
{
	const std::string &op = n.op_type();
	if (!n.domain().empty() && n.domain() != "ai.onnx")
		return unsupported(n, "operator domain not covered by the XNNPACK engine");
	if (op == "Conv")
		return conv(n);
	if (op == "Gemm" || op == "MatMul")
		return dense(n);
	if (op == "Add")
		return add(n);
	const Value *a = in(n, 0);
	if (op != "Clip" && op != "Relu" && op != "GlobalAveragePool" && op != "Flatten" && op != "Reshape")
		return unsupported(n, "not implemented by the XNNPACK engine");
	if (a == nullptr)
		return unsupported(n, "input is not a computed f32 tensor");
	const Value src = *a;
	if (op == "Clip" || op == "Relu") {
		xnn::Range r{0.0F, INFINITY};
		if (op == "Clip") {
			if (n.input_size() > 1)
				return unsupported(n, "min/max as inputs (opset 11+)");
			r = {attr_f(n, "min", -INFINITY), attr_f(n, "max", INFINITY)};
		}
		const auto y = out(n, src.dims);
		return y && (x_.clamp(r, src.id, *y) || refused());
	}
	if (op == "GlobalAveragePool") {
		if (src.dims.size() != 4)
			return unsupported(n, "needs a 4-D input");
		const auto y = out(n, {src.dims[0], src.dims[1], 1, 1});
		return y && (x_.global_average_pool({}, src.id, *y) || refused());
	}
	// Flatten / Reshape to 2-D: the same bytes in NHWC and NCHW only when H = W = 1.
	if (src.dims.size() == 4 && (src.dims[2] != 1 || src.dims[3] != 1))
		return unsupported(n, "flattening a 4-D tensor with H or W > 1 (layout differs)");
	if (op == "Flatten" && attr_i(n, "axis", 1) != 1)
		return unsupported(n, "axis other than 1");
	if (op == "Reshape") {
		const auto it = n.input_size() > 1 ? inits_.find(n.input(1)) : inits_.end();
		if (it == inits_.end() || it->second->data_type() != ::onnx::TensorProto::INT64)
			return unsupported(n, "shape not a constant int64 initializer");
		Dims want;
		const auto &t = *it->second;
		const size_t k = t.has_raw_data() ? t.raw_data().size() / 8 : static_cast<size_t>(t.int64_data_size());
		for (size_t i = 0; i < k && i < 8; ++i) {
			int64_t v = 0;
			if (t.has_raw_data())
				std::memcpy(&v, t.raw_data().data() + 8 * i, 8);
			else
				v = t.int64_data(static_cast<int>(i));
			// 0 copies the input's dim i, which must exist; -1 is the rest.
			if (v < -1 || (v == 0 && i >= src.dims.size()))
				return bad("node '" + n.name() + "': reshape dim " + std::to_string(v) + " at " +
					   std::to_string(i));
			want.push_back(v == -1  ? count(src.dims) / std::max<size_t>(src.dims[0], 1)
				       : v == 0 ? src.dims[i]
						: static_cast<size_t>(v));
		}
		if (want.size() != 2 || want[0] != src.dims[0] || count(want) != count(src.dims))
			return unsupported(n, "only a reshape to [N, C]");
	}
	const auto y = out(n, {src.dims[0], count(src.dims) / src.dims[0]});
	return y && (x_.reshape(src.id, *y) || refused());
}

bool Translator::conv(const ::onnx::NodeProto &n)
{
	const Value *a = in(n, 0);
	Dims wd, bd;
	auto w = n.input_size() > 1 ? floats(n.input(1), wd) : std::nullopt;
	if (corrupt)
		return false;
	if (a == nullptr || a->dims.size() != 4 || !w || wd.size() != 4)
		return unsupported(n, "needs a computed 4-D f32 input and constant f32 OIHW weights");
	std::optional<std::vector<float>> b;
	if (n.input_size() > 2 && !n.input(2).empty() && (!(b = floats(n.input(2), bd)) || bd != Dims{wd[0]}))
		return corrupt ? false : unsupported(n, "bias not a constant f32 vector of the output channels");
	util::ConvShape cs;
	bool impossible = false;
	if (const std::string why = util::conv_shape(n, a->dims, wd, cs, impossible); !why.empty())
		return impossible ? bad("node '" + n.name() + "': " + why) : unsupported(n, why);
	if (!constant_budget(w->size() + (b ? b->size() : 0)))
		return false;
	const bool depthwise = cs.depthwise;
	const size_t c = cs.in_channels, oc = cs.out_channels, kh = wd[2], kw = wd[3], ic = wd[1];
	std::vector<float> t = util::oihw_to_xnn(*w, wd, depthwise);
	const Value src = *a;
	const uint32_t fid = constant(std::move(t), depthwise ? Dims{1, kh, kw, oc} : Dims{oc, kh, kw, ic});
	const uint32_t bid = b ? constant(std::move(*b), {oc}) : xnn::kNoValue;
	const auto y = out(n, cs.out_dims);
	if (fid == xnn::kNoValue || (b && bid == xnn::kNoValue) || !y)
		return error.empty() ? refused() : false;
	const bool ok =
		depthwise ? x_.depthwise_conv2d(cs.window, c, static_cast<uint32_t>(oc / c), {}, src.id, fid, bid, *y)
			  : x_.conv2d(cs.window, c, oc, {}, src.id, fid, bid, *y);
	return ok || refused();
}

// MatMul [N,K] x [K,M] and Gemm (alpha = beta = 1, transA = 0) -> fully connected.
bool Translator::dense(const ::onnx::NodeProto &n)
{
	const Value *a = in(n, 0);
	Dims wd, bd;
	auto w = n.input_size() > 1 ? floats(n.input(1), wd) : std::nullopt;
	if (corrupt)
		return false;
	if (a == nullptr || a->dims.size() != 2 || !w || wd.size() != 2)
		return unsupported(n, "needs a computed 2-D input and a constant 2-D f32 weight");
	const bool gemm = n.op_type() == "Gemm";
	const bool trans_b = gemm && attr_i(n, "transB", 0) != 0;
	if (gemm &&
	    (attr_i(n, "transA", 0) != 0 || attr_f(n, "alpha", 1.0F) != 1.0F || attr_f(n, "beta", 1.0F) != 1.0F))
		return unsupported(n, "transA, alpha or beta other than the defaults");
	const size_t k = trans_b ? wd[1] : wd[0], m = trans_b ? wd[0] : wd[1];
	if (a->dims[1] != k)
		return bad("node '" + n.name() + "': weight does not match the input");
	std::optional<std::vector<float>> b;
	if (gemm && n.input_size() > 2 && !n.input(2).empty() && (!(b = floats(n.input(2), bd)) || count(bd) != m))
		return corrupt ? false : unsupported(n, "bias other than a constant f32 vector of the outputs");
	if (!constant_budget(w->size() + (b ? b->size() : 0)))
		return false;
	std::vector<float> t(w->size());
	for (size_t i = 0; i < k; ++i)
		for (size_t j = 0; j < m; ++j)
			t[j * k + i] = trans_b ? (*w)[j * k + i] : (*w)[i * m + j];
	const Value src = *a;
	const uint32_t fid = constant(std::move(t), {m, k});
	const uint32_t bid = b ? constant(std::move(*b), {m}) : xnn::kNoValue;
	const auto y = out(n, {src.dims[0], m});
	if (fid == xnn::kNoValue || (b && bid == xnn::kNoValue) || !y)
		return error.empty() ? refused() : false;
	return x_.fully_connected({}, src.id, fid, bid, *y) || refused();
}

bool Translator::add(const ::onnx::NodeProto &n)
{
	const Value *a = in(n, 0);
	const Value *b = in(n, 1);
	if (a != nullptr && b != nullptr) {
		if (a->dims != b->dims)
			return unsupported(n, "broadcasting add of two computed tensors");
		const Value va = *a, vb = *b;
		const auto y = out(n, va.dims);
		return y && (x_.add({}, va.id, vb.id, *y) || refused());
	}
	// A computed [N, M] plus a constant [M] or [1, M] (MatMul's bias).
	const Value *v = a != nullptr ? a : b;
	Dims cd;
	auto c = n.input_size() == 2 ? floats(n.input(a != nullptr ? 1 : 0), cd) : std::nullopt;
	if (corrupt)
		return false;
	if (v == nullptr || !c || v->dims.size() != 2 || count(cd) != v->dims[1])
		return unsupported(n, "add other than of two tensors or of a bias vector");
	if (!constant_budget(c->size()))
		return false;
	const Value src = *v;
	const uint32_t cid = constant(std::move(*c), {src.dims[1]});
	const auto y = out(n, src.dims);
	if (cid == xnn::kNoValue || !y)
		return error.empty() ? refused() : false;
	return x_.add({}, src.id, cid, *y) || refused();
}

} // namespace

bool translate_graph(const ::onnx::GraphProto &g, xnn::Graph &x, std::vector<std::vector<float>> &weights,
		     size_t model_bytes, const std::string &input, const Dims &in_dims, const std::string &output,
		     XnnUsage &usage, Translation &t)
{
	Translator tr(g, x, weights, model_bytes, usage);
	const bool ok = tr.run(input, in_dims, output, t.in_id, t.out_id, t.out_dims);
	t.corrupt = tr.corrupt;
	t.error = tr.error;
	return ok;
}

} // namespace vaccel::onnx::detail
