// SPDX-License-Identifier: Apache-2.0
// Torch plugin benchmark: model load time, per-image latency (median), peak memory, and the
// ratio plugin / direct libtorch with the same preprocessing, measured in the same run.
//
// Usage: bench_torch [runs=30] [image=cat.bmp] [mode=both|plugin|direct]
//   both   : direct and plugin paths interleaved (one direct, one plugin, ...) so that machine
//            noise hits both alike; prints the ratios.
//   plugin / direct : one path only, for a clean peak-RSS (VmHWM) figure of that path.
// Env: VACCEL_MODELS_DIR (models, images, labels), VACCEL_BENCH_PLUGIN_TORCH (plugin .so).
// Both paths use 1 intra-op thread (the plugin default; at::set_num_threads(1) for direct).
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <vaccel.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "bench_util.hpp"
#include "image.hpp"
#include "torch_preprocess.hpp"

namespace {

using namespace vaccel;
using bench::now_ms;

std::vector<unsigned char> read_all(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "cannot read %s (set VACCEL_MODELS_DIR)\n", path.c_str());
		std::exit(1);
	}
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The direct path: what an application would write with libtorch and the same helpers.
struct Direct {
	torch::jit::Module module;
	double load_ms = 0;

	explicit Direct(const std::string &model)
	{
		const double t0 = now_ms();
		module = torch::jit::load(model, torch::kCPU);
		module.eval();
		load_ms = now_ms() - t0;
	}

	std::vector<float> forward(torch_plugin::InputTensor &in)
	{
		c10::InferenceMode guard;
		auto t = torch::from_blob(in.data.data(), in.dims, torch::kFloat32);
		auto out = module.forward({t}).toTensor().contiguous();
		const float *p = out.data_ptr<float>();
		return {p, p + out.numel()};
	}

	// Full image path: decode + preprocess + forward + softmax + top-1 (as IMAGE_CLASSIFY).
	size_t classify(const std::vector<unsigned char> &img)
	{
		torch_plugin::InputTensor in;
		std::string error;
		if (!torch_plugin::make_input(img.data(), img.size(), {}, in, error)) {
			std::fprintf(stderr, "direct: %s\n", error.c_str());
			std::exit(1);
		}
		return image::top_k(image::softmax(forward(in)), 1).at(0).index;
	}
};

struct Plugin {
	vaccel_session sess{};
	vaccel_resource model{};
	vaccel_resource labels{};
	double load_ms = 0;

	Plugin(const std::string &so, const std::string &model_path, const std::string &labels_path)
	{
		check(vaccel_plugin_load(so.c_str()), "plugin load");
		check(vaccel_session_init(&sess, VACCEL_PLUGIN_TORCH), "session init");
		check(vaccel_resource_init(&model, model_path.c_str(), VACCEL_RESOURCE_MODEL), "model");
		check(vaccel_resource_init(&labels, labels_path.c_str(), VACCEL_RESOURCE_DATA), "labels");
		check(vaccel_resource_register(&model, &sess), "register model");
		check(vaccel_resource_register(&labels, &sess), "register labels");
		const double t0 = now_ms();
		check(vaccel_torch_model_load(&sess, &model), "TORCH_MODEL_LOAD");
		load_ms = now_ms() - t0;
	}
	~Plugin()
	{
		vaccel_resource_unregister(&labels, &sess);
		vaccel_resource_unregister(&model, &sess);
		vaccel_resource_release(&labels);
		vaccel_resource_release(&model);
		vaccel_session_release(&sess);
	}

	static void check(int ret, const char *what)
	{
		if (ret != VACCEL_OK) {
			std::fprintf(stderr, "plugin: %s failed: %d\n", what, ret);
			std::exit(1);
		}
	}

	std::string classify(const std::vector<unsigned char> &img)
	{
		unsigned char text[256] = {};
		unsigned char name[64] = {};
		check(vaccel_image_classification(&sess, img.data(), text, name, img.size(), sizeof(text),
						  sizeof(name)),
		      "IMAGE_CLASSIFY");
		return reinterpret_cast<char *>(text);
	}

	void run(torch_plugin::InputTensor &in)
	{
		vaccel_torch_tensor *t = nullptr;
		check(vaccel_torch_tensor_new(&t, 4, in.dims.data(), VACCEL_TORCH_FLOAT), "tensor new");
		t->data = in.data.data();
		t->size = in.data.size() * sizeof(float);
		t->owned = false;
		vaccel_torch_tensor *out = nullptr;
		check(vaccel_torch_model_run(&sess, &model, nullptr, &t, 1, &out, 1), "TORCH_MODEL_RUN");
		vaccel_torch_tensor_delete(out);
		vaccel_torch_tensor_delete(t);
	}
};

struct Series {
	std::vector<double> ms;
	void add(double v) { ms.push_back(v); }
	[[nodiscard]] double med() const { return bench::median(ms); }
	[[nodiscard]] double min() const { return bench::minimum(ms); }
};

} // namespace

int main(int argc, char **argv)
{
	const int runs = argc > 1 ? std::max(20, std::atoi(argv[1])) : 30;
	const std::string image_name = argc > 2 ? argv[2] : "cat.bmp";
	const std::string mode = argc > 3 ? argv[3] : "both";
	const bool do_direct = mode != "plugin";
	const bool do_plugin = mode != "direct";
	const std::string dir = bench::env_or("VACCEL_MODELS_DIR", VACCEL_BENCH_MODELS_DIR);
	const std::string so = bench::env_or("VACCEL_BENCH_PLUGIN_TORCH", VACCEL_BENCH_PLUGIN_TORCH);
	const std::string model = dir + "/mobilenetv2-12-f32.torchscript.pt";
	const std::string labels = dir + "/imagenet_labels_1000.txt";
	const auto img = read_all(dir + "/" + image_name);
	at::set_num_threads(1);

	std::printf("torch plugin benchmark: %s, %d runs per path, mode %s, 1 intra-op thread\n", image_name.c_str(),
		    runs, mode.c_str());
	std::printf("RSS before loading anything: %.1f MiB\n", bench::mib(bench::proc_status_kib("VmRSS")));

	// The first jit::load in a process also pays libtorch's one-time initialisation; take it
	// here so that the two timed loads below compare like with like.  (Not in the single-path
	// modes, whose peak RSS must include only that path.)
	if (do_direct && do_plugin) {
		const double t0 = now_ms();
		Direct cold(model);
		std::printf("first (cold) torch::jit::load in this process: %.1f ms\n", now_ms() - t0);
	}
	std::unique_ptr<Direct> direct;
	std::unique_ptr<Plugin> plugin;
	if (do_direct) {
		direct = std::make_unique<Direct>(model);
		std::printf("direct  torch::jit::load: %.1f ms\n", direct->load_ms);
	}
	if (do_plugin) {
		plugin = std::make_unique<Plugin>(so, model, labels);
		std::printf("plugin  TORCH_MODEL_LOAD: %.1f ms\n", plugin->load_ms);
	}
	std::printf("RSS after load: %.1f MiB\n", bench::mib(bench::proc_status_kib("VmRSS")));

	torch_plugin::InputTensor input;
	std::string error;
	if (!torch_plugin::make_input(img.data(), img.size(), {}, input, error)) {
		std::fprintf(stderr, "%s\n", error.c_str());
		return 1;
	}
	// Warm up both (the profiling executor makes the first forwards slow).
	for (int i = 0; i < 3; ++i) {
		if (direct)
			direct->classify(img);
		if (plugin)
			plugin->classify(img);
	}
	if (plugin)
		std::printf("plugin says: %s\n", plugin->classify(img).c_str());

	Series d_img, p_img, d_run, p_run;
	for (int i = 0; i < runs; ++i) {
		// Alternate which path goes first so neither always follows the other.
		for (int turn = 0; turn < 2; ++turn) {
			const bool direct_turn = (turn == 0) == (i % 2 == 0);
			if (direct_turn && direct) {
				double t0 = now_ms();
				direct->classify(img);
				d_img.add(now_ms() - t0);
				t0 = now_ms();
				direct->forward(input);
				d_run.add(now_ms() - t0);
			} else if (!direct_turn && plugin) {
				double t0 = now_ms();
				plugin->classify(img);
				p_img.add(now_ms() - t0);
				t0 = now_ms();
				plugin->run(input);
				p_run.add(now_ms() - t0);
			}
		}
	}
	if (direct)
		std::printf(
			"direct  image path (decode+preprocess+forward+top1): median %.2f ms | forward only: %.2f ms\n",
			d_img.med(), d_run.med());
	if (plugin)
		std::printf("plugin  IMAGE_CLASSIFY:                              median %.2f ms | TORCH_MODEL_RUN: "
			    "%.2f ms\n",
			    p_img.med(), p_run.med());
	if (direct && plugin) {
		std::printf("ratio plugin/direct (medians): IMAGE_CLASSIFY %.3f, TORCH_MODEL_RUN %.3f\n",
			    p_img.med() / d_img.med(), p_run.med() / d_run.med());
		// Minimums are the least noise-sensitive view of the added cost on a busy machine.
		std::printf("ratio plugin/direct (minimums): IMAGE_CLASSIFY %.3f (%.2f / %.2f ms), "
			    "TORCH_MODEL_RUN %.3f (%.2f / %.2f ms)\n",
			    p_img.min() / d_img.min(), p_img.min(), d_img.min(), p_run.min() / d_run.min(), p_run.min(),
			    d_run.min());
	}
	std::printf("peak RSS (VmHWM): %.1f MiB\n", bench::mib(bench::proc_status_kib("VmHWM")));
	plugin.reset();
	return 0;
}
