// SPDX-License-Identifier: Apache-2.0
// TFLite front end of the XNNPACK engine: the model read, the runtime and the run path; see
// tflite_xnn.hpp.  The operator translation is in tflite_xnn_translate.cpp.
#include "tflite_xnn.hpp"

#include "tflite_xnn_translate.hpp"
#include "xnn_graph.hpp"

#include <cstdlib>

namespace vaccel::tflite {

namespace {

TensorDesc describe(const FbTensor &t)
{
	TensorDesc d;
	d.name = t.name;
	d.dims = t.shape;
	d.dtype = detail::fb_dtype(t.type);
	d.bytes = t.elements * fb_type_size(t.type);
	if (!t.scales.empty() && t.type != static_cast<int8_t>(FbType::Float32)) {
		d.scale = t.scales[0];
		d.zero_point = t.zero_points.empty() ? 0 : static_cast<int32_t>(t.zero_points[0]);
	}
	return d;
}

} // namespace

XnnEngine::~XnnEngine() = default;

size_t XnnEngine::threads() const
{
	return graph_ ? graph_->threads() : 1;
}

std::unique_ptr<XnnEngine> XnnEngine::build(const std::vector<uint8_t> &bytes, size_t threads, Status &status,
					    std::string &error)
{
	FbModel m;
	if (!read_model(bytes.data(), bytes.size(), m, error)) {
		status = Status::InvalidInput;
		return nullptr;
	}
	if (m.subgraphs != 1) {
		status = Status::Unsupported;
		error = "models with " + std::to_string(m.subgraphs) + " subgraphs";
		return nullptr;
	}
	std::unique_ptr<XnnEngine> e(new XnnEngine());
	e->graph_ = xnn::Graph::create(static_cast<uint32_t>(m.inputs.size() + m.outputs.size()), error);
	if (!e->graph_) {
		status = Status::Unsupported;
		return nullptr;
	}
	status = detail::translate_model(m, *e->graph_, e->in_ids_, e->out_ids_, error);
	if (status != Status::Ok)
		return nullptr;
	if (!e->graph_->finalize(threads)) {
		status = Status::Backend;
		error = e->graph_->error();
		return nullptr;
	}
	for (const int32_t i : m.inputs)
		e->inputs_.push_back(describe(m.tensors[static_cast<size_t>(i)]));
	for (const int32_t i : m.outputs)
		e->outputs_.push_back(describe(m.tensors[static_cast<size_t>(i)]));
	status = Status::Ok;
	return e;
}

Status XnnEngine::run(const std::vector<const void *> &in, std::vector<std::vector<uint8_t>> &out, std::string &error)
{
	std::vector<std::pair<uint32_t, void *>> ext;
	for (size_t i = 0; i < in.size() && i < in_ids_.size(); ++i)
		ext.emplace_back(in_ids_[i], const_cast<void *>(in[i])); // XNNPACK only reads inputs
	out.assign(outputs_.size(), {});
	for (size_t i = 0; i < outputs_.size(); ++i) {
		out[i].resize(outputs_[i].bytes);
		ext.emplace_back(out_ids_[i], out[i].data());
	}
	if (!graph_->run(ext)) {
		error = "XNNPACK inference failed: " + graph_->error();
		return Status::Backend;
	}
	return Status::Ok;
}

} // namespace vaccel::tflite
