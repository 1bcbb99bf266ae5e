// SPDX-License-Identifier: Apache-2.0
// XNNPACK engine of the onnx plugin: the ONNX front end of the shared graph builder
// (plugins/common/xnn_graph.hpp).  The model is parsed with Debian's libonnx protobuf classes;
// graphs of f32 Conv (plain or depthwise), Clip, Relu, Add, GlobalAveragePool, Flatten, Reshape,
// MatMul and Gemm with one NCHW image input are translated, and so are QOperator int8 graphs
// (onnx_xnn_quant.hpp); everything else is refused with the operator named so that the caller
// falls back to OpenCV DNN.  Inside, 4-D tensors are NHWC (what
// XNNPACK computes in); weights are transposed once at load.
// Thread safety: build() is reentrant; forward() on one engine must be serialised by the owner.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace vaccel::xnn {
class Graph;
}

namespace vaccel::onnx {

class XnnNet {
public:
	// nullptr + error on refusal; `corrupt` tells a model that is not valid ONNX (refused by every
	// engine) from one this engine does not cover (fall back).
	static std::unique_ptr<XnnNet> build(const void *data, size_t size, size_t threads,
					     bool &corrupt, std::string &error);
	~XnnNet();
	XnnNet(const XnnNet &) = delete;
	XnnNet &operator=(const XnnNet &) = delete;

	// Input dims as the model declares them (NCHW, batch 1).
	[[nodiscard]] const std::vector<size_t> &input_dims() const { return in_dims_; }

	// One inference on an image tensor in `nhwc` layout (true) or NCHW (false), of
	// input_dims()'s size; `out` gets the first output, flattened.
	bool forward(const std::vector<float> &input, bool nhwc, std::vector<float> &out,
		     std::string &error);

private:
	XnnNet() = default;

	std::unique_ptr<xnn::Graph> graph_;
	std::vector<std::vector<float>> weights_;  // transposed weights while the graph is built
	std::vector<size_t> in_dims_;
	size_t out_count_ = 0;
	uint32_t in_id_ = 0, out_id_ = 0;
	std::vector<float> nhwc_;  // transpose buffer
};

// Engine choice for new models: $VACCEL_ONNX_ENGINE (auto|xnnpack|opencv; default auto).
enum class OnnxEngine { Auto, Xnnpack, OpenCV };
OnnxEngine onnx_engine_from_env();

}  // namespace vaccel::onnx
