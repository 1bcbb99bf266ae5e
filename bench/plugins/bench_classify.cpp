// SPDX-License-Identifier: Apache-2.0
// One engine, one process: IMAGE_CLASSIFY through any image plugin, for the side-by-side CPU
// engine run (bench/plugins/cpu_engines.sh).  Prints the top-1 of the five shared images, then
// times `runs` classifications of one image (after 5 warm-ups) and, interleaved with them, the
// image decode + preprocessing alone, so that the inference share can be compared with engines
// timed on a ready tensor (ONNX Runtime in bench/ort).  BENCH_WARMUP (5) sets the warm-ups.
// Wall and process CPU time are both recorded (CPU time is the steadier figure on a loaded
// machine); peak RSS is VmHWM at the end.
//
// usage: bench_classify NAME PLUGIN_SO MODEL LABELS [runs=30] [image=cat.bmp] [prep=crop|whole]
//        bench_classify --dump-input IMAGE OUT   (the ONNX/torch NCHW float input, for bench/ort)
// Relative MODEL/LABELS/IMAGE names are looked up in $VACCEL_MODELS_DIR.
#include <vaccel.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "bench_util.hpp"
#include "image.hpp"

namespace {

using namespace vaccel;

double cpu_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string in_models(const std::string &name)
{
	if (std::filesystem::exists(name))
		return name;
	return bench::env_or("VACCEL_MODELS_DIR", VACCEL_BENCH_MODELS_DIR) + "/" + name;
}

std::vector<uint8_t> read_or_die(const std::string &path)
{
	std::vector<uint8_t> bytes;
	std::string error;
	if (!image::read_file(path, bytes, error)) {
		std::fprintf(stderr, "bench_classify: %s\n", error.c_str());
		std::exit(1);
	}
	return bytes;
}

void check(int ret, const char *what)
{
	if (ret != VACCEL_OK) {
		std::fprintf(stderr, "bench_classify: %s failed: %d\n", what, ret);
		std::exit(1);
	}
}

// Decode + the preprocessing the plugin does: ImageNet crop and normalisation (onnx, torch), or
// the whole image resized to 224x224 uint8 (tflite).
size_t preprocess(const std::vector<uint8_t> &img, bool crop)
{
	image::Image rgb;
	std::string error;
	if (!image::decode_rgb(img.data(), img.size(), rgb, error)) {
		std::fprintf(stderr, "bench_classify: %s\n", error.c_str());
		std::exit(1);
	}
	if (!crop)
		return image::resize_bilinear(rgb, 224, 224).pixels.size();
	const auto in = image::crop_and_resize(rgb, 224, 224, 224.0 / 256.0);
	return image::to_float_planar(in, image::kImagenetMean, image::kImagenetStd).size();
}

int dump_input(const std::string &image_name, const std::string &out)
{
	const auto img = read_or_die(in_models(image_name));
	image::Image rgb;
	std::string error;
	if (!image::decode_rgb(img.data(), img.size(), rgb, error)) {
		std::fprintf(stderr, "bench_classify: %s\n", error.c_str());
		return 1;
	}
	const auto t = image::to_float_planar(image::crop_and_resize(rgb, 224, 224, 224.0 / 256.0),
					      image::kImagenetMean, image::kImagenetStd);
	std::ofstream f(out, std::ios::binary);
	f.write(reinterpret_cast<const char *>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
	return f ? 0 : 1;
}

std::string classify(vaccel_session &sess, const std::vector<uint8_t> &img)
{
	unsigned char text[256] = {};
	unsigned char name[128] = {};
	check(vaccel_image_classification(&sess, img.data(), text, name, img.size(), sizeof(text), sizeof(name)),
	      "IMAGE_CLASSIFY");
	return reinterpret_cast<char *>(text);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc == 4 && std::string(argv[1]) == "--dump-input")
		return dump_input(argv[2], argv[3]);
	if (argc < 5) {
		std::fprintf(stderr, "usage: bench_classify NAME PLUGIN_SO MODEL LABELS [runs=30] "
				     "[image=cat.bmp] [prep=crop|whole]\n");
		return 2;
	}
	const std::string name = argv[1];
	const int runs = argc > 5 ? std::max(1, std::atoi(argv[5])) : 30;
	const std::string image_name = argc > 6 ? argv[6] : "cat.bmp";
	const bool crop = !(argc > 7 && std::string(argv[7]) == "whole");

	vaccel_session sess{};
	vaccel_resource model{};
	vaccel_resource labels{};
	check(vaccel_plugin_load(argv[2]), "plugin load");
	check(vaccel_session_init(&sess, 0), "session init");
	check(vaccel_resource_init(&model, in_models(argv[3]).c_str(), VACCEL_RESOURCE_MODEL), "model");
	check(vaccel_resource_init(&labels, in_models(argv[4]).c_str(), VACCEL_RESOURCE_DATA), "labels");
	check(vaccel_resource_register(&model, &sess), "register model");
	check(vaccel_resource_register(&labels, &sess), "register labels");

	// First call loads the model: report it separately, with each image's top-1.
	const double t0 = bench::now_ms();
	std::string top1 = classify(sess, read_or_die(in_models("cat.bmp")));
	const double first_ms = bench::now_ms() - t0;
	std::printf("%s first call (model load + classify) %.1f ms\n", name.c_str(), first_ms);
	for (const char *img : {"cat.bmp", "grace_hopper.bmp", "parrot.jpg", "hot_dog.jpg", "bird.bmp"})
		std::printf("%s top-1 %-17s %s\n", name.c_str(), img,
			    classify(sess, read_or_die(in_models(img))).c_str());

	const auto img = read_or_die(in_models(image_name));
	const int warmup = std::atoi(bench::env_or("BENCH_WARMUP", "5").c_str());
	for (int i = 0; i < warmup; ++i)
		classify(sess, img);
	std::vector<double> wall, cpu, prep_wall, prep_cpu;
	size_t sink = 0;
	for (int i = 0; i < runs; ++i) {
		double w = bench::now_ms(), c = cpu_ms();
		classify(sess, img);
		wall.push_back(bench::now_ms() - w);
		cpu.push_back(cpu_ms() - c);
		w = bench::now_ms();
		c = cpu_ms();
		sink += preprocess(img, crop);
		prep_wall.push_back(bench::now_ms() - w);
		prep_cpu.push_back(cpu_ms() - c);
	}
	const long hwm = bench::proc_status_kib("VmHWM");
	std::printf("RESULT engine=%s runs=%d classify_wall_ms=%.2f classify_cpu_ms=%.2f "
		    "classify_min_ms=%.2f prep_wall_ms=%.2f prep_cpu_ms=%.2f infer_cpu_ms=%.2f "
		    "peak_rss_mib=%.0f (%zu)\n",
		    name.c_str(), runs, bench::median(wall), bench::median(cpu), bench::minimum(wall),
		    bench::median(prep_wall), bench::median(prep_cpu), bench::median(cpu) - bench::median(prep_cpu),
		    bench::mib(hwm), sink / runs);
	vaccel_resource_unregister(&labels, &sess);
	vaccel_resource_unregister(&model, &sess);
	vaccel_resource_release(&labels);
	vaccel_resource_release(&model);
	vaccel_session_release(&sess);
	return 0;
}
