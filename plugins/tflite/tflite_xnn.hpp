// SPDX-License-Identifier: Apache-2.0
// XNNPACK engine of the tflite plugin: the TFLite front end of the shared graph builder
// (plugins/common/xnn_graph.hpp).  It reads the model with the plugin's bounds-checked flatbuffer
// reader, refuses (Status::Unsupported, naming the operator or type) what it cannot translate so
// that the caller can fall back to Arm NN, and translates the rest into one XNNPACK runtime.
// Thread safety: build() is reentrant; run() on one engine must be serialised by the owner.
#pragma once

#include "tflite_model.hpp"

#include <memory>
#include <string>
#include <vector>

namespace vaccel::xnn {
class Graph;
}

namespace vaccel::tflite {

// Cap on the computed tensors (activations, inputs, outputs) of one model, which XNNPACK allocates
// when the runtime is created; a model over it is refused for every engine (Status::InvalidInput).
inline constexpr size_t kMaxActivationBytes = size_t{1} << 30;

class XnnEngine {
public:
	// Translates the model (the engine keeps copies of what it needs from `bytes`).
	// nullptr + status: InvalidInput (the flatbuffer reader refused the bytes: no engine should
	// see them), Unsupported (an operator/type the engine lacks), Backend (a shape or reference
	// that does not add up, or XNNPACK refused the graph).
	static std::unique_ptr<XnnEngine> build(const std::vector<uint8_t> &bytes, size_t threads, Status &status,
						std::string &error);
	~XnnEngine();
	XnnEngine(const XnnEngine &) = delete;
	XnnEngine &operator=(const XnnEngine &) = delete;

	[[nodiscard]] const std::vector<TensorDesc> &inputs() const { return inputs_; }
	[[nodiscard]] const std::vector<TensorDesc> &outputs() const { return outputs_; }
	[[nodiscard]] size_t threads() const;

	// One inference; `in[i]` holds inputs()[i].bytes, `out[i]` is resized to outputs()[i].bytes.
	// Not thread-safe: the owner serialises calls.
	Status run(const std::vector<const void *> &in, std::vector<std::vector<uint8_t>> &out, std::string &error);

private:
	XnnEngine() = default;

	std::unique_ptr<xnn::Graph> graph_;
	std::vector<TensorDesc> inputs_;
	std::vector<TensorDesc> outputs_;
	std::vector<uint32_t> in_ids_;
	std::vector<uint32_t> out_ids_;
};

} // namespace vaccel::tflite
