// SPDX-License-Identifier: Apache-2.0
// Writes tiny ONNX models with Debian libonnx-dev's protobuf classes (onnx::ModelProto), for the
// onnx XNNPACK engine's tests (test_onnx_limits.cpp: crafted hostile models) and the fuzz_onnx
// seed writer (tests/fuzz/seeds/make_onnx_models.cpp).  Nothing here is a committed model: the
// bytes are made when a test or the seed writer runs.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace vaccel::test::onnxm {

using Ints = std::vector<int64_t>;

// A model with one f32 input `x` of `in_dims` and one output `y` (no nodes yet).
inline ::onnx::ModelProto model(const Ints &in_dims)
{
	::onnx::ModelProto m;
	m.set_ir_version(7);
	m.add_opset_import()->set_version(10);
	auto *g = m.mutable_graph();
	g->set_name("tiny");
	auto *in = g->add_input();
	in->set_name("x");
	auto *tt = in->mutable_type()->mutable_tensor_type();
	tt->set_elem_type(::onnx::TensorProto::FLOAT);
	for (const int64_t d : in_dims)
		tt->mutable_shape()->add_dim()->set_dim_value(d);
	auto *out = g->add_output();
	out->set_name("y");
	out->mutable_type()->mutable_tensor_type()->set_elem_type(::onnx::TensorProto::FLOAT);
	return m;
}

// A float initializer; `raw` = raw_data (else float_data).  `data` may disagree with `dims` on
// purpose (hostile models).
inline void init_f32(::onnx::ModelProto &m, const std::string &name, const Ints &dims, const std::vector<float> &data,
		     bool raw = true)
{
	auto *t = m.mutable_graph()->add_initializer();
	t->set_name(name);
	t->set_data_type(::onnx::TensorProto::FLOAT);
	for (const int64_t d : dims)
		t->add_dims(d);
	if (raw)
		t->set_raw_data(std::string(reinterpret_cast<const char *>(data.data()), data.size() * 4));
	else
		for (const float v : data)
			t->add_float_data(v);
}

inline void init_i64(::onnx::ModelProto &m, const std::string &name, const Ints &values)
{
	auto *t = m.mutable_graph()->add_initializer();
	t->set_name(name);
	t->set_data_type(::onnx::TensorProto::INT64);
	t->add_dims(static_cast<int64_t>(values.size()));
	for (const int64_t v : values)
		t->add_int64_data(v);
}

struct Attr {
	std::string name;
	Ints ints; // INTS when more than one value or `list`
	bool list = false;
	float f = 0.0F;
	bool is_float = false;
};
inline Attr ints(const std::string &n, Ints v)
{
	return {n, std::move(v), true, 0.0F, false};
}
inline Attr i(const std::string &n, int64_t v)
{
	return {n, {v}, false, 0.0F, false};
}
inline Attr f(const std::string &n, float v)
{
	return {n, {}, false, v, true};
}

inline ::onnx::NodeProto &node(::onnx::ModelProto &m, const std::string &op, std::initializer_list<std::string> inputs,
			       const std::string &output, std::initializer_list<Attr> attrs = {})
{
	auto *n = m.mutable_graph()->add_node();
	n->set_op_type(op);
	n->set_name(op + "_" + output);
	for (const auto &s : inputs)
		n->add_input(s);
	n->add_output(output);
	for (const auto &a : attrs) {
		auto *p = n->add_attribute();
		p->set_name(a.name);
		if (a.is_float) {
			p->set_type(::onnx::AttributeProto::FLOAT);
			p->set_f(a.f);
		} else if (a.list) {
			p->set_type(::onnx::AttributeProto::INTS);
			for (const int64_t v : a.ints)
				p->add_ints(v);
		} else {
			p->set_type(::onnx::AttributeProto::INT);
			p->set_i(a.ints.at(0));
		}
	}
	return *n;
}

inline std::vector<float> ramp(size_t n, float scale)
{
	std::vector<float> v(n);
	for (size_t k = 0; k < n; ++k)
		v[k] = scale * static_cast<float>(static_cast<int>(k % 7) - 3);
	return v;
}

// [1,3,8,8] -> Conv 3x3 (4 ch, pad 1) -> Relu -> depthwise Conv 3x3 stride 2 -> Clip(0,6) ->
// GlobalAveragePool -> Flatten -> Gemm (transB, 5 outputs) -> y [1,5]: every operator family the
// engine translates, in 1.2 KB.
inline ::onnx::ModelProto classifier()
{
	auto m = model({1, 3, 8, 8});
	init_f32(m, "w1", {4, 3, 3, 3}, ramp(108, 0.05F));
	init_f32(m, "b1", {4}, ramp(4, 0.1F));
	init_f32(m, "w2", {4, 1, 3, 3}, ramp(36, 0.1F), false);
	init_f32(m, "w3", {5, 4}, ramp(20, 0.2F));
	init_f32(m, "b3", {5}, ramp(5, 0.01F));
	node(m, "Conv", {"x", "w1", "b1"}, "c1",
	     {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1}), ints("strides", {1, 1})});
	node(m, "Relu", {"c1"}, "r1");
	node(m, "Conv", {"r1", "w2"}, "c2", {i("group", 4), ints("pads", {1, 1, 1, 1}), ints("strides", {2, 2})});
	node(m, "Clip", {"c2"}, "k2", {f("min", 0.0F), f("max", 6.0F)});
	node(m, "GlobalAveragePool", {"k2"}, "p");
	node(m, "Flatten", {"p"}, "fl", {i("axis", 1)});
	node(m, "Gemm", {"fl", "w3", "b3"}, "y", {i("transB", 1)});
	return m;
}

// [1,4,1,1] -> Flatten -> Reshape [1,-1] -> MatMul [4,3] -> Add bias [3] -> Add (same shape) -> y.
inline ::onnx::ModelProto dense()
{
	auto m = model({1, 4, 1, 1});
	init_i64(m, "shape", {1, -1});
	init_f32(m, "w", {4, 3}, ramp(12, 0.3F));
	init_f32(m, "b", {3}, ramp(3, 0.5F));
	node(m, "Flatten", {"x"}, "f");
	node(m, "Reshape", {"f", "shape"}, "r");
	node(m, "MatMul", {"r", "w"}, "mm");
	node(m, "Add", {"mm", "b"}, "a");
	node(m, "Add", {"a", "a"}, "y");
	return m;
}

inline std::string bytes(const ::onnx::ModelProto &m)
{
	std::string s;
	m.SerializeToString(&s);
	return s;
}

} // namespace vaccel::test::onnxm
