// SPDX-License-Identifier: Apache-2.0
// Arm NN engine of the tflite plugin; see tflite_model.hpp.
#include "tflite_model.hpp"

#include "tflite_xnn.hpp"
#include "xnn_graph.hpp"

#include <armnn/ArmNN.hpp>
#include <armnn/BackendRegistry.hpp>
#include <armnnTfLiteParser/ITfLiteParser.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <sstream>

namespace vaccel::tflite {

namespace {

constexpr int32_t kBuiltinCustom = 32;
constexpr const char *kEdgeTpuOp = "edgetpu-custom-op";

// ---- Arm NN helpers ----------------------------------------------------------------------

DType to_dtype(armnn::DataType t)
{
	switch (t) {
	case armnn::DataType::Float32:
		return DType::Float32;
	case armnn::DataType::Float16:
		return DType::Float16;
	case armnn::DataType::QAsymmU8:
		return DType::UInt8;
	case armnn::DataType::QAsymmS8:
	case armnn::DataType::QSymmS8:
		return DType::Int8;
	case armnn::DataType::QSymmS16:
		return DType::Int16;
	case armnn::DataType::Signed32:
		return DType::Int32;
	case armnn::DataType::Boolean:
		return DType::Bool;
	default:
		return DType::NoType;
	}
}

TensorDesc describe(const std::string &name, const armnn::TensorInfo &info)
{
	TensorDesc d;
	d.name = name;
	for (unsigned i = 0; i < info.GetNumDimensions(); ++i)
		d.dims.push_back(static_cast<int32_t>(info.GetShape()[i]));
	d.dtype = to_dtype(info.GetDataType());
	d.bytes = info.GetNumBytes();
	if (info.IsQuantized()) {
		d.scale = info.GetQuantizationScale();
		d.zero_point = info.GetQuantizationOffset();
	}
	return d;
}

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : ", ") + x;
	return s;
}

// Arm NN's runtime constructor touches the global backend registry; create runtimes one at a time.
std::mutex g_runtime_create_mu;

// Refuses models with custom operators before Arm NN sees them, naming what is missing.
Status check_custom_ops(const std::vector<uint8_t> &bytes, std::string &error)
{
	std::vector<OperatorCode> codes;
	if (!read_operator_codes(bytes.data(), bytes.size(), codes, error))
		return Status::Backend;
	for (const OperatorCode &c : codes) {
		if (c.builtin != kBuiltinCustom)
			continue;
		if (c.custom == kEdgeTpuOp) {
			error = "model is compiled for the Coral Edge TPU (custom op 'edgetpu-custom-op'): "
				"it needs the Edge TPU runtime (libedgetpu) and an Edge TPU device, which this "
				"plugin does not use. Use the CPU version of the model instead, i.e. the same "
				"model without the '_edgetpu' suffix (e.g. mobilenet_v2_1.0_224_quant.tflite "
				"instead of mobilenet_v2_1.0_224_quant_edgetpu.tflite)";
		} else {
			error = "model uses the custom operator '" + c.custom + "', which Arm NN does not implement";
		}
		return Status::Unsupported;
	}
	return Status::Ok;
}

} // namespace

const char *dtype_name(DType t)
{
	switch (t) {
	case DType::Float32:
		return "float32";
	case DType::Int32:
		return "int32";
	case DType::UInt8:
		return "uint8";
	case DType::Bool:
		return "bool";
	case DType::Int16:
		return "int16";
	case DType::Int8:
		return "int8";
	case DType::Float16:
		return "float16";
	default:
		return "unsupported";
	}
}

size_t dtype_size(DType t)
{
	switch (t) {
	case DType::Float32:
	case DType::Int32:
		return 4;
	case DType::Int16:
	case DType::Float16:
		return 2;
	case DType::UInt8:
	case DType::Int8:
	case DType::Bool:
		return 1;
	default:
		return 0;
	}
}

std::vector<std::string> preferred_backends()
{
	std::vector<std::string> order;
	if (const char *env = std::getenv("VACCEL_TFLITE_BACKENDS"); env != nullptr && *env != '\0') {
		std::stringstream ss(env);
		std::string item;
		while (std::getline(ss, item, ','))
			if (!item.empty())
				order.push_back(item);
	}
	if (order.empty())
		order = {"GpuAcc", "CpuAcc", "CpuRef"};
	return order;
}

struct Model::Impl {
	std::unique_ptr<XnnEngine> xnn; // set: the model runs on XNNPACK
	std::vector<uint8_t> bytes;     // the flatbuffer while XNNPACK builds (it copies the weights)
	armnn::IRuntimePtr runtime{nullptr, &armnn::IRuntime::Destroy};
	armnn::NetworkId net_id = 0;
	bool loaded = false;
	std::vector<armnn::BindingPointInfo> in_bind;
	std::vector<armnn::BindingPointInfo> out_bind;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Model::~Model()
{
	if (impl_ && impl_->loaded && impl_->runtime)
		impl_->runtime->UnloadNetwork(impl_->net_id);
}

const char *engine_name(Engine e)
{
	switch (e) {
	case Engine::Auto:
		return "auto";
	case Engine::Xnnpack:
		return "xnnpack";
	case Engine::ArmNN:
		return "armnn";
	}
	return "auto";
}

LoadOptions load_options_from_env()
{
	LoadOptions o;
	if (const char *env = std::getenv("VACCEL_TFLITE_ENGINE"); env != nullptr) {
		const std::string v = env;
		o.engine = v == "xnnpack" ? Engine::Xnnpack : v == "armnn" ? Engine::ArmNN : Engine::Auto;
	}
	o.threads = vaccel::xnn::threads_from_env("VACCEL_TFLITE_THREADS");
	return o;
}

std::unique_ptr<Model> Model::load(std::vector<uint8_t> bytes, Status &status, std::string &error)
{
	return load(std::move(bytes), load_options_from_env(), status, error);
}

std::unique_ptr<Model> Model::load(std::vector<uint8_t> bytes, const LoadOptions &opts, Status &status,
				   std::string &error)
{
	std::string why_not_xnn;
	if (opts.engine != Engine::ArmNN) {
		auto impl = std::make_unique<Impl>();
		impl->bytes = std::move(bytes);
		impl->xnn = XnnEngine::build(impl->bytes, opts.threads, status, why_not_xnn);
		if (impl->xnn) {
			impl->bytes = {}; // the graph holds its own copies of the weights
			std::unique_ptr<Model> model(new Model(std::move(impl)));
			model->inputs_ = model->impl_->xnn->inputs();
			model->outputs_ = model->impl_->xnn->outputs();
			model->backends_ = {"XNNPACK"};
			model->engine_ = Engine::Xnnpack;
			return model;
		}
		bytes = std::move(impl->bytes);
		// A flatbuffer our reader refuses is refused whatever the engine; anything else the
		// XNNPACK engine lacks is left to Arm NN, unless XNNPACK was asked for.
		if (status == Status::InvalidInput || opts.engine == Engine::Xnnpack) {
			status = status == Status::InvalidInput ? Status::Backend : status;
			error = why_not_xnn;
			return nullptr;
		}
	}
	auto model = load_armnn(std::move(bytes), status, error);
	if (model)
		model->fallback_reason_ = why_not_xnn;
	return model;
}

std::unique_ptr<Model> Model::load_armnn(std::vector<uint8_t> bytes, Status &status, std::string &error)
{
	status = check_custom_ops(bytes, error);
	if (status != Status::Ok)
		return nullptr;
	status = Status::Backend;
	try {
		auto parser = armnnTfLiteParser::ITfLiteParser::Create();
		armnn::INetworkPtr net = parser->CreateNetworkFromBinary(bytes);
		if (parser->GetSubgraphCount() != 1) {
			status = Status::Unsupported;
			error = "models with " + std::to_string(parser->GetSubgraphCount()) +
				" subgraphs are not supported (expected 1)";
			return nullptr;
		}
		auto impl = std::make_unique<Impl>();
		std::vector<TensorDesc> ins;
		std::vector<TensorDesc> outs;
		for (const auto &name : parser->GetSubgraphInputTensorNames(0)) {
			impl->in_bind.push_back(parser->GetNetworkInputBindingInfo(0, name));
			ins.push_back(describe(name, impl->in_bind.back().second));
		}
		for (const auto &name : parser->GetSubgraphOutputTensorNames(0)) {
			impl->out_bind.push_back(parser->GetNetworkOutputBindingInfo(0, name));
			outs.push_back(describe(name, impl->out_bind.back().second));
		}
		{
			std::lock_guard lock(g_runtime_create_mu);
			impl->runtime = armnn::IRuntime::Create(armnn::IRuntime::CreationOptions());
		}
		// Keep the preferred order, dropping backends this machine does not have.
		const armnn::BackendIdSet &present = impl->runtime->GetDeviceSpec().GetSupportedBackends();
		std::vector<armnn::BackendId> use;
		std::vector<std::string> names;
		for (const std::string &b : preferred_backends()) {
			if (present.count(armnn::BackendId(b)) != 0) {
				use.emplace_back(b);
				names.push_back(b);
			}
		}
		if (use.empty()) {
			error = "no usable Arm NN backend: wanted [" + join(preferred_backends()) + "], present [" +
				armnn::BackendRegistryInstance().GetBackendIdsAsString() +
				"] (on x86 install libarmnn-cpuref-backend22)";
			return nullptr;
		}
		std::vector<std::string> messages;
		armnn::IOptimizedNetworkPtr opt =
			armnn::Optimize(*net, use, impl->runtime->GetDeviceSpec(), armnn::OptimizerOptions(),
					armnn::Optional<std::vector<std::string> &>(messages));
		if (!opt) {
			error = "Arm NN could not optimise the network for [" + join(names) + "]: " + join(messages);
			return nullptr;
		}
		std::string load_err;
		if (impl->runtime->LoadNetwork(impl->net_id, std::move(opt), load_err, armnn::INetworkProperties()) !=
		    armnn::Status::Success) {
			error = "Arm NN could not load the network: " + load_err;
			return nullptr;
		}
		impl->loaded = true;
		std::unique_ptr<Model> model(new Model(std::move(impl)));
		model->inputs_ = std::move(ins);
		model->outputs_ = std::move(outs);
		model->backends_ = std::move(names);
		status = Status::Ok;
		return model;
	} catch (const armnn::Exception &e) {
		error = std::string("Arm NN cannot load the TFLite model: ") + e.what();
	} catch (const std::exception &e) {
		error = std::string("cannot load the TFLite model: ") + e.what();
	}
	return nullptr;
}

Status Model::run(const std::vector<const void *> &in, std::vector<std::vector<uint8_t>> &out, std::string &error)
{
	if (in.size() != inputs_.size()) {
		error = "model has " + std::to_string(inputs_.size()) + " input(s), got " + std::to_string(in.size());
		return Status::InvalidInput;
	}
	armnn::InputTensors input_tensors;
	for (size_t i = 0; i < in.size(); ++i) {
		if (in[i] == nullptr) {
			error = "input " + std::to_string(i) + " has no data";
			return Status::InvalidInput;
		}
		if (impl_->xnn)
			continue;
		input_tensors.emplace_back(impl_->in_bind[i].first,
					   armnn::ConstTensor(impl_->in_bind[i].second, in[i]));
	}
	if (impl_->xnn) {
		std::lock_guard lock(mu_);
		return impl_->xnn->run(in, out, error);
	}
	out.assign(outputs_.size(), {});
	armnn::OutputTensors output_tensors;
	for (size_t i = 0; i < outputs_.size(); ++i) {
		out[i].resize(outputs_[i].bytes);
		output_tensors.emplace_back(impl_->out_bind[i].first,
					    armnn::Tensor(impl_->out_bind[i].second, out[i].data()));
	}
	try {
		std::lock_guard lock(mu_);
		if (impl_->runtime->EnqueueWorkload(impl_->net_id, input_tensors, output_tensors) !=
		    armnn::Status::Success) {
			error = "Arm NN EnqueueWorkload failed";
			return Status::Backend;
		}
	} catch (const armnn::Exception &e) {
		error = std::string("Arm NN inference failed: ") + e.what();
		return Status::Backend;
	}
	return Status::Ok;
}

Status Model::make_image_input(const image::Image &img, std::vector<uint8_t> &tensor, std::string &error) const
{
	if (inputs_.size() != 1) {
		error = "image classification needs a model with one input, this one has " +
			std::to_string(inputs_.size());
		return Status::Unsupported;
	}
	const TensorDesc &d = inputs_[0];
	if (d.dims.size() != 4 || d.dims[0] != 1 || d.dims[3] != 3) {
		error = "image classification needs an NHWC [1,H,W,3] input";
		return Status::Unsupported;
	}
	const image::Image resized = image::resize_bilinear(img, d.dims[2], d.dims[1]);
	const size_t n = resized.pixels.size();
	tensor.resize(d.bytes);
	// Float-range convention of the TFLite image models: [-1, 1].
	auto unit = [](uint8_t p) { return (static_cast<float>(p) - 127.5F) / 127.5F; };
	switch (d.dtype) {
	case DType::UInt8:
		// uint8 MobileNets take raw pixels (their scale/zero point encode the [-1,1] mapping).
		std::memcpy(tensor.data(), resized.pixels.data(), n);
		return Status::Ok;
	case DType::Int8: {
		auto *dst = reinterpret_cast<int8_t *>(tensor.data());
		const float scale = d.scale != 0.0F ? d.scale : 1.0F;
		for (size_t i = 0; i < n; ++i) {
			const float q = std::round(unit(resized.pixels[i]) / scale) + d.zero_point;
			dst[i] = static_cast<int8_t>(std::clamp(q, -128.0F, 127.0F));
		}
		return Status::Ok;
	}
	case DType::Float32: {
		auto *dst = reinterpret_cast<float *>(tensor.data());
		for (size_t i = 0; i < n; ++i)
			dst[i] = unit(resized.pixels[i]);
		return Status::Ok;
	}
	default:
		error = std::string("unsupported image input type ") + dtype_name(d.dtype);
		return Status::Unsupported;
	}
}

std::vector<float> Model::dequantize(const std::vector<uint8_t> &raw, const TensorDesc &d) const
{
	std::vector<float> v;
	const float scale = d.scale != 0.0F ? d.scale : 1.0F;
	switch (d.dtype) {
	case DType::UInt8:
		for (uint8_t q : raw)
			v.push_back((static_cast<float>(q) - d.zero_point) * scale);
		break;
	case DType::Int8:
		for (uint8_t q : raw)
			v.push_back((static_cast<float>(static_cast<int8_t>(q)) - d.zero_point) * scale);
		break;
	case DType::Float32:
		v.resize(raw.size() / 4);
		std::memcpy(v.data(), raw.data(), v.size() * 4);
		break;
	default:
		break;
	}
	return v;
}

Status Model::classify(const void *img, size_t len, std::vector<float> &scores, std::string &error)
{
	image::Image decoded;
	if (!image::decode_rgb(img, len, decoded, error))
		return Status::InvalidInput;
	std::vector<uint8_t> tensor;
	if (const Status s = make_image_input(decoded, tensor, error); s != Status::Ok)
		return s;
	std::vector<std::vector<uint8_t>> out;
	if (const Status s = run({tensor.data()}, out, error); s != Status::Ok)
		return s;
	scores = dequantize(out.at(0), outputs_.at(0));
	if (scores.empty()) {
		error = std::string("unsupported output type ") + dtype_name(outputs_[0].dtype);
		return Status::Unsupported;
	}
	return Status::Ok;
}

std::vector<float> to_probabilities(const std::vector<float> &scores, const TensorDesc &desc)
{
	// TFLite's quantised SOFTMAX always has this output quantisation, so such an output is a
	// distribution even when its 1/256 steps make the sum drift from 1 (small models with many
	// near-zero classes drift the most).
	const bool softmax_quant = std::fabs(desc.scale - 1.0F / 256.0F) < 1e-6F &&
				   ((desc.dtype == DType::UInt8 && desc.zero_point == 0) ||
				    (desc.dtype == DType::Int8 && desc.zero_point == -128));
	if (softmax_quant)
		return scores;
	const bool in_unit = std::all_of(scores.begin(), scores.end(), [](float s) { return s >= 0.0F && s <= 1.0F; });
	const double sum = std::accumulate(scores.begin(), scores.end(), 0.0);
	if (in_unit && std::fabs(sum - 1.0) < 1e-3)
		return scores;
	return image::softmax(scores);
}

} // namespace vaccel::tflite
