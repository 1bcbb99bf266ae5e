// SPDX-License-Identifier: Apache-2.0
// Internal to the tflite plugin's XNNPACK engine (tflite_xnn.hpp): the translation of a model read
// by the bounds-checked flatbuffer reader (tflite_flatbuffer.hpp) into an XNNPACK subgraph
// (plugins/common/xnn_graph.hpp), one operator at a time, each operator's output shape recomputed
// from its inputs and checked against the model's.  Split from tflite_xnn.cpp, which reads the
// model and owns the runtime and the run path.
// Thread safety: none needed; one call works on its own graph.
#pragma once

#include "tflite_flatbuffer.hpp"
#include "tflite_model.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::xnn {
class Graph;
}

namespace vaccel::tflite::detail {

// The tensor type of the flatbuffer (TensorType) as the engine layer's DType; NoType for a type
// the engine layer has no name for.
DType fb_dtype(int8_t t);

// Defines the model's inputs and outputs as external values of `g` (ids in `in_ids`, `out_ids`, in
// the model's order), then every operator.  Status::Ok, else the refusal (Unsupported: an
// operator or type the engine lacks; Backend: shapes or references that do not add up, or XNNPACK
// refused; InvalidInput: over kMaxActivationBytes) with `error` naming the operator or tensor.
Status translate_model(const FbModel &m, xnn::Graph &g, std::vector<uint32_t> &in_ids, std::vector<uint32_t> &out_ids,
		       std::string &error);

} // namespace vaccel::tflite::detail
