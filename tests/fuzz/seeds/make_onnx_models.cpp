// SPDX-License-Identifier: Apache-2.0
// Writes the fuzz_onnx seeds at build time (nothing is committed): the tests' tiny ONNX models
// (tests/plugins/tiny_onnx.hpp), whole and valid, and, when the shared f32 MobileNet V2 is in
// the models directory, its real graph cut to the first nodes whose serialisation fits the
// fuzzer's 8 KB inputs, with each initializer's raw data cut to its first 64 bytes (real operator
// names, attributes and dims for the mutator to start from).  Test tool only.
// usage: make_onnx_models <out_dir> [models_dir]
#include "tiny_onnx.hpp"

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

// The real model's first nodes (as many as fit in `budget` bytes) with shortened initializers.
std::string real_head(const std::string &path, size_t budget)
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
		if (t.raw_data().size() > 64)
			t.mutable_raw_data()->resize(64);
	}
	std::string best;
	for (int keep = 1; keep <= full.graph().node_size(); ++keep) {
		::onnx::ModelProto m;
		m.CopyFrom(full);
		auto *g = m.mutable_graph();
		g->mutable_node()->DeleteSubrange(keep, g->node_size() - keep);
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
		g->mutable_output(0)->set_name(g->node(keep - 1).output(0));
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
	    !write(dir, "tiny-dense.onnx", om::bytes(om::dense())))
		return 1;
	if (argc > 2) {
		const std::string head = real_head(std::string(argv[2]) + "/mobilenetv2-12-f32-opset10.onnx", 8000);
		if (!head.empty() && !write(dir, "mobilenetv2-f32-head.onnx", head))
			return 1;
	}
	return 0;
}
