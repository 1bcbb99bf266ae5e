// SPDX-License-Identifier: Apache-2.0
// OpenCV DNN engine of the onnx plugin; see onnx_classifier.hpp.
#include "onnx_classifier.hpp"
#include "xnn_graph.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string_view>

namespace vaccel::onnx {

namespace {

std::string lower(std::string s)
{
	std::transform(s.begin(), s.end(), s.begin(),
		       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return s;
}

} // namespace

bool preprocess_from_env(Preprocess &pre, std::string &error)
{
	Preprocess p = pre;
	if (!image::input_spec_from_env("VACCEL_ONNX_", p, error))
		return false;
	if (const char *v = image::env_value("VACCEL_ONNX_LAYOUT")) {
		const std::string l = lower(v);
		if (l == "nchw")
			p.layout = Preprocess::Layout::Nchw;
		else if (l == "nhwc")
			p.layout = Preprocess::Layout::Nhwc;
		else {
			error = std::string("VACCEL_ONNX_LAYOUT='") + v + "': expected NCHW or NHWC";
			return false;
		}
	}
	if (const char *v = image::env_value("VACCEL_ONNX_SOFTMAX")) {
		const std::string s = lower(v);
		if (s == "auto")
			p.softmax = Preprocess::Softmax::Auto;
		else if (s == "1" || s == "on" || s == "true")
			p.softmax = Preprocess::Softmax::On;
		else if (s == "0" || s == "off" || s == "false")
			p.softmax = Preprocess::Softmax::Off;
		else {
			error = std::string("VACCEL_ONNX_SOFTMAX='") + v + "': expected auto, 1 or 0";
			return false;
		}
	}
	pre = p;
	return true;
}

std::vector<float> make_input(const image::Image &img, const Preprocess &pre)
{
	const image::Image in = image::crop_and_resize(img, pre.width, pre.height, pre.crop);
	if (pre.layout == Preprocess::Layout::Nhwc)
		return image::to_float_interleaved(in, pre.mean, pre.std, pre.scale);
	return image::to_float_planar(in, pre.mean, pre.std, pre.scale);
}

std::vector<float> to_probabilities(const std::vector<float> &scores, Preprocess::Softmax mode)
{
	if (mode == Preprocess::Softmax::Off)
		return scores;
	if (mode == Preprocess::Softmax::Auto) {
		const bool in_unit =
			std::all_of(scores.begin(), scores.end(), [](float s) { return s >= 0.0F && s <= 1.0F; });
		const double sum = std::accumulate(scores.begin(), scores.end(), 0.0);
		if (in_unit && std::fabs(sum - 1.0) < 1e-3)
			return scores; // the network already ends in a softmax
	}
	return image::softmax(scores);
}

std::unique_ptr<Classifier> Classifier::configure(cv::dnn::Net net, std::string &error)
{
	if (net.empty()) {
		error = "OpenCV DNN returned an empty network";
		return nullptr;
	}
	net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
	net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
	return std::unique_ptr<Classifier>(new Classifier(std::move(net)));
}

std::unique_ptr<Classifier> Classifier::try_xnnpack(const void *data, size_t size, bool &fatal, std::string &reason)
{
	const OnnxEngine e = onnx_engine_from_env();
	fatal = false;
	if (e == OnnxEngine::OpenCV)
		return nullptr;
	bool corrupt = false;
	auto net = XnnNet::build(data, size, xnn::threads_from_env("VACCEL_ONNX_THREADS"), corrupt, reason);
	if (!net) {
		fatal = corrupt || e == OnnxEngine::Xnnpack;
		return nullptr;
	}
	std::unique_ptr<Classifier> c(new Classifier(cv::dnn::Net()));
	c->xnn_ = std::move(net);
	return c;
}

namespace {

// Models over kMaxModelBytes are refused from their size, before either engine reads them.
bool within_model_cap(size_t size, const std::string &what, std::string &error)
{
	if (size <= kMaxModelBytes)
		return true;
	error = what + " over the engine's limits: " + std::to_string(size) + " bytes (cap " +
		std::to_string(kMaxModelBytes >> 20) + " MiB)";
	return false;
}

} // namespace

std::unique_ptr<Classifier> Classifier::from_file(const std::string &path, std::string &error)
{
	std::error_code ec;
	const auto fsize = std::filesystem::file_size(path, ec);
	if (!ec && !within_model_cap(static_cast<size_t>(fsize), "ONNX model " + path, error))
		return nullptr;
	std::string reason;
	if (onnx_engine_from_env() != OnnxEngine::OpenCV) {
		std::ifstream in(path, std::ios::binary);
		const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
		bool fatal = false;
		if (auto c = try_xnnpack(bytes.data(), bytes.size(), fatal, reason))
			return c;
		if (fatal && in) {
			error = "ONNX model " + path + ": " + reason;
			return nullptr;
		}
	}
	try {
		auto c = configure(cv::dnn::readNetFromONNX(path), error);
		if (c)
			c->fallback_reason_ = reason;
		return c;
	} catch (const cv::Exception &e) {
		error = "OpenCV DNN cannot load ONNX model " + path + ": " + e.what();
	} catch (const std::exception &e) {
		error = "cannot load ONNX model " + path + ": " + e.what();
	}
	return nullptr;
}

std::unique_ptr<Classifier> Classifier::from_buffer(const void *data, size_t size, std::string &error)
{
	if (data == nullptr || size == 0) {
		error = "empty ONNX model buffer";
		return nullptr;
	}
	if (!within_model_cap(size, "ONNX model buffer", error))
		return nullptr;
	std::string reason;
	bool fatal = false;
	if (auto c = try_xnnpack(data, size, fatal, reason))
		return c;
	if (fatal) {
		error = "ONNX model: " + reason;
		return nullptr;
	}
	try {
		auto c = configure(cv::dnn::readNetFromONNX(static_cast<const char *>(data), size), error);
		if (c)
			c->fallback_reason_ = reason;
		return c;
	} catch (const cv::Exception &e) {
		error = std::string("OpenCV DNN cannot load the ONNX model buffer: ") + e.what();
	} catch (const std::exception &e) {
		error = std::string("cannot load the ONNX model buffer: ") + e.what();
	}
	return nullptr;
}

Status Classifier::forward(const std::vector<float> &input, const Preprocess &pre, std::vector<float> &out,
			   std::string &error)
{
	const size_t expected = static_cast<size_t>(pre.width) * pre.height * 3;
	if (input.size() != expected) {
		error = "input tensor has " + std::to_string(input.size()) + " values, expected " +
			std::to_string(expected);
		return Status::InvalidInput;
	}
	const bool nchw = pre.layout == Preprocess::Layout::Nchw;
	if (xnn_) {
		const auto &d = xnn_->input_dims();
		if (d[1] != 3 || d[2] != static_cast<size_t>(pre.height) || d[3] != static_cast<size_t>(pre.width)) {
			error = "the model takes a 1x" + std::to_string(d[1]) + "x" + std::to_string(d[2]) + "x" +
				std::to_string(d[3]) + " input, the preprocessing makes 3x" +
				std::to_string(pre.height) + "x" + std::to_string(pre.width);
			return Status::InvalidInput;
		}
		std::lock_guard lock(mu_);
		return xnn_->forward(input, !nchw, out, error) ? Status::Ok : Status::Backend;
	}
	const int dims[4] = {1, nchw ? 3 : pre.height, nchw ? pre.height : pre.width, nchw ? pre.width : 3};
	// The Mat borrows `input`; setInput copies it into the network's own blob.
	const cv::Mat blob(4, dims, CV_32F, const_cast<float *>(input.data()));
	try {
		std::lock_guard lock(mu_);
		net_.setInput(blob);
		cv::Mat result = net_.forward();
		if (result.depth() != CV_32F || result.total() == 0) {
			error = "model output is not a float tensor";
			return Status::Backend;
		}
		const cv::Mat flat = result.isContinuous() ? result : result.clone();
		const auto *p = flat.ptr<float>();
		out.assign(p, p + flat.total());
	} catch (const cv::Exception &e) {
		// Typically an input shape the model does not accept: say which one we used.
		error = std::string("OpenCV DNN forward failed (input ") + (nchw ? "NCHW 1x3x" : "NHWC 1x") +
			std::to_string(pre.height) + "x" + std::to_string(pre.width) + (nchw ? "" : "x3") +
			"): " + e.what();
		return Status::Backend;
	}
	return Status::Ok;
}

Status Classifier::classify(const void *img, size_t len, const Preprocess &pre, std::vector<float> &probs,
			    std::string &error)
{
	image::Image decoded;
	if (!image::decode_rgb(img, len, decoded, error))
		return Status::InvalidInput;
	std::vector<float> scores;
	if (const Status s = forward(make_input(decoded, pre), pre, scores, error); s != Status::Ok)
		return s;
	probs = to_probabilities(scores, pre.softmax);
	return Status::Ok;
}

} // namespace vaccel::onnx
