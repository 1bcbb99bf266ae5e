// SPDX-License-Identifier: Apache-2.0
// Internal to the onnx plugin's XNNPACK engine (onnx_xnn.hpp): the translation of a parsed ONNX
// graph into an XNNPACK subgraph (plugins/common/xnn_graph.hpp), split from onnx_xnn.cpp, which
// parses the model and owns the runtime.  Every size the graph gives is checked against the caps
// of onnx_xnn.hpp before anything is allocated.
// Thread safety: none needed; one call works on its own graph.
#pragma once

#include "onnx_xnn.hpp"
#include "onnx_xnn_util.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::onnx::detail {

using util::Dims;

struct Translation {
	uint32_t in_id = 0, out_id = 0; // the external input and output values
	Dims out_dims;                  // the output's ONNX dims
	bool corrupt = false;           // refused by every engine (invalid, or over a cap)
	std::string error;
};

// Defines graph `g` (input `input` of NCHW `in_dims`, output `output`) in `x`.  `weights` keeps
// the transposed constants until the caller drops them; `model_bytes` bounds the constants
// (kConstantSlackBytes); `usage` counts what was defined.  False + t.error on refusal.
bool translate_graph(const ::onnx::GraphProto &g, xnn::Graph &x, std::vector<std::vector<float>> &weights,
		     size_t model_bytes, const std::string &input, const Dims &in_dims, const std::string &output,
		     XnnUsage &usage, Translation &t);

} // namespace vaccel::onnx::detail
