// SPDX-License-Identifier: Apache-2.0
// ONNX front end of the XNNPACK engine; see onnx_xnn.hpp.
#include "onnx_xnn.hpp"

#include "onnx_xnn_quant.hpp"
#include "onnx_xnn_util.hpp"
#include "xnn_graph.hpp"

#include <onnx/onnx_pb.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

namespace vaccel::onnx {

namespace {

using detail::attr;
using detail::attr_f;
using detail::attr_i;
using detail::count;
using detail::Dims;
using detail::kMaxElements;
using detail::to_nhwc;

struct Value {
	uint32_t id = xnn::kNoValue;
	Dims dims;  // ONNX (logical) dims; 4-D values live in XNNPACK as NHWC
};

class Translator {
public:
	Translator(const ::onnx::GraphProto &g, xnn::Graph &x, std::vector<std::vector<float>> &w)
		: g_(g), x_(x), weights_(w) {}

	bool corrupt = false;
	std::string error;

	bool run(const std::string &input, const Dims &in_dims, const std::string &output,
		 uint32_t &in_id, uint32_t &out_id, Dims &out_dims)
	{
		for (const auto &t : g_.initializer())
			inits_[t.name()] = &t;
		output_ = output;
		xnn::Tensor t;
		t.dims = to_nhwc(in_dims);
		in_id = x_.value(t, xnn::Role::Input, 0);
		if (in_id == xnn::kNoValue)
			return refused();
		values_[input] = {in_id, in_dims};
		for (int i = 0; i < g_.node_size(); ++i)
			if (!node(g_.node(i)))
				return false;
		const auto it = values_.find(output);
		if (it == values_.end())
			return bad("the graph output '" + output + "' is never computed");
		out_id = it->second.id;
		out_dims = it->second.dims;
		return true;
	}

private:
	bool bad(const std::string &why)
	{
		corrupt = true;
		error = "invalid ONNX model: " + why;
		return false;
	}
	bool unsupported(const ::onnx::NodeProto &n, const std::string &why)
	{
		error = "node '" + n.name() + "' (" + (n.domain().empty() ? "" : n.domain() + ":") +
			n.op_type() + "): " + why;
		return false;
	}
	bool refused()
	{
		error = x_.error();
		return false;
	}

	// A float initializer's data (raw_data or float_data), checked against its dims.
	std::optional<std::vector<float>> floats(const std::string &name, Dims &dims)
	{
		const auto it = inits_.find(name);
		if (it == inits_.end() || it->second->data_type() != ::onnx::TensorProto::FLOAT)
			return std::nullopt;
		const auto &t = *it->second;
		dims.clear();
		for (const int64_t d : t.dims()) {
			if (d < 1 || static_cast<size_t>(d) > kMaxElements / std::max<size_t>(count(dims), 1))
				return std::nullopt;
			dims.push_back(static_cast<size_t>(d));
		}
		const size_t n = count(dims);
		std::vector<float> v(n);
		if (t.has_raw_data() && t.raw_data().size() == n * 4)
			std::memcpy(v.data(), t.raw_data().data(), n * 4);
		else if (static_cast<size_t>(t.float_data_size()) == n)
			std::copy(t.float_data().begin(), t.float_data().end(), v.begin());
		else
			return std::nullopt;
		return v;
	}

	uint32_t constant(std::vector<float> data, const Dims &xnn_dims)
	{
		weights_.push_back(std::move(data));
		xnn::Tensor t;
		t.dims = xnn_dims;
		t.data = weights_.back().data();
		return x_.value(t);
	}

	// Defines node output 0 with `dims` (the graph output becomes the external output).
	std::optional<uint32_t> out(const ::onnx::NodeProto &n, const Dims &dims)
	{
		if (n.output_size() < 1 || values_.count(n.output(0)) != 0 || inits_.count(n.output(0)) != 0) {
			bad("node '" + n.name() + "' output missing or written twice");
			return std::nullopt;
		}
		xnn::Tensor t;
		t.dims = to_nhwc(dims);
		const bool ext = n.output(0) == output_;
		const uint32_t id = x_.value(t, ext ? xnn::Role::Output : xnn::Role::Internal, ext ? 1 : xnn::kNoValue);
		if (id == xnn::kNoValue) {
			refused();
			return std::nullopt;
		}
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
			want.push_back(v == -1 ? count(src.dims) / std::max<size_t>(src.dims[0], 1) : v == 0 ? src.dims[i] : static_cast<size_t>(v));
		}
		if (want.size() != 2 || count(want) != count(src.dims))
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
	if (a == nullptr || a->dims.size() != 4 || !w || wd.size() != 4)
		return unsupported(n, "needs a computed 4-D f32 input and constant f32 OIHW weights");
	std::optional<std::vector<float>> b;
	if (n.input_size() > 2 && !n.input(2).empty() && (!(b = floats(n.input(2), bd)) || bd != Dims{wd[0]}))
		return unsupported(n, "bias not a constant f32 vector of the output channels");
	detail::ConvShape cs;
	bool impossible = false;
	if (const std::string why = detail::conv_shape(n, a->dims, wd, cs, impossible); !why.empty())
		return impossible ? bad("node '" + n.name() + "': " + why) : unsupported(n, why);
	const Value src = *a;
	const size_t oc = cs.out_channels;
	const uint32_t fid = constant(detail::oihw_to_xnn(*w, wd, cs.depthwise),
				      cs.depthwise ? Dims{1, wd[2], wd[3], oc} : Dims{oc, wd[2], wd[3], wd[1]});
	const uint32_t bid = b ? constant(std::move(*b), {oc}) : xnn::kNoValue;
	const auto y = out(n, cs.out_dims);
	if (fid == xnn::kNoValue || (b && bid == xnn::kNoValue) || !y)
		return error.empty() ? refused() : false;
	const size_t c = cs.in_channels;
	const bool ok = cs.depthwise ? x_.depthwise_conv2d(cs.window, c, static_cast<uint32_t>(oc / c), {}, src.id, fid, bid, *y)
				     : x_.conv2d(cs.window, c, oc, {}, src.id, fid, bid, *y);
	return ok || refused();
}

// MatMul [N,K] x [K,M] and Gemm (alpha = beta = 1, transA = 0) -> fully connected.
bool Translator::dense(const ::onnx::NodeProto &n)
{
	const Value *a = in(n, 0);
	Dims wd, bd;
	auto w = n.input_size() > 1 ? floats(n.input(1), wd) : std::nullopt;
	if (a == nullptr || a->dims.size() != 2 || !w || wd.size() != 2)
		return unsupported(n, "needs a computed 2-D input and a constant 2-D f32 weight");
	const bool gemm = n.op_type() == "Gemm";
	const bool trans_b = gemm && attr_i(n, "transB", 0) != 0;
	if (gemm && (attr_i(n, "transA", 0) != 0 || attr_f(n, "alpha", 1.0F) != 1.0F || attr_f(n, "beta", 1.0F) != 1.0F))
		return unsupported(n, "transA, alpha or beta other than the defaults");
	const size_t k = trans_b ? wd[1] : wd[0], m = trans_b ? wd[0] : wd[1];
	if (a->dims[1] != k)
		return bad("node '" + n.name() + "': weight does not match the input");
	std::optional<std::vector<float>> b;
	if (gemm && n.input_size() > 2 && !n.input(2).empty() && (!(b = floats(n.input(2), bd)) || count(bd) != m))
		return unsupported(n, "bias other than a constant f32 vector of the outputs");
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
	if (v == nullptr || !c || v->dims.size() != 2 || count(cd) != v->dims[1])
		return unsupported(n, "add other than of two tensors or of a bias vector");
	const Value src = *v;
	const uint32_t cid = constant(std::move(*c), {src.dims[1]});
	const auto y = out(n, src.dims);
	if (cid == xnn::kNoValue || !y)
		return error.empty() ? refused() : false;
	return x_.add({}, src.id, cid, *y) || refused();
}

}  // namespace

XnnNet::~XnnNet() = default;

std::unique_ptr<XnnNet> XnnNet::build(const void *data, size_t size, size_t threads, bool &corrupt,
				      std::string &error)
{
	corrupt = true;
	::onnx::ModelProto model;
	if (data == nullptr || size == 0 || size > INT_MAX || !model.ParseFromArray(data, static_cast<int>(size))) {
		error = "not an ONNX model (protobuf parse failed)";
		return nullptr;
	}
	corrupt = false;
	const auto &g = model.graph();
	std::vector<const ::onnx::ValueInfoProto *> inputs;
	for (const auto &i : g.input()) {
		bool init = false;
		for (const auto &t : g.initializer())
			init = init || t.name() == i.name();
		if (!init)
			inputs.push_back(&i);
	}
	if (inputs.size() != 1 || g.output_size() != 1) {
		error = "graphs with other than one input and one output";
		return nullptr;
	}
	const auto &tt = inputs[0]->type().tensor_type();
	Dims in_dims;
	for (const auto &d : tt.shape().dim())
		in_dims.push_back(d.has_dim_value() && d.dim_value() > 0 && d.dim_value() <= 65536
					  ? static_cast<size_t>(d.dim_value()) : in_dims.empty() ? 1 : 0);
	if (tt.elem_type() != ::onnx::TensorProto::FLOAT || in_dims.size() != 4 || in_dims[0] != 1 ||
	    count(in_dims) == 0) {
		error = "input other than a fixed-size f32 NCHW tensor of batch 1";
		return nullptr;
	}
	std::unique_ptr<XnnNet> net(new XnnNet());
	net->graph_ = xnn::Graph::create(2, error);
	if (!net->graph_)
		return nullptr;
	Dims out_dims;
	if (is_qoperator_graph(g)) {
		if (!translate_qoperator(g, inputs[0]->name(), in_dims, g.output(0).name(), *net->graph_,
					 net->in_id_, net->out_id_, out_dims, corrupt, error))
			return nullptr;
	} else {
		Translator tr(g, *net->graph_, net->weights_);
		if (!tr.run(inputs[0]->name(), in_dims, g.output(0).name(), net->in_id_, net->out_id_, out_dims)) {
			corrupt = tr.corrupt;
			error = tr.error;
			return nullptr;
		}
	}
	// The graph holds its own padded copies of every constant: drop the protobuf and the
	// transposed weights before XNNPACK packs its own, to keep the peak RSS down.
	net->weights_.clear();
	net->weights_.shrink_to_fit();
	::onnx::ModelProto().Swap(&model);  // frees it (Clear() would keep the capacity)
	if (!net->graph_->finalize(threads)) {
		error = net->graph_->error();
		return nullptr;
	}
	net->in_dims_ = in_dims;
	net->out_count_ = count(out_dims);
	return net;
}

bool XnnNet::forward(const std::vector<float> &input, bool nhwc, std::vector<float> &out,
		     std::string &error)
{
	const size_t c = in_dims_[1], h = in_dims_[2], w = in_dims_[3];
	if (input.size() != c * h * w) {
		error = "input tensor has " + std::to_string(input.size()) + " values, the model takes " +
			std::to_string(c * h * w);
		return false;
	}
	const float *src = input.data();
	if (!nhwc) {  // XNNPACK computes in NHWC
		nhwc_.resize(input.size());
		for (size_t ch = 0; ch < c; ++ch)
			for (size_t i = 0; i < h * w; ++i)
				nhwc_[i * c + ch] = input[ch * h * w + i];
		src = nhwc_.data();
	}
	out.resize(out_count_);
	if (!graph_->run({{in_id_, const_cast<float *>(src)}, {out_id_, out.data()}})) {
		error = "XNNPACK inference failed: " + graph_->error();
		return false;
	}
	return true;
}

OnnxEngine onnx_engine_from_env()
{
	const char *env = std::getenv("VACCEL_ONNX_ENGINE");
	const std::string v = env != nullptr ? env : "";
	return v == "xnnpack" ? OnnxEngine::Xnnpack : v == "opencv" ? OnnxEngine::OpenCV : OnnxEngine::Auto;
}

}  // namespace vaccel::onnx
