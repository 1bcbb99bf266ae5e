// SPDX-License-Identifier: Apache-2.0
// The XNNPACK graph builder shared by the model front ends (tflite, onnx).
//
// A front end translates its model format into calls on one Graph: values (tensors, with their
// quantisation and optional constant data) and nodes (convolution, pooling, add, ...), then
// finalize() packs the weights into an XNNPACK runtime and run() executes it on caller buffers.
// The builder hides what this XNNPACK snapshot (Debian 2022-02) lacks: operators that only exist
// in f32 (average pooling, softmax, hard-swish) are wrapped in converts when their tensors are
// quantised, so the front ends describe the model as it is.
//
// Buffers: XNNPACK's kernels may read up to XNN_EXTRA_BYTES past the end of any tensor, so the
// Graph copies constant data (value()) and caller inputs (run()) into padded buffers of its own;
// the caller's data need only live for the call.
// Thread safety: a Graph is used by one thread at a time (the owner serialises run()); distinct
// Graphs are independent. run() uses the Graph's own pthreadpool when finalize() asked for more
// than one thread.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vaccel::xnn {

// Element type of a value.  QCS8/QCS32: per-channel quantised weights / biases.
enum class Type { F32, QU8, QS8, QS32, QCS8, QCS32 };

struct Tensor {
	Type type = Type::F32;
	std::vector<size_t> dims;
	float scale = 0.0F; // per-tensor quantisation (QU8, QS8, QS32)
	int32_t zero_point = 0;
	std::vector<float> channel_scales; // per-channel quantisation (QCS8, QCS32)
	size_t channel_dim = 0;
	const void *data = nullptr; // constant data (copied by value()), or nullptr
};

// Where a value lives: computed inside the graph, or bound by run() to a caller buffer.
enum class Role { Internal, Input, Output };

// Output range of a node (fused activation), in real (dequantised) units.
struct Range {
	float min = -INFINITY;
	float max = INFINITY;
};

// 2-D window of a convolution or pooling node.  same_padding: TensorFlow's SAME (pads ignored).
struct Window {
	uint32_t kernel_h = 1, kernel_w = 1;
	uint32_t stride_h = 1, stride_w = 1;
	uint32_t dilation_h = 1, dilation_w = 1;
	uint32_t pad_top = 0, pad_right = 0, pad_bottom = 0, pad_left = 0;
	bool same_padding = false;
};

constexpr uint32_t kNoValue = UINT32_MAX;

class Graph {
public:
	// An empty graph with `externals` caller-bound values (ids 0..externals-1 for Input/Output
	// values).  nullptr + error when XNNPACK cannot initialise on this CPU.
	static std::unique_ptr<Graph> create(uint32_t externals, std::string &error);
	~Graph();
	Graph(const Graph &) = delete;
	Graph &operator=(const Graph &) = delete;

	// Defines a value; Input/Output values take `external_id` (< externals).  kNoValue on error.
	uint32_t value(const Tensor &t, Role role = Role::Internal, uint32_t external_id = kNoValue);
	// The description a value was defined with (nullptr for an unknown id).
	[[nodiscard]] const Tensor *describe(uint32_t id) const;
	// Keeps data alive as long as the graph; returns its address.
	const void *keep(std::vector<uint8_t> bytes);

	// Nodes.  Each returns false with error() set when XNNPACK refuses the node (wrong shapes or
	// types); `bias` may be kNoValue.
	bool conv2d(const Window &w, size_t in_channels, size_t out_channels, Range r, uint32_t in, uint32_t filter,
		    uint32_t bias, uint32_t out);
	bool depthwise_conv2d(const Window &w, size_t in_channels, uint32_t multiplier, Range r, uint32_t in,
			      uint32_t filter, uint32_t bias, uint32_t out);
	// filter [out, in]; the input is flattened to [N, in].
	bool fully_connected(Range r, uint32_t in, uint32_t filter, uint32_t bias, uint32_t out);
	bool add(Range r, uint32_t a, uint32_t b, uint32_t out);
	bool multiply(Range r, uint32_t a, uint32_t b, uint32_t out);
	bool average_pool(const Window &w, Range r, uint32_t in, uint32_t out);
	bool max_pool(const Window &w, Range r, uint32_t in, uint32_t out);
	// NHWC [N,H,W,C] -> [N,1,1,C]; any other output shape of the same size is reshaped to.
	bool global_average_pool(Range r, uint32_t in, uint32_t out);
	bool reshape(uint32_t in, uint32_t out); // to the shape `out` was defined with
	bool pad(const std::vector<size_t> &before, const std::vector<size_t> &after, float value, uint32_t in,
		 uint32_t out);
	bool clamp(Range r, uint32_t in, uint32_t out);
	bool hardswish(uint32_t in, uint32_t out);
	bool sigmoid(uint32_t in, uint32_t out);
	bool softmax(uint32_t in, uint32_t out); // over the last dimension
	bool convert(uint32_t in, uint32_t out); // f32 <-> quantised, requantisation

	// Packs the weights and creates the runtime.  threads <= 1: no thread pool.
	bool finalize(size_t threads);
	// One inference: binds every Input/Output value to a caller buffer of its size.
	bool run(const std::vector<std::pair<uint32_t, void *>> &externals);

	[[nodiscard]] const std::string &error() const { return error_; }
	[[nodiscard]] size_t threads() const { return threads_; }

private:
	struct Impl;
	explicit Graph(std::unique_ptr<Impl> impl);
	// Defines `node(in', out')` on f32 copies of quantised `in`/`out` (converts around it), for
	// the operators this XNNPACK only has in f32.
	template <class Node>
	bool via_f32(const char *what, uint32_t in, uint32_t out, Node node);
	bool check(int status, const char *what);

	std::unique_ptr<Impl> impl_;
	std::string error_;
	size_t threads_ = 1;
};

// The thread count an operator set in the environment variable `variable` for a plugin's
// XNNPACK engine: an integer in 1..64; unset, empty or anything else gives 1.
size_t threads_from_env(const char *variable);

} // namespace vaccel::xnn
