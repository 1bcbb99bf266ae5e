// SPDX-License-Identifier: Apache-2.0
// The libtorch side of the torch plugin, behind a torch-free interface.
//
// Only torch_engine.cpp and torch_optimize.cpp include <torch/script.h> (one such TU takes ~12 s
// to compile), so the vAccel glue, the tests and the benchmark build quickly against this header.  Nothing here uses
// vAccel types either: tensors cross this boundary as plain views and malloc'd buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "status.hpp"

namespace vaccel::torch_engine {

// Same numbering as enum vaccel_torch_data_type (vAccel 0.8).
enum class DType : int { Byte = 1, Char = 2, Short = 3, Int = 4, Long = 5, Half = 6, Float = 7 };

// True for a number that names one of the DType values.
bool is_valid_dtype(int value);
// Size in bytes of one element (0 for an invalid value).
size_t element_size(DType type);
const char *dtype_name(DType type);

// Why an engine call failed: the plugin kit's Status (status.hpp), of which this engine uses
// InvalidInput (the caller's tensors/arguments do not fit), NotFound (a model file that should
// exist does not) and Backend (libtorch failed: wrong-format model, unsupported output...).
using ErrorKind = plugin::Status;

// The kit's Failure under the engine's name; the plugin boundary maps it to a VACCEL_E* code.
class EngineError : public plugin::Failure {
public:
	using plugin::Failure::Failure;
	// Contract: the Status given at construction.
	[[nodiscard]] ErrorKind kind() const noexcept { return status(); }
};

// An input tensor borrowed from the caller (not copied, not modified by this layer).
struct TensorView {
	const void *data = nullptr;
	size_t size = 0; // bytes
	std::vector<int64_t> dims;
	DType dtype = DType::Float;
};

struct FreeDeleter {
	void operator()(void *p) const { std::free(p); }
};

// An output tensor whose bytes were allocated with malloc(), so ownership can be handed to a
// vaccel_torch_tensor (whose delete function calls free()).
struct OwnedTensor {
	std::unique_ptr<void, FreeDeleter> data;
	size_t size = 0; // bytes
	std::vector<int64_t> dims;
	DType dtype = DType::Float;
};

// Number of elements described by dims, or -1 if a dim is negative or the product overflows.
int64_t element_count(std::span<const int64_t> dims);

// One loaded TorchScript module (eval mode), and its XNNPACK rewrite when one applies
// (torch_optimize.hpp; run() uses it, and falls back for good to the module as loaded if it fails
// where that one runs).  Immutable after loading but for that one-way switch, so run() may be
// called from several threads at once (TorchScript inference is thread-safe).
class Model {
public:
	// Both throw EngineError: NotFound for a missing file, Backend for anything libtorch rejects.
	static std::shared_ptr<Model> load_file(const std::string &path);
	static std::shared_ptr<Model> load_memory(const void *data, size_t size);

	~Model();
	Model(const Model &) = delete;
	Model &operator=(const Model &) = delete;

	// forward(inputs...) and return up to max_outputs tensors (a tensor result counts as one,
	// a tuple/list result gives its elements).  Throws EngineError.
	std::vector<OwnedTensor> run(std::span<const TensorView> inputs, size_t max_outputs) const;

	// forward() on one float NCHW tensor and return the flattened float result (logits).
	std::vector<float> run_float(std::span<const float> input, std::span<const int64_t> dims) const;

	// How the model runs, for the load log line: "XNNPACK: N convolutions and M linears
	// prepacked" (torch_optimize.hpp), or "as loaded (<why not>)".
	[[nodiscard]] const std::string &engine_note() const;

private:
	struct Impl;
	explicit Model(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// Where the engine reports, once, that it set a model's XNNPACK rewrite aside at run time (a
// model that failed there but ran as loaded).  nullptr (the default) drops such notices.
// Thread-safe; the sink must be callable from any thread that runs a model.
void set_notice_sink(void (*sink)(const char *));

// Picks libtorch's quantized engine (process-wide, at::globalContext().setQEngine) for quantized
// TorchScript models: oneDNN, else FBGEMM, never QNNPACK (Debian's torch 1.13 QNNPACK returns
// wrong values for quantized clamp/relu6 on channels-last tensors: MobileNet V2 answers "bucket"
// for every image).  Both loaders call it, since a model's packed weights follow the engine that
// is active when it is loaded; it writes the setting only when it differs, so concurrent runs of
// already-loaded models are not raced.  Returns the engine's name ("onednn", "fbgemm", or the
// unchanged current engine's name when neither is built in).
std::string select_quantized_engine();

// Intra-op threads used by every Model::run on every calling thread.  Also applied to OpenBLAS
// (libtorch's convolutions go through its sgemm, and Debian's pthread OpenBLAS ignores
// at::set_num_threads) unless the user set OPENBLAS_NUM_THREADS.  n < 1 is clamped to 1.
void set_threads(int n);
int threads();

// Deprecated TORCH_SGEMM of the reference: out = A(MxK) * B(KxN) + C(MxN), all float,
// row-major and contiguous; c may be NULL (out = A * B).  Throws EngineError.
OwnedTensor sgemm(const float *a, const float *b, const float *c, int64_t m, int64_t n, int64_t k);

// BLAS_SGEMM semantics on libtorch, in place: C = alpha * A * B + beta * C, row-major, A m x k
// (leading dimension lda), B k x n (ldb), C m x n (ldc; columns past n untouched; with beta = 0
// C is not read).  Preconditions checked by the caller: m, n, k > 0, lda >= k, ldb >= n,
// ldc >= n, non-NULL pointers.  Throws EngineError.
void sgemm_strided(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b,
		   int64_t ldb, float beta, float *c, int64_t ldc);

} // namespace vaccel::torch_engine
