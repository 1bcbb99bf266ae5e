// SPDX-License-Identifier: Apache-2.0
// Writes the fuzz_onnx seeds at build time (nothing is committed): the tests' tiny ONNX models,
// whole and valid: f32 (tests/plugins/tiny_onnx.hpp) and QOperator int8
// (tests/plugins/tiny_onnx_int8.hpp, so that the fuzzer starts inside the int8 route,
// plugins/onnx/onnx_xnn_quant*.cpp); and, when the shared MobileNet V2 models are in the models
// directory, their real graphs cut to the first nodes whose serialisation fits the fuzzer's 8 KB
// inputs (real operator names, attributes and dims for the mutator to start from): the f32 one
// with each initializer's raw data cut to its first 64 bytes, the int8 one with its data whole
// (its first layers are small) and a DequantizeLinear appended after the last QLinearConv kept,
// so that the int8 route accepts it.  Test tool only.
// usage: make_onnx_models <out_dir> [models_dir]
#include "tiny_onnx.hpp"
#include "tiny_onnx_int8.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace {

bool write(const std::string &dir, const char *name, const std::string &bytes)
{
	std::ofstream out(dir + "/" + name, std::ios::binary);
	out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
	if (!out)
		return false;
	std::printf("make_onnx_models: %s, %zu bytes\n", name, bytes.size());
	return true;
}

// The int8 head ends in a QLinearConv: its output dequantised with the conv's own output
// parameters (inputs 6 and 7) becomes the f32 graph output.  False when the last node is not one.
bool dequantize_tail(::onnx::GraphProto &g)
{
	const ::onnx::NodeProto last = g.node(g.node_size() - 1);
	if (last.op_type() != "QLinearConv" || last.input_size() < 8 || last.output_size() < 1)
		return false;
	auto *n = g.add_node();
	n->set_op_type("DequantizeLinear");
	n->set_name("seed_tail");
	n->add_input(last.output(0));
	n->add_input(last.input(6));
	n->add_input(last.input(7));
	n->add_output("seed_out");
	return true;
}

// The real model's first nodes (as many as fit in `budget` bytes), with initializers shortened
// to `max_raw` bytes; `int8`: only cuts after a QLinearConv, dequantised (dequantize_tail).
std::string real_head(const std::string &path, size_t budget, size_t max_raw, bool int8)
{
	std::ifstream in(path, std::ios::binary);
	const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
	::onnx::ModelProto full;
	if (bytes.empty() || !full.ParseFromString(bytes))
		return {};
	full.mutable_graph()->clear_value_info();
	std::set<std::string> init_names;
	for (auto &t : *full.mutable_graph()->mutable_initializer()) {
		init_names.insert(t.name());
		if (t.raw_data().size() > max_raw)
			t.mutable_raw_data()->resize(max_raw);
	}
	std::string best;
	for (int keep = 1; keep <= full.graph().node_size(); ++keep) {
		::onnx::ModelProto m;
		m.CopyFrom(full);
		auto *g = m.mutable_graph();
		g->mutable_node()->DeleteSubrange(keep, g->node_size() - keep);
		if (int8 && !dequantize_tail(*g))
			continue;
		std::set<std::string> used;
		for (const auto &n : g->node())
			used.insert(n.input().begin(), n.input().end());
		google::protobuf::RepeatedPtrField<::onnx::TensorProto> inits;
		for (const auto &t : g->initializer())
			if (used.count(t.name()) != 0)
				*inits.Add() = t;
		g->mutable_initializer()->Swap(&inits);
		google::protobuf::RepeatedPtrField<::onnx::ValueInfoProto> inputs;
		for (const auto &i : g->input()) // the image input, and initializers still used
			if (init_names.count(i.name()) == 0 || used.count(i.name()) != 0)
				*inputs.Add() = i;
		g->mutable_input()->Swap(&inputs);
		g->mutable_output(0)->set_name(g->node(g->node_size() - 1).output(0));
		g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
		std::string s;
		m.SerializeToString(&s);
		if (s.size() > budget)
			break;
		best = s;
	}
	return best;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		std::fprintf(stderr, "usage: %s <out_dir> [models_dir]\n", argv[0]);
		return 2;
	}
	namespace om = vaccel::test::onnxm;
	const std::string dir = argv[1];
	if (!write(dir, "tiny-classifier.onnx", om::bytes(om::classifier())) ||
	    !write(dir, "tiny-dense.onnx", om::bytes(om::dense())) ||
	    !write(dir, "tiny-int8-classifier.onnx", om::bytes(om::int8_classifier())) ||
	    !write(dir, "tiny-int8-residual.onnx", om::bytes(om::int8_residual())))
		return 1;
	if (argc > 2) {
		const std::string models = argv[2];
		const std::string f32 = real_head(models + "/mobilenetv2-12-f32-opset10.onnx", 8000, 64, false);
		if (!f32.empty() && !write(dir, "mobilenetv2-f32-head.onnx", f32))
			return 1;
		const std::string i8 = real_head(models + "/mobilenetv2-12-int8.onnx", 8000, SIZE_MAX, true);
		if (!i8.empty() && !write(dir, "mobilenetv2-int8-head.onnx", i8))
			return 1;
	}
	return 0;
}
