// SPDX-License-Identifier: Apache-2.0
// Tiny QOperator int8 ONNX models (the format of the ONNX Model Zoo int8 models: QuantizeLinear,
// QLinearConv, com.microsoft QLinearAdd / QLinearGlobalAveragePool, QLinearMatMul,
// DequantizeLinear, and the Shape -> Gather -> Unsqueeze -> Concat -> Reshape head), written with
// libonnx-dev's classes on top of tiny_onnx.hpp.  For the int8 route of the onnx XNNPACK engine:
// its tests (test_onnx_xnn_quant.cpp) and the fuzz_onnx seeds (tests/fuzz/seeds/make_onnx_models.cpp),
// so that the fuzzer starts inside plugins/onnx/onnx_xnn_quant*.cpp.  No model file is committed.
#pragma once

#include "tiny_onnx.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::test::onnxm {

// The bytes of `v` as a raw_data string.
template <class T>
inline std::string raw_of(const std::vector<T> &v)
{
	return {reinterpret_cast<const char *>(v.data()), v.size() * sizeof(T)};
}

// An initializer of ONNX element type `type` holding `raw` as raw_data (dims {} = a scalar).
inline void init_raw(::onnx::ModelProto &m, const std::string &name, int32_t type, const Ints &dims,
		     const std::string &raw)
{
	auto *t = m.mutable_graph()->add_initializer();
	t->set_name(name);
	t->set_data_type(type);
	for (const int64_t d : dims)
		t->add_dims(d);
	t->set_raw_data(raw);
}

// A per-tensor scale `name`_s and a uint8 (`u8`) or int8 zero point `name`_z.
inline void qparams(::onnx::ModelProto &m, const std::string &name, float scale, int zp, bool u8 = true)
{
	init_f32(m, name + "_s", {}, {scale});
	if (u8)
		init_raw(m, name + "_z", ::onnx::TensorProto::UINT8, {},
			 raw_of(std::vector<uint8_t>{static_cast<uint8_t>(zp)}));
	else
		init_raw(m, name + "_z", ::onnx::TensorProto::INT8, {},
			 raw_of(std::vector<int8_t>{static_cast<int8_t>(zp)}));
}

// int8 values -3..3 repeating (small weights that keep the sums inside int8 after requantising).
inline std::vector<int8_t> ramp_i8(size_t n)
{
	std::vector<int8_t> v(n);
	for (size_t k = 0; k < n; ++k)
		v[k] = static_cast<int8_t>(static_cast<int>(k % 7) - 3);
	return v;
}

// A com.microsoft node (QLinearAdd, QLinearGlobalAveragePool).
inline ::onnx::NodeProto &ms_node(::onnx::ModelProto &m, const std::string &op,
				  std::initializer_list<std::string> inputs, const std::string &output,
				  std::initializer_list<Attr> attrs = {})
{
	auto &n = node(m, op, inputs, output, attrs);
	n.set_domain("com.microsoft");
	return n;
}

inline ::onnx::ModelProto int8_model(const Ints &in_dims)
{
	auto m = model(in_dims);
	auto *ms = m.add_opset_import();
	ms->set_domain("com.microsoft");
	ms->set_version(1);
	return m;
}

// The Model Zoo's int8 classifier in miniature: [1,3,8,8] f32 -> QuantizeLinear (uint8) ->
// QLinearConv 3x3 (4 ch, per-channel int8 weights, int32 bias, pad 1) -> depthwise QLinearConv
// stride 2 (per-tensor weight scale) -> QLinearGlobalAveragePool -> the shape head (a
// DequantizeLinear read only by Shape, Gather, Unsqueeze, Concat with [-1]) -> Reshape [1,4] ->
// QLinearMatMul [4,5] -> QLinearAdd of a uint8 bias -> DequantizeLinear -> y [1,5].
inline ::onnx::ModelProto int8_classifier()
{
	using TP = ::onnx::TensorProto;
	auto m = int8_model({1, 3, 8, 8});
	qparams(m, "x", 0.02F, 128);
	init_raw(m, "w1", TP::INT8, {4, 3, 3, 3}, raw_of(ramp_i8(108)));
	init_f32(m, "w1_s", {4}, {0.01F, 0.02F, 0.015F, 0.01F});
	init_raw(m, "w1_z", TP::INT8, {4}, raw_of(std::vector<int8_t>(4, 0)));
	init_raw(m, "b1", TP::INT32, {4}, raw_of(std::vector<int32_t>{100, -50, 0, 25}));
	qparams(m, "c1", 0.05F, 0);
	init_raw(m, "w2", TP::INT8, {4, 1, 3, 3}, raw_of(ramp_i8(36)));
	init_f32(m, "w2_s", {}, {0.02F});
	init_raw(m, "w2_z", TP::INT8, {}, raw_of(std::vector<int8_t>{0}));
	qparams(m, "c2", 0.05F, 0);
	qparams(m, "p", 0.04F, 0);
	init_i64(m, "g0", {0});
	m.mutable_graph()->mutable_initializer(m.graph().initializer_size() - 1)->clear_dims(); // a scalar index
	init_i64(m, "minus1", {-1});
	init_raw(m, "w3", TP::INT8, {4, 5}, raw_of(ramp_i8(20)));
	init_f32(m, "w3_s", {5}, {0.01F, 0.02F, 0.03F, 0.02F, 0.01F});
	init_raw(m, "w3_z", TP::INT8, {5}, raw_of(std::vector<int8_t>(5, 0)));
	qparams(m, "mm", 0.1F, 128);
	init_raw(m, "b3", TP::UINT8, {5}, raw_of(std::vector<uint8_t>{120, 130, 128, 140, 110}));
	qparams(m, "b3", 0.1F, 128);
	qparams(m, "a", 0.1F, 128);
	node(m, "QuantizeLinear", {"x", "x_s", "x_z"}, "xq");
	node(m, "QLinearConv", {"xq", "x_s", "x_z", "w1", "w1_s", "w1_z", "c1_s", "c1_z", "b1"}, "c1",
	     {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1}), ints("strides", {1, 1})});
	node(m, "QLinearConv", {"c1", "c1_s", "c1_z", "w2", "w2_s", "w2_z", "c2_s", "c2_z"}, "c2",
	     {i("group", 4), ints("pads", {1, 1, 1, 1}), ints("strides", {2, 2})});
	ms_node(m, "QLinearGlobalAveragePool", {"c2", "c2_s", "c2_z", "p_s", "p_z"}, "p", {i("channels_last", 0)});
	node(m, "DequantizeLinear", {"p", "p_s", "p_z"}, "pf");
	node(m, "Shape", {"pf"}, "sh");
	node(m, "Gather", {"sh", "g0"}, "n", {i("axis", 0)});
	node(m, "Unsqueeze", {"n"}, "n1", {ints("axes", {0})});
	node(m, "Concat", {"n1", "minus1"}, "shape", {i("axis", 0)});
	node(m, "Reshape", {"p", "shape"}, "r");
	node(m, "QLinearMatMul", {"r", "p_s", "p_z", "w3", "w3_s", "w3_z", "mm_s", "mm_z"}, "mm");
	ms_node(m, "QLinearAdd", {"mm", "mm_s", "mm_z", "b3", "b3_s", "b3_z", "a_s", "a_z"}, "a");
	node(m, "DequantizeLinear", {"a", "a_s", "a_z"}, "y");
	return m;
}

// A residual block with int8 activation zero points: [1,3,4,4] f32 -> QuantizeLinear (int8, zero
// point 5) -> 1x1 QLinearConv (per-tensor weight scale, no weight zero point) -> QLinearAdd of
// the conv and its own input -> QLinearGlobalAveragePool -> DequantizeLinear -> y [1,3,1,1].
// In real numbers: y[c] = mean over H,W of (sum_i w[c][i] * 0.01 * x[i] + b[c] * 0.0003 + x[c]),
// what kInt8ResidualWeights/kInt8ResidualBias give a test to check against.
inline constexpr int8_t kInt8ResidualWeights[9] = {50, -20, 10, 0, 40, -30, 25, 25, 25};
inline constexpr int32_t kInt8ResidualBias[3] = {100, -200, 0};
inline ::onnx::ModelProto int8_residual()
{
	using TP = ::onnx::TensorProto;
	auto m = int8_model({1, 3, 4, 4});
	qparams(m, "x", 0.03F, 5, false);
	init_raw(m, "w", TP::INT8, {3, 3, 1, 1},
		 raw_of(std::vector<int8_t>(std::begin(kInt8ResidualWeights), std::end(kInt8ResidualWeights))));
	init_f32(m, "w_s", {}, {0.01F});
	init_raw(m, "b", TP::INT32, {3},
		 raw_of(std::vector<int32_t>(std::begin(kInt8ResidualBias), std::end(kInt8ResidualBias))));
	qparams(m, "c", 0.03F, 5, false);
	qparams(m, "a", 0.05F, 0, false);
	node(m, "QuantizeLinear", {"x", "x_s", "x_z"}, "xq");
	node(m, "QLinearConv", {"xq", "x_s", "x_z", "w", "w_s", "", "c_s", "c_z", "b"}, "c");
	ms_node(m, "QLinearAdd", {"c", "c_s", "c_z", "xq", "x_s", "x_z", "a_s", "a_z"}, "a");
	ms_node(m, "QLinearGlobalAveragePool", {"a", "a_s", "a_z", "a_s", "a_z"}, "p");
	node(m, "DequantizeLinear", {"p", "a_s", "a_z"}, "y");
	return m;
}

} // namespace vaccel::test::onnxm
