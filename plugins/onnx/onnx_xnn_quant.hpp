// SPDX-License-Identifier: Apache-2.0
// QOperator int8 front end of the onnx plugin's XNNPACK engine (used by onnx_xnn.cpp).
//
// The ONNX Model Zoo int8 models carry uint8 activations (per-tensor scale and zero point) and
// int8 weights with per-channel scales.  This XNNPACK snapshot (Debian 2022-02) computes per-channel
// weights only with signed activations (qs8 input + qc8 weights), and uint8 (qu8) only with
// per-tensor weights.  So every uint8 activation is carried as int8 with the same scale and the
// zero point shifted by 128 (x_s8 = x_u8 - 128, zp_s8 = zp_u8 - 128: the same real values, and the
// same saturation range), while the weights stay int8 per-channel (qc8).  The small
// Shape/Gather/Unsqueeze/Concat/Reshape head before the classifier is folded into constants at
// load, since batch and shapes are fixed.
//
// Covered: QuantizeLinear, DequantizeLinear, QLinearConv (plain or depthwise), QLinearMatMul
// (constant weights), com.microsoft QLinearAdd and QLinearGlobalAveragePool, Reshape, and Shape,
// Gather, Unsqueeze, Concat on shapes known at load.  Anything else (QDQ-format graphs, other
// operators, an input read with other quantisation parameters than its producer wrote) is refused
// with the node named, so the caller falls back to OpenCV DNN: never a wrong answer.
// Thread safety: reentrant (all state is local to one call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class GraphProto;
}
namespace vaccel::xnn {
class Graph;
}

namespace vaccel::onnx {

struct XnnUsage;

// True when the graph holds QOperator nodes (QuantizeLinear, QLinear*): translate it with
// translate_qoperator() rather than the f32 front end.
bool is_qoperator_graph(const ::onnx::GraphProto &g);

// Translates `g` into `x`: the f32 NCHW input `input` (dims `in_dims`, batch 1) becomes external
// value 0, the f32 graph output `output` external value 1 (its ONNX dims in `out_dims`).  The caps
// of onnx_xnn.hpp apply as on the f32 route (the constants copied into the graph against
// `model_bytes`); `usage` counts what was defined.  Returns false with `error` naming the node on
// refusal; `corrupt` tells an impossible model (bad data, inconsistent shapes, over a cap) from
// one this front end does not cover.
bool translate_qoperator(const ::onnx::GraphProto &g, const std::string &input, const std::vector<size_t> &in_dims,
			 const std::string &output, xnn::Graph &x, size_t model_bytes, XnnUsage &usage, uint32_t &in_id,
			 uint32_t &out_id, std::vector<size_t> &out_dims, bool &corrupt, std::string &error);

} // namespace vaccel::onnx
