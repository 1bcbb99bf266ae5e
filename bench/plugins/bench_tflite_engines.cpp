// SPDX-License-Identifier: Apache-2.0
// tflite engines side by side: XNNPACK against Arm NN CpuRef on one model (engine layer, no
// vAccel), one engine per process so that each peak RSS is its own. tflite_engines.sh runs the
// processes in turn, pinned, and prints the ratios.
//
// Usage: bench_tflite_engines <xnnpack|armnn> [runs=20] [threads=1]
//                             [model=mobilenet_v2_1.0_224_quant.tflite] [image=cat.bmp]
// Prints load time, the median / min of `runs` inferences on the preprocessed image (the op an
// engine is responsible for), the median of the whole image path (decode + resize + run), top-1,
// and peak RSS (VmHWM). Env: VACCEL_MODELS_DIR.
#include "bench_util.hpp"
#include "image.hpp"
#include "tflite_model.hpp"

#include <ctime>

namespace {

using namespace vaccel;

double cpu_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::vector<unsigned char> read_or_die(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "cannot read %s (set VACCEL_MODELS_DIR)\n", path.c_str());
		std::exit(1);
	}
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void die_unless(tflite::Status s, const std::string &what, const std::string &err)
{
	if (s != tflite::Status::Ok) {
		std::fprintf(stderr, "%s: %s\n", what.c_str(), err.c_str());
		std::exit(1);
	}
}

} // namespace

int main(int argc, char **argv)
{
	const std::string engine = argc > 1 ? argv[1] : "xnnpack";
	const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
	const size_t threads = argc > 3 ? static_cast<size_t>(std::max(1, std::atoi(argv[3]))) : 1;
	const std::string dir = bench::env_or("VACCEL_MODELS_DIR", VACCEL_BENCH_MODELS_DIR);
	const std::string model = dir + "/" + (argc > 4 ? argv[4] : "mobilenet_v2_1.0_224_quant.tflite");
	const std::string image = dir + "/" + (argc > 5 ? argv[5] : "cat.bmp");
	tflite::LoadOptions opts;
	opts.engine = engine == "armnn" ? tflite::Engine::ArmNN : tflite::Engine::Xnnpack;
	opts.threads = threads;

	auto bytes = read_or_die(model);
	const auto img = read_or_die(image);
	tflite::Status st = tflite::Status::Ok;
	std::string err;
	const double t0 = bench::now_ms();
	auto m = tflite::Model::load(std::move(bytes), opts, st, err);
	const double load_ms = bench::now_ms() - t0;
	if (!m)
		die_unless(st == tflite::Status::Ok ? tflite::Status::Backend : st, "load", err);
	image::Labels labels;
	if (!labels.load(dir + "/imagenet_labels.txt", err))
		die_unless(tflite::Status::Backend, "labels", err);

	image::Image decoded;
	if (!image::decode_rgb(img.data(), img.size(), decoded, err))
		die_unless(tflite::Status::InvalidInput, "image", err);
	std::vector<uint8_t> input;
	die_unless(m->make_image_input(decoded, input, err), "input", err);
	std::vector<std::vector<uint8_t>> out;
	die_unless(m->run({input.data()}, out, err), "warm-up", err); // first run: lazy setup

	std::vector<double> wall, cpu, path;
	for (int i = 0; i < runs; ++i) {
		const double w = bench::now_ms();
		const double c = cpu_ms();
		die_unless(m->run({input.data()}, out, err), "run", err);
		cpu.push_back(cpu_ms() - c);
		wall.push_back(bench::now_ms() - w);
	}
	std::vector<float> scores;
	for (int i = 0; i < std::max(5, runs / 4); ++i) {
		const double w = bench::now_ms();
		die_unless(m->classify(img.data(), img.size(), scores, err), "classify", err);
		path.push_back(bench::now_ms() - w);
	}
	const auto best = image::top_k(scores, 1)[0];
	std::printf("engine %s (%s), threads %zu, %d runs: load %.1f ms | run median %.3f ms "
		    "(min %.3f, CPU median %.3f) | image path median %.3f ms | top-1 %s %.3f | "
		    "peak RSS %.1f MiB\n",
		    engine.c_str(), m->backends().at(0).c_str(), threads, runs, load_ms, bench::median(wall),
		    bench::minimum(wall), bench::median(cpu), bench::median(path), labels.name(best.index).c_str(),
		    best.score, bench::mib(bench::proc_status_kib("VmHWM")));
	return 0;
}
