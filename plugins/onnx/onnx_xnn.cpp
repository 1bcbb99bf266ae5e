// SPDX-License-Identifier: Apache-2.0
// ONNX front end of the XNNPACK engine; see onnx_xnn.hpp.  The graph translation itself is in
// onnx_xnn_translate.cpp.
#include "onnx_xnn.hpp"

#include "onnx_xnn_quant.hpp"
#include "onnx_xnn_translate.hpp"
#include "xnn_graph.hpp"

#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <set>
#include <string_view>

namespace vaccel::onnx {

using util::count;
using util::Dims;

XnnNet::~XnnNet() = default;

bool XnnNet::define(const void *data, size_t size, bool &corrupt, std::string &error, XnnUsage &usage)
{
	corrupt = true;
	if (size > kMaxModelBytes) {
		error = "ONNX model over the engine's limits: " + std::to_string(size) + " bytes (cap " +
			std::to_string(kMaxModelBytes >> 20) + " MiB)";
		return false;
	}
	::onnx::ModelProto model;
	if (data == nullptr || size == 0 || !model.ParseFromArray(data, static_cast<int>(size))) {
		error = "not an ONNX model (protobuf parse failed)";
		return false;
	}
	corrupt = false;
	const auto &g = model.graph();
	// Inputs that are not initializers (a set: a quadratic scan would let a model of many
	// inputs and initializers hang the load).
	std::set<std::string_view> init_names;
	for (const auto &t : g.initializer())
		init_names.insert(t.name());
	std::vector<const ::onnx::ValueInfoProto *> inputs;
	for (const auto &i : g.input())
		if (init_names.count(i.name()) == 0)
			inputs.push_back(&i);
	if (inputs.size() != 1 || g.output_size() != 1) {
		error = "graphs with other than one input and one output";
		return false;
	}
	const auto &tt = inputs[0]->type().tensor_type();
	Dims in_dims;
	for (const auto &d : tt.shape().dim())
		in_dims.push_back(d.has_dim_value() && d.dim_value() > 0 && d.dim_value() <= 65536
					  ? static_cast<size_t>(d.dim_value())
				  : in_dims.empty() ? 1
						    : 0);
	if (tt.elem_type() != ::onnx::TensorProto::FLOAT || in_dims.size() != 4 || in_dims[0] != 1 ||
	    count(in_dims) == 0) {
		error = "input other than a fixed-size f32 NCHW tensor of batch 1";
		return false;
	}
	graph_ = xnn::Graph::create(2, error);
	if (!graph_)
		return false;
	detail::Translation tr;
	if (is_qoperator_graph(g)) { // QOperator int8: onnx_xnn_quant.hpp
		if (!translate_qoperator(g, inputs[0]->name(), in_dims, g.output(0).name(), *graph_, size, usage,
					 tr.in_id, tr.out_id, tr.out_dims, corrupt, error))
			return false;
	} else if (!detail::translate_graph(g, *graph_, weights_, size, inputs[0]->name(), in_dims, g.output(0).name(),
					    usage, tr)) {
		corrupt = tr.corrupt;
		error = tr.error;
		return false;
	}
	in_id_ = tr.in_id;
	out_id_ = tr.out_id;
	// The graph holds its own padded copies of every constant: drop the transposed weights
	// (the protobuf goes with this frame) before XNNPACK packs its own, to keep the peak RSS down.
	weights_.clear();
	weights_.shrink_to_fit();
	in_dims_ = in_dims;
	out_count_ = count(tr.out_dims);
	return true;
}

bool XnnNet::translate(const void *data, size_t size, bool &corrupt, std::string &error, XnnUsage *usage)
{
	XnnNet net;
	XnnUsage u;
	const bool ok = net.define(data, size, corrupt, error, u);
	if (usage != nullptr)
		*usage = u;
	return ok;
}

std::unique_ptr<XnnNet> XnnNet::build(const void *data, size_t size, size_t threads, bool &corrupt, std::string &error)
{
	std::unique_ptr<XnnNet> net(new XnnNet());
	XnnUsage usage;
	if (!net->define(data, size, corrupt, error, usage))
		return nullptr;
	if (!net->graph_->finalize(threads)) {
		error = net->graph_->error();
		return nullptr;
	}
	return net;
}

bool XnnNet::forward(const std::vector<float> &input, bool nhwc, std::vector<float> &out, std::string &error)
{
	const size_t c = in_dims_[1], h = in_dims_[2], w = in_dims_[3];
	if (input.size() != c * h * w) {
		error = "input tensor has " + std::to_string(input.size()) + " values, the model takes " +
			std::to_string(c * h * w);
		return false;
	}
	const float *src = input.data();
	if (!nhwc) { // XNNPACK computes in NHWC
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

} // namespace vaccel::onnx
