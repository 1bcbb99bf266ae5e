// SPDX-License-Identifier: Apache-2.0
// Engines of the `tflite` plugin.  A model runs on XNNPACK (tflite_xnn.hpp) when the engine can
// translate all of its operators and types, else on Arm NN: the TfLite parser, optimised for the
// fastest Arm NN backend present (GpuAcc > CpuAcc > CpuRef).  $VACCEL_TFLITE_ENGINE=auto|xnnpack|
// armnn picks one.  No vAccel dependency, so it can be unit-tested and benchmarked on its own.
#pragma once

#include "image.hpp"
#include "status.hpp"
#include "tflite_flatbuffer.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vaccel::tflite {

// Element types with the numeric values of TfLiteType (= enum vaccel_tflite_data_type).
enum class DType : int {
	NoType = 0,
	Float32 = 1,
	Int32 = 2,
	UInt8 = 3,
	Bool = 6,
	Int16 = 7,
	Int8 = 9,
	Float16 = 10,
};
const char *dtype_name(DType t);
size_t dtype_size(DType t);

// Shape, type and quantisation of one model input or output.
struct TensorDesc {
	std::string name;
	std::vector<int32_t> dims;
	DType dtype = DType::NoType;
	size_t bytes = 0;
	float scale = 0.0F; // 0 for non-quantised tensors
	int32_t zero_point = 0;
};

// The plugin kit's outcome of an engine call (Ok, InvalidInput, Unsupported or Backend here).
using Status = plugin::Status;

// Default backend preference: GpuAcc, CpuAcc, CpuRef; VACCEL_TFLITE_BACKENDS="A,B" overrides it.
std::vector<std::string> preferred_backends();

// Which engine runs a model.  Auto: XNNPACK when it covers the model, else Arm NN.
enum class Engine { Auto, Xnnpack, ArmNN };
const char *engine_name(Engine e);

struct LoadOptions {
	Engine engine = Engine::Auto;
	size_t threads = 1; // XNNPACK thread pool size (1: none)
};
// $VACCEL_TFLITE_ENGINE (auto|xnnpack|armnn; anything else: auto) and $VACCEL_TFLITE_THREADS.
LoadOptions load_options_from_env();

class Model {
public:
	// Parses, optimises and loads the model with load_options_from_env().  nullptr +
	// status/error on failure:
	//   Unsupported: Edge TPU (edgetpu-custom-op) or other custom operators; with
	//                engine=xnnpack, an operator or type the XNNPACK engine lacks;
	//   Backend:     not a TFLite flatbuffer, a corrupt one, parser/optimiser failure, no Arm NN
	//                backend.
	static std::unique_ptr<Model> load(std::vector<uint8_t> bytes, Status &status, std::string &error);
	// Same, with explicit options.
	static std::unique_ptr<Model> load(std::vector<uint8_t> bytes, const LoadOptions &opts, Status &status,
					   std::string &error);
	~Model();
	Model(const Model &) = delete;
	Model &operator=(const Model &) = delete;

	[[nodiscard]] const std::vector<TensorDesc> &inputs() const { return inputs_; }
	[[nodiscard]] const std::vector<TensorDesc> &outputs() const { return outputs_; }
	// Backends the network was optimised for, in preference order (e.g. {"CpuRef"}; {"XNNPACK"}
	// on the XNNPACK engine).
	[[nodiscard]] const std::vector<std::string> &backends() const { return backends_; }
	// The engine running the model (Xnnpack or ArmNN), and why Auto did not pick XNNPACK (the
	// operator or type it lacks; empty when it did).
	[[nodiscard]] Engine engine() const { return engine_; }
	[[nodiscard]] const std::string &fallback_reason() const { return fallback_reason_; }

	// One inference.  `in[i]` must hold inputs()[i].bytes bytes; `out` gets one byte buffer per
	// output, in outputs() order.  Serialised per model (thread-safe).
	Status run(const std::vector<const void *> &in, std::vector<std::vector<uint8_t>> &out, std::string &error);

	// Image path: decode, resize the whole image to the input size (no crop), convert to the input
	// type (uint8: raw pixels; int8/float: (p-127.5)/127.5 then quantise), run, dequantise.
	// `scores` gets the first output as floats (probabilities if the model ends in softmax).
	Status classify(const void *img, size_t len, std::vector<float> &scores, std::string &error);

	// Helpers used by classify, public for the benchmark's direct path and for tests.
	Status make_image_input(const image::Image &img, std::vector<uint8_t> &tensor, std::string &error) const;
	std::vector<float> dequantize(const std::vector<uint8_t> &raw, const TensorDesc &desc) const;

private:
	struct Impl;
	explicit Model(std::unique_ptr<Impl> impl);
	static std::unique_ptr<Model> load_armnn(std::vector<uint8_t> bytes, Status &status, std::string &error);

	std::unique_ptr<Impl> impl_;
	std::vector<TensorDesc> inputs_;
	std::vector<TensorDesc> outputs_;
	std::vector<std::string> backends_;
	Engine engine_ = Engine::ArmNN;
	std::string fallback_reason_;
	std::mutex mu_;
};

// Softmax unless the scores already are probabilities: a quantised output with TFLite's fixed
// softmax quantisation (scale 1/256, zero point 0 for uint8 / -128 for int8), or float scores in
// [0,1] summing to 1.
std::vector<float> to_probabilities(const std::vector<float> &scores, const TensorDesc &desc);

} // namespace vaccel::tflite
