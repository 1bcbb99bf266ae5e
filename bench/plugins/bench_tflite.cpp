// SPDX-License-Identifier: Apache-2.0
// tflite plugin benchmark: model load time, per-image latency (median), peak memory, and the
// ratio plugin / direct Arm NN with the same preprocessing, measured in the same run.
//
// Usage: bench_tflite [runs=20] [image=cat.bmp] [mode=both|plugin|direct]
//                     [model=mobilenet_v1_0.25_128_quant.tflite]
// Env: VACCEL_MODELS_DIR (models, images, labels), VACCEL_BENCH_PLUGIN_TFLITE (plugin .so).
// x86 Arm NN only has CpuRef (single-threaded): MobileNetV2-224 takes ~4 s per image, hence the
// small default model; pass mobilenet_v2_1.0_224_quant.tflite for the accuracy-test model.
#include "bench_image_common.hpp"
#include "image.hpp"

#include <armnn/ArmNN.hpp>
#include <armnnTfLiteParser/ITfLiteParser.hpp>

#include <memory>

namespace {

using namespace vaccel;
using bench::now_ms;

// The direct path: the Arm NN calls an application would make, with the same preprocessing
// (whole image resized to the input size, raw uint8 pixels) and the same top-1 labelling.
struct Direct {
	armnn::IRuntimePtr runtime{nullptr, &armnn::IRuntime::Destroy};
	armnn::NetworkId id = 0;
	armnnTfLiteParser::BindingPointInfo in;
	armnnTfLiteParser::BindingPointInfo out;
	image::Labels labels;
	double load_ms = 0;

	Direct(const std::string &model, const std::string &labels_path)
	{
		const double t0 = now_ms();
		auto parser = armnnTfLiteParser::ITfLiteParser::Create();
		armnn::INetworkPtr net = parser->CreateNetworkFromBinaryFile(model.c_str());
		in = parser->GetNetworkInputBindingInfo(0, parser->GetSubgraphInputTensorNames(0)[0]);
		out = parser->GetNetworkOutputBindingInfo(0, parser->GetSubgraphOutputTensorNames(0)[0]);
		runtime = armnn::IRuntime::Create(armnn::IRuntime::CreationOptions());
		auto opt = armnn::Optimize(*net, {armnn::BackendId("CpuRef")}, runtime->GetDeviceSpec());
		std::string err;
		if (runtime->LoadNetwork(id, std::move(opt), err, armnn::INetworkProperties()) !=
		    armnn::Status::Success) {
			std::fprintf(stderr, "Arm NN LoadNetwork: %s\n", err.c_str());
			std::exit(1);
		}
		load_ms = now_ms() - t0;
		if (!labels.load(labels_path, err)) {
			std::fprintf(stderr, "%s\n", err.c_str());
			std::exit(1);
		}
	}
	~Direct() { runtime->UnloadNetwork(id); }

	std::string classify(const std::vector<unsigned char> &bytes)
	{
		image::Image img;
		std::string err;
		if (!image::decode_rgb(bytes.data(), bytes.size(), img, err)) {
			std::fprintf(stderr, "%s\n", err.c_str());
			std::exit(1);
		}
		const auto &shape = in.second.GetShape();
		const image::Image resized =
			image::resize_bilinear(img, static_cast<int>(shape[2]), static_cast<int>(shape[1]));
		std::vector<uint8_t> result(out.second.GetNumBytes());
		runtime->EnqueueWorkload(id, {{in.first, armnn::ConstTensor(in.second, resized.pixels.data())}},
					 {{out.first, armnn::Tensor(out.second, result.data())}});
		const float scale = out.second.GetQuantizationScale();
		const int zp = out.second.GetQuantizationOffset();
		std::vector<float> scores;
		scores.reserve(result.size());
		for (uint8_t q : result)
			scores.push_back((static_cast<float>(q) - zp) * scale);
		return labels.name(image::top_k(scores, 1)[0].index);
	}
};

} // namespace

int main(int argc, char **argv)
{
	const auto args = bench::parse_image_bench_args(argc, argv, 20, "mobilenet_v1_0.25_128_quant.tflite",
							"imagenet_labels.txt", "VACCEL_BENCH_PLUGIN_TFLITE",
							VACCEL_BENCH_PLUGIN_TFLITE_DEFAULT);
	std::printf("tflite plugin benchmark: %s on %s, %d runs per path, mode %s, Arm NN CpuRef\n", args.model.c_str(),
		    args.image_path.c_str(), args.runs, args.mode.c_str());
	const auto img = bench::read_all_or_die(args.image_path);

	const auto direct = bench::start_direct<Direct>(args, img, "parse+optimize+load");
	std::unique_ptr<bench::PluginSession> plugin;
	if (args.do_plugin) {
		plugin = std::make_unique<bench::PluginSession>(args.plugin_so, args.model, args.labels);
		const double t0 = now_ms();
		bench::check_or_die(vaccel_tflite_model_load(plugin->session(), plugin->model()), "TFLITE_MODEL_LOAD");
		const double load = now_ms() - t0;
		const double t1 = now_ms();
		const std::string top = plugin->classify(img);
		std::printf("plugin  TFLITE_MODEL_LOAD: %.1f ms, first image: %.1f ms -> %s\n", load, now_ms() - t1,
			    top.c_str());
	}
	if (direct) // warm-up (one each: CpuRef runs are long and have no lazy init to amortise)
		direct->classify(img);
	if (plugin)
		plugin->classify(img);
	const auto t =
		bench::interleave(args.runs, direct ? std::function<void()>([&] { direct->classify(img); }) : nullptr,
				  plugin ? std::function<void()>([&] { plugin->classify(img); }) : nullptr);
	bench::report(t);
	return 0;
}
