// SPDX-License-Identifier: Apache-2.0
// Shared driver of the onnx and tflite plugin benchmarks: the plugin path (vAccel C API, the plugin
// .so loaded with vaccel_plugin_load) against a direct engine path doing the same work (decode,
// preprocess, inference, top-1 label), interleaved run by run in one process so machine noise
// hits both alike.  Modes: both (ratio), plugin or direct only (clean peak-RSS figure).
#pragma once

#include "bench_util.hpp"

#include <vaccel.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace vaccel::bench {

// Command line of the image benchmarks: [runs] [image] [both|plugin|direct] [model file], image
// and model relative to $VACCEL_MODELS_DIR; the plugin .so from $<plugin_env> or the build tree.
struct ImageBenchArgs {
	int runs = 0;
	std::string image_path;
	std::string mode;
	std::string model;
	std::string labels;
	std::string plugin_so;
	bool do_direct = true;
	bool do_plugin = true;
};

inline ImageBenchArgs parse_image_bench_args(int argc, char **argv, int default_runs, const char *default_model,
					     const char *labels_file, const char *plugin_env,
					     const char *plugin_default)
{
	ImageBenchArgs a;
	a.runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : default_runs;
	const std::string dir = env_or("VACCEL_MODELS_DIR", VACCEL_BENCH_MODELS_DIR);
	a.image_path = dir + "/" + (argc > 2 ? argv[2] : "cat.bmp");
	a.mode = argc > 3 ? argv[3] : "both";
	a.model = dir + "/" + (argc > 4 ? argv[4] : default_model);
	a.labels = dir + "/" + labels_file;
	a.plugin_so = env_or(plugin_env, plugin_default);
	a.do_direct = a.mode != "plugin";
	a.do_plugin = a.mode != "direct";
	return a;
}

inline std::vector<unsigned char> read_all_or_die(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "cannot read %s (set VACCEL_MODELS_DIR)\n", path.c_str());
		std::exit(1);
	}
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void check_or_die(int rc, const char *what)
{
	if (rc != VACCEL_OK) {
		std::fprintf(stderr, "plugin: %s failed: %d\n", what, rc);
		std::exit(1);
	}
}

// A session with a MODEL and a DATA (labels) resource registered, released on destruction.
class PluginSession {
public:
	PluginSession(const std::string &so, const std::string &model, const std::string &labels)
	{
		check_or_die(vaccel_plugin_load(so.c_str()), "plugin load");
		check_or_die(vaccel_session_init(&sess_, 0), "session init");
		check_or_die(vaccel_resource_init(&model_, model.c_str(), VACCEL_RESOURCE_MODEL), "model");
		check_or_die(vaccel_resource_init(&labels_, labels.c_str(), VACCEL_RESOURCE_DATA), "labels");
		check_or_die(vaccel_resource_register(&model_, &sess_), "register model");
		check_or_die(vaccel_resource_register(&labels_, &sess_), "register labels");
	}
	~PluginSession()
	{
		vaccel_resource_unregister(&labels_, &sess_);
		vaccel_resource_unregister(&model_, &sess_);
		vaccel_resource_release(&labels_);
		vaccel_resource_release(&model_);
		vaccel_session_release(&sess_);
	}
	PluginSession(const PluginSession &) = delete;
	PluginSession &operator=(const PluginSession &) = delete;

	std::string classify(const std::vector<unsigned char> &img)
	{
		unsigned char text[512] = {};
		unsigned char name[256] = {};
		check_or_die(vaccel_image_classification(&sess_, img.data(), text, name, img.size(), sizeof(text),
							 sizeof(name)),
			     "IMAGE_CLASSIFY");
		return reinterpret_cast<char *>(text);
	}
	struct vaccel_session *session() { return &sess_; }
	struct vaccel_resource *model() { return &model_; }

private:
	struct vaccel_session sess_ {};
	struct vaccel_resource model_ {};
	struct vaccel_resource labels_ {};
};

// The direct path's engine (nullptr in plugin-only mode), loaded and timed on a first image:
// prints "direct  <load_what>: <load> ms, first image: <t> ms -> <top-1>".  Direct has a
// (model, labels) constructor, a load_ms figure and classify(img) -> top-1 text.
template <class Direct>
std::unique_ptr<Direct> start_direct(const ImageBenchArgs &args, const std::vector<unsigned char> &img,
				     const char *load_what)
{
	if (!args.do_direct)
		return nullptr;
	auto direct = std::make_unique<Direct>(args.model, args.labels);
	const double t0 = now_ms();
	const std::string top = direct->classify(img);
	std::printf("direct  %s: %.1f ms, first image: %.1f ms -> %s\n", load_what, direct->load_ms, now_ms() - t0,
		    top.c_str());
	return direct;
}

struct Timings {
	std::vector<double> direct;
	std::vector<double> plugin;
};

// Runs `runs` iterations, alternating which path goes first each iteration.
inline Timings interleave(int runs, const std::function<void()> &direct, const std::function<void()> &plugin)
{
	Timings t;
	for (int i = 0; i < runs; ++i) {
		for (int turn = 0; turn < 2; ++turn) {
			const bool direct_turn = ((i + turn) % 2) == 0;
			const auto &fn = direct_turn ? direct : plugin;
			if (!fn)
				continue;
			const double t0 = now_ms();
			fn();
			(direct_turn ? t.direct : t.plugin).push_back(now_ms() - t0);
		}
	}
	return t;
}

inline void report(const Timings &t)
{
	const double d = median(t.direct);
	const double p = median(t.plugin);
	if (!t.direct.empty())
		std::printf("direct  per image: median %.2f ms (min %.2f, n=%zu)\n", d,
			    *std::min_element(t.direct.begin(), t.direct.end()), t.direct.size());
	if (!t.plugin.empty())
		std::printf("plugin  per image: median %.2f ms (min %.2f, n=%zu)\n", p,
			    *std::min_element(t.plugin.begin(), t.plugin.end()), t.plugin.size());
	if (!t.direct.empty() && !t.plugin.empty())
		std::printf("ratio plugin/direct (median): %.3f  (target <= 1.05)\n", p / d);
	std::printf("memory: VmRSS %.1f MiB, peak VmHWM %.1f MiB\n", mib(proc_status_kib("VmRSS")),
		    mib(proc_status_kib("VmHWM")));
}

} // namespace vaccel::bench
