// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: the onnx plugin's own model reading for the XNNPACK engine
// (plugins/onnx/onnx_xnn.cpp; onnx_xnn_translate.cpp for f32 graphs, onnx_xnn_quant*.cpp for
// QOperator int8 ones, each with seeds it accepts: seeds/make_onnx_models.cpp), which sees every
// client model before an engine runs it: libonnx's protobuf parse of the bytes, our checks and
// caps, the translation into the shared graph builder (plugins/common/xnn_graph.cpp) and
// XNNPACK's subgraph definition (xnn_define_*).  Weights are not packed and nothing is run
// (XnnNet::translate).  OpenCV DNN's own ONNX importer (a Debian library, the fallback engine) is
// not fuzzed here: it is contained by the agent's process isolation (docs/security.md).
#include "onnx_xnn.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace vaccel::onnx;
	bool corrupt = false;
	std::string err;
	XnnUsage u;
	if (!XnnNet::translate(data, size, corrupt, err, &u)) {
		if (err.empty())
			abort(); // every refusal must say why
		return 0;
	}
	// What was defined stays inside the caps of onnx_xnn.hpp.
	if (corrupt || u.values < 2 || u.activation_bytes > kMaxActivationBytes ||
	    u.constant_bytes > size + kConstantSlackBytes)
		abort();
	return 0;
}
