// SPDX-License-Identifier: Apache-2.0
// OpenCV DNN image classifier for ONNX models: the engine layer of the `onnx` plugin.
// No vAccel dependency, so it can be unit-tested and benchmarked on its own.
#pragma once

#include "image.hpp"
#include "onnx_xnn.hpp"
#include "status.hpp"

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

namespace vaccel::onnx {

// How an image becomes the model's input tensor.  Defaults match ImageNet classifiers such as
// the ONNX Model Zoo MobileNetV2 (see ../shared/models/README.md).  Users override them with the
// VACCEL_ONNX_* environment variables documented in plugins/onnx/README.md.
// The shared crop/resize/normalise description plus the ONNX-specific layout and softmax.
struct Preprocess : image::InputSpec {
	enum class Layout { Nchw, Nhwc };
	enum class Softmax { Auto, On, Off };

	Layout layout = Layout::Nchw;
	Softmax softmax = Softmax::Auto; // Auto: skip if the output already is a distribution
};

// Reads VACCEL_ONNX_INPUT_SIZE, _CROP, _MEAN, _STD, _SCALE, _LAYOUT and _SOFTMAX on top of the
// defaults.  Returns false and names the bad variable in `error` if one cannot be parsed.
bool preprocess_from_env(Preprocess &pre, std::string &error);

// The plugin kit's outcome of an engine call (Ok, InvalidInput or Backend here).
using Status = plugin::Status;

// Decoded image → model input tensor (NCHW or NHWC float, batch 1).
std::vector<float> make_input(const image::Image &img, const Preprocess &pre);

// One loaded ONNX network.  Thread-safe: OpenCV's Net is not re-entrant, so calls are serialised
// per model (different models run in parallel).
class Classifier {
public:
	// Load from a file path or from the model bytes, on XNNPACK when onnx_engine_from_env()
	// allows it and the engine covers the graph, else on OpenCV DNN.  nullptr + error on failure
	// (wrong format, unsupported operator, missing file; with VACCEL_ONNX_ENGINE=xnnpack, a graph
	// the XNNPACK engine does not cover).
	static std::unique_ptr<Classifier> from_file(const std::string &path, std::string &error);
	static std::unique_ptr<Classifier> from_buffer(const void *data, size_t size, std::string &error);

	// Full image path: decode, preprocess, forward, softmax.  `probs` gets every class score.
	Status classify(const void *img, size_t len, const Preprocess &pre, std::vector<float> &probs,
			std::string &error);

	// Forward of an already-made input tensor; `out` gets the raw first output, flattened.
	Status forward(const std::vector<float> &input, const Preprocess &pre, std::vector<float> &out,
		       std::string &error);

	// "xnnpack" or "opencv", and why XNNPACK was not used (empty when it was, or not tried).
	[[nodiscard]] const char *engine() const { return xnn_ ? "xnnpack" : "opencv"; }
	[[nodiscard]] const std::string &fallback_reason() const { return fallback_reason_; }

private:
	explicit Classifier(cv::dnn::Net net) : net_(std::move(net)) {}
	static std::unique_ptr<Classifier> configure(cv::dnn::Net net, std::string &error);
	// The XNNPACK attempt: a classifier, or nullptr with `reason` (and `fatal` when no engine may
	// take the model: not ONNX, or VACCEL_ONNX_ENGINE=xnnpack).
	static std::unique_ptr<Classifier> try_xnnpack(const void *data, size_t size, bool &fatal, std::string &reason);

	std::unique_ptr<XnnNet> xnn_;
	std::string fallback_reason_;
	std::mutex mu_;
	cv::dnn::Net net_;
};

// Softmax unless the mode (or, for Auto, the values) say the scores already are probabilities.
std::vector<float> to_probabilities(const std::vector<float> &scores, Preprocess::Softmax mode);

} // namespace vaccel::onnx
