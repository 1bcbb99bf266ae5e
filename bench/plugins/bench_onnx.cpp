// SPDX-License-Identifier: Apache-2.0
// onnx plugin benchmark: model load time, per-image latency (median), peak memory, and the ratio
// plugin / direct OpenCV DNN with the same preprocessing, measured in the same run.
//
// Usage: bench_onnx [runs=30] [image=cat.bmp] [mode=both|plugin|direct] [model=mobilenetv2-12-int8.onnx]
// Env: VACCEL_MODELS_DIR (models, images, labels), VACCEL_BENCH_PLUGIN_ONNX (plugin .so).
// Both paths use one OpenCV thread (the plugin default).
#include "bench_image_common.hpp"
#include "image.hpp"
#include "onnx_classifier.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include <memory>

namespace {

using namespace vaccel;
using bench::now_ms;

// The direct path: what an application would write with OpenCV DNN and the same helpers.
struct Direct {
	cv::dnn::Net net;
	image::Labels labels;
	double load_ms = 0;

	Direct(const std::string &model, const std::string &labels_path)
	{
		const double t0 = now_ms();
		net = cv::dnn::readNetFromONNX(model);
		net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
		net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
		load_ms = now_ms() - t0;
		std::string err;
		if (!labels.load(labels_path, err)) {
			std::fprintf(stderr, "%s\n", err.c_str());
			std::exit(1);
		}
	}

	std::string classify(const std::vector<unsigned char> &bytes)
	{
		image::Image img;
		std::string err;
		if (!image::decode_rgb(bytes.data(), bytes.size(), img, err)) {
			std::fprintf(stderr, "%s\n", err.c_str());
			std::exit(1);
		}
		std::vector<float> input = onnx::make_input(img, onnx::Preprocess{});
		const int dims[4] = {1, 3, 224, 224};
		net.setInput(cv::Mat(4, dims, CV_32F, input.data()));
		const cv::Mat out = net.forward();
		const auto *p = out.ptr<float>();
		const auto probs = image::softmax({p, p + out.total()});
		const auto best = image::top_k(probs, 1)[0];
		return labels.name(best.index);
	}
};

} // namespace

int main(int argc, char **argv)
{
	const auto args =
		bench::parse_image_bench_args(argc, argv, 30, "mobilenetv2-12-int8.onnx", "imagenet_labels_1000.txt",
					      "VACCEL_BENCH_PLUGIN_ONNX", VACCEL_BENCH_PLUGIN_ONNX_DEFAULT);
	cv::setNumThreads(1);
	std::printf("onnx plugin benchmark: %s on %s, %d runs per path, mode %s, 1 thread\n", args.model.c_str(),
		    args.image_path.c_str(), args.runs, args.mode.c_str());
	const auto img = bench::read_all_or_die(args.image_path);

	const auto direct = bench::start_direct<Direct>(args, img, "readNetFromONNX");
	std::unique_ptr<bench::PluginSession> plugin;
	double plugin_first_ms = 0;
	if (args.do_plugin) {
		const double t0 = now_ms();
		plugin = std::make_unique<bench::PluginSession>(args.plugin_so, args.model, args.labels);
		const double t1 = now_ms();
		const std::string top = plugin->classify(img); // loads the model on first use
		plugin_first_ms = now_ms() - t1;
		std::printf("plugin  load+session+register: %.1f ms, first image (incl. model load): %.1f ms -> %s\n",
			    t1 - t0, plugin_first_ms, top.c_str());
	}
	for (int i = 0; i < 2; ++i) { // warm-up
		if (direct)
			direct->classify(img);
		if (plugin)
			plugin->classify(img);
	}
	const auto t =
		bench::interleave(args.runs, direct ? std::function<void()>([&] { direct->classify(img); }) : nullptr,
				  plugin ? std::function<void()>([&] { plugin->classify(img); }) : nullptr);
	bench::report(t);
	if (args.do_plugin)
		std::printf("plugin  model load (first image - median image): %.1f ms\n",
			    plugin_first_ms - bench::median(t.plugin));
	return 0;
}
