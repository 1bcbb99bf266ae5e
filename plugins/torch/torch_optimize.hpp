// SPDX-License-Identifier: Apache-2.0
// The inference rewrite the torch plugin applies to every model it loads: libtorch's own XNNPACK
// route for float convolutions and linears.
//
// Debian's libtorch 1.13 runs a float 3x3 or depthwise convolution through oneDNN, reordering the
// weights and the activations on every call, and a 1x1 convolution through im2col + sgemm; on
// MobileNet V2 that is ~10.5 ms per image against ONNX Runtime's ~5.9 (docs/performance.md). The
// same libtorch carries XNNPACK prepacked ops (what torch.utils.mobile_optimizer uses): weights
// packed once at load, NHWC activations, the following clamp fused into the convolution. The
// rewrite is:
//   1. torch::jit::freeze (forward only: parameters become constants);
//   2. every aten::clamp with constant float bounds whose input is a single-use convolution or
//      linear result becomes aten::hardtanh (the same function; the fusion pass knows only that
//      spelling);
//   3. insertPrePackedOps, fusePrePackedLinearConvWithClamp, FoldPrePackingOps (libtorch's passes).
// XNNPACK convolutions keep the memory format of their input, so the rewritten module is fed 4-D
// float inputs in channels-last layout when they go straight into a prepacked convolution; fed
// NCHW it converts twice per layer and is slower than not rewriting at all.
//
// `optimize_for_inference` and the oneDNN frozen-graph pass are not used: in this build their
// in-place oneDNN clamp gives wrong results (plugins/torch/README.md).
//
// Only torch_engine.cpp and torch_optimize.cpp include this header (it pulls in libtorch).
#pragma once

#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace vaccel::torch_engine {

struct OptimizedModule {
	torch::jit::Module module;
	// Per forward() argument (self excluded): true when the argument feeds a prepacked
	// convolution directly, so a 4-D float tensor there should be passed channels-last.
	std::vector<bool> channels_last;
	int convolutions = 0; // prepacked convolutions in the rewritten forward
	int linears = 0;      // prepacked linears in the rewritten forward
};

// Rewrites a copy of `loaded` (eval mode) as described above; `loaded` itself is not changed.
// Returns nullopt, with the reason in `why_not`, when the model has nothing the rewrite speeds up
// (no float convolution or linear with constant weights) or when freezing or a pass fails (a
// module whose forward mutates its attributes, for instance).  Throws only std::bad_alloc.
std::optional<OptimizedModule> optimize_for_xnnpack(const torch::jit::Module &loaded, std::string &why_not);

// The operator's switch: VACCEL_TORCH_XNNPACK=0 keeps the models loaded from then on as they are.
// Read at every model load (getenv: the caller must not change the environment concurrently).
bool xnnpack_rewrite_enabled();

} // namespace vaccel::torch_engine
