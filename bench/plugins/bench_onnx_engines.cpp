// SPDX-License-Identifier: Apache-2.0
// onnx engines side by side: XNNPACK against OpenCV DNN on one model (engine layer, no vAccel),
// one engine per process so that each peak RSS is its own; onnx_engines.sh runs them in turn.
//
// Usage: bench_onnx_engines <xnnpack|opencv> [runs=50] [model=mobilenetv2-12-f32-opset10.onnx]
//                           [image=cat.bmp]
// Prints load time, the median / min wall and the median CPU time of `runs` forwards of the
// preprocessed image, top-1 and peak RSS (VmHWM). Env: VACCEL_MODELS_DIR.
#include "bench_util.hpp"
#include "image.hpp"
#include "onnx_classifier.hpp"

#include <opencv2/core/utility.hpp>

#include <ctime>
#include <iterator>

namespace {

using namespace vaccel;

double cpu_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::vector<char> read_or_die(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "cannot read %s (set VACCEL_MODELS_DIR)\n", path.c_str());
		std::exit(1);
	}
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char **argv)
{
	const std::string engine = argc > 1 ? argv[1] : "xnnpack";
	const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 50;
	const std::string dir = bench::env_or("VACCEL_MODELS_DIR", VACCEL_BENCH_MODELS_DIR);
	const std::string model_name = argc > 3 ? argv[3] : "mobilenetv2-12-f32-opset10.onnx";
	const std::string image = dir + "/" + (argc > 4 ? argv[4] : "cat.bmp");
	setenv("VACCEL_ONNX_ENGINE", engine.c_str(), 1);
	cv::setNumThreads(1);

	const auto bytes = read_or_die(dir + "/" + model_name);
	const auto img = read_or_die(image);
	std::string err;
	const double t0 = bench::now_ms();
	auto c = onnx::Classifier::from_buffer(bytes.data(), bytes.size(), err);
	const double load_ms = bench::now_ms() - t0;
	image::Labels labels;
	image::Image decoded;
	if (!c || !labels.load(dir + "/imagenet_labels_1000.txt", err) ||
	    !image::decode_rgb(img.data(), img.size(), decoded, err)) {
		std::fprintf(stderr, "%s\n", err.c_str());
		return 1;
	}
	const onnx::Preprocess pre;
	const auto input = onnx::make_input(decoded, pre);
	std::vector<float> out;
	for (int i = 0; i < 3; ++i) // warm-up
		if (c->forward(input, pre, out, err) != onnx::Status::Ok) {
			std::fprintf(stderr, "%s\n", err.c_str());
			return 1;
		}
	std::vector<double> wall, cpu;
	for (int i = 0; i < runs; ++i) {
		const double w = bench::now_ms();
		const double t = cpu_ms();
		c->forward(input, pre, out, err);
		cpu.push_back(cpu_ms() - t);
		wall.push_back(bench::now_ms() - w);
	}
	const auto probs = onnx::to_probabilities(out, pre.softmax);
	const auto best = image::top_k(probs, 1)[0];
	std::printf("%s on %s (%s), %d runs: load %.1f ms | forward median %.3f ms (min %.3f, CPU median "
		    "%.3f) | top-1 %s %.3f | peak RSS %.1f MiB\n",
		    model_name.c_str(), c->engine(), engine.c_str(), runs, load_ms, bench::median(wall),
		    bench::minimum(wall), bench::median(cpu), labels.name(best.index).c_str(), best.score,
		    bench::mib(bench::proc_status_kib("VmHWM")));
	return 0;
}
