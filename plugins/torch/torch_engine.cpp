// SPDX-License-Identifier: Apache-2.0
// The libtorch side of the torch plugin: loading, running, tensors (with torch_optimize.cpp and
// torch_threads.cpp, the only code that includes libtorch headers).
#include "torch_engine.hpp"
#include "torch_optimize.hpp"
#include "torch_threads.hpp"

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

namespace vaccel::torch_engine {
namespace {

c10::ScalarType to_scalar_type(DType t)
{
	switch (t) {
	case DType::Byte:
		return c10::kByte;
	case DType::Char:
		return c10::kChar;
	case DType::Short:
		return c10::kShort;
	case DType::Int:
		return c10::kInt;
	case DType::Long:
		return c10::kLong;
	case DType::Half:
		return c10::kHalf;
	case DType::Float:
		return c10::kFloat;
	}
	throw EngineError(ErrorKind::InvalidInput, "invalid tensor data type");
}

// The reference enum has no bool or double; those outputs are converted to the closest type
// it has (bool has the same bytes as BYTE; double is narrowed to FLOAT).
std::pair<DType, at::Tensor> to_vaccel_type(const at::Tensor &t)
{
	switch (t.scalar_type()) {
	case c10::kByte:
		return {DType::Byte, t};
	case c10::kBool:
		return {DType::Byte, t.to(c10::kByte)};
	case c10::kChar:
		return {DType::Char, t};
	case c10::kShort:
		return {DType::Short, t};
	case c10::kInt:
		return {DType::Int, t};
	case c10::kLong:
		return {DType::Long, t};
	case c10::kHalf:
		return {DType::Half, t};
	case c10::kFloat:
		return {DType::Float, t};
	case c10::kDouble:
		return {DType::Float, t.to(c10::kFloat)};
	default:
		throw EngineError(ErrorKind::Backend,
				  std::string("model output has a data type vAccel cannot express: ") +
					  std::string(c10::toString(t.scalar_type())));
	}
}

// Serves the bytes of an in-memory model to torch::jit::load without copying them first.
class MemoryReader final : public caffe2::serialize::ReadAdapterInterface {
public:
	MemoryReader(const void *data, size_t size) : data_(static_cast<const uint8_t *>(data)), size_(size) {}
	size_t size() const override { return size_; }
	size_t read(uint64_t pos, void *buf, size_t n, const char * /*what*/) const override
	{
		if (pos >= size_)
			return 0;
		const size_t count = std::min<size_t>(n, size_ - pos);
		std::memcpy(buf, data_ + pos, count);
		return count;
	}

private:
	const uint8_t *data_;
	size_t size_;
};

std::vector<at::Tensor> collect_output_tensors(const c10::IValue &result)
{
	std::vector<at::Tensor> tensors;
	auto add = [&](const c10::IValue &v) {
		if (!v.isTensor())
			throw EngineError(ErrorKind::Backend,
					  "model output element is a " + v.tagKind() + ", not a tensor");
		tensors.push_back(v.toTensor());
	};
	if (result.isTensor())
		add(result);
	else if (result.isTuple())
		for (const auto &e : result.toTupleRef().elements())
			add(e);
	else if (result.isList())
		for (const auto &e : result.toListRef())
			add(e);
	else
		throw EngineError(ErrorKind::Backend, "model returned a " + result.tagKind() + ", not tensors");
	return tensors;
}

OwnedTensor to_owned(const at::Tensor &raw)
{
	auto [dtype, converted] = to_vaccel_type(raw);
	const at::Tensor t = converted.contiguous();
	OwnedTensor out;
	out.dtype = dtype;
	out.dims.assign(t.sizes().begin(), t.sizes().end());
	out.size = t.numel() * t.element_size();
	// malloc(0) may return NULL; keep a valid pointer so callers can tell success apart.
	out.data.reset(std::malloc(std::max<size_t>(out.size, 1)));
	if (!out.data)
		throw std::bad_alloc();
	if (out.size > 0)
		std::memcpy(out.data.get(), t.data_ptr(), out.size);
	return out;
}

at::Tensor wrap_input(const TensorView &view)
{
	if (!is_valid_dtype(static_cast<int>(view.dtype)))
		throw EngineError(ErrorKind::InvalidInput,
				  "invalid tensor data type " + std::to_string(static_cast<int>(view.dtype)));
	const int64_t count = element_count(view.dims);
	if (count < 0)
		throw EngineError(ErrorKind::InvalidInput, "tensor has a negative or overflowing dimension");
	const size_t expected = static_cast<size_t>(count) * element_size(view.dtype);
	if (expected != view.size)
		throw EngineError(ErrorKind::InvalidInput, "tensor holds " + std::to_string(view.size) +
								   " bytes but its dims and " + dtype_name(view.dtype) +
								   " type need " + std::to_string(expected));
	if (view.data == nullptr && expected > 0)
		throw EngineError(ErrorKind::InvalidInput, "tensor data is NULL");
	// from_blob never frees and this layer never writes; the const_cast only satisfies its API.
	return torch::from_blob(const_cast<void *>(view.data), view.dims,
				torch::TensorOptions().dtype(to_scalar_type(view.dtype)));
}

// Runs `load` (a torch::jit::load call) and puts the module in inference mode.  libtorch's
// failures become Backend errors naming `what` (a path or a buffer description); running out of
// memory stays bad_alloc so the plugin reports ENOMEM.
template <class Load>
torch::jit::Module load_module(Load &&load, const std::string &what)
{
	select_quantized_engine();
	try {
		torch::jit::Module module = load();
		module.eval();
		return module;
	} catch (const std::bad_alloc &) {
		throw;
	} catch (const std::exception &e) {
		throw EngineError(ErrorKind::Backend,
				  "libtorch cannot load " + what + " as TorchScript: " + c10::GetExceptionString(e));
	}
}

const char *qengine_name(at::QEngine e)
{
	switch (e) {
	case at::QEngine::ONEDNN:
		return "onednn";
	case at::QEngine::FBGEMM:
		return "fbgemm";
	case at::QEngine::QNNPACK:
		return "qnnpack";
	case at::QEngine::X86:
		return "x86";
	case at::QEngine::NoQEngine:
		return "none";
	}
	return "unknown";
}

} // namespace

std::string select_quantized_engine()
{
	auto &ctx = at::globalContext();
	const auto &supported = at::Context::supportedQEngines();
	for (const at::QEngine wanted : {at::QEngine::ONEDNN, at::QEngine::FBGEMM}) {
		if (std::find(supported.begin(), supported.end(), wanted) == supported.end())
			continue;
		if (ctx.qEngine() != wanted)
			ctx.setQEngine(wanted);
		return qengine_name(wanted);
	}
	return qengine_name(ctx.qEngine());
}

bool is_valid_dtype(int value)
{
	return value >= static_cast<int>(DType::Byte) && value <= static_cast<int>(DType::Float);
}

size_t element_size(DType type)
{
	switch (type) {
	case DType::Byte:
	case DType::Char:
		return 1;
	case DType::Short:
	case DType::Half:
		return 2;
	case DType::Int:
	case DType::Float:
		return 4;
	case DType::Long:
		return 8;
	}
	return 0;
}

const char *dtype_name(DType type)
{
	switch (type) {
	case DType::Byte:
		return "BYTE";
	case DType::Char:
		return "CHAR";
	case DType::Short:
		return "SHORT";
	case DType::Int:
		return "INT";
	case DType::Long:
		return "LONG";
	case DType::Half:
		return "HALF";
	case DType::Float:
		return "FLOAT";
	}
	return "INVALID";
}

int64_t element_count(std::span<const int64_t> dims)
{
	int64_t count = 1;
	for (int64_t d : dims) {
		if (d < 0)
			return -1;
		if (d != 0 && count > std::numeric_limits<int64_t>::max() / d)
			return -1;
		count *= d;
	}
	return count;
}

namespace {

std::atomic<void (*)(const char *)> g_notice_sink{nullptr};

void notice(const std::string &text)
{
	if (auto sink = g_notice_sink.load(std::memory_order_acquire))
		sink(text.c_str());
}

c10::IValue forward(const torch::jit::Module &module, std::vector<c10::IValue> args)
{
	c10::InferenceMode guard;
	// forward() takes its argument vector by value; the module itself is not modified.
	return const_cast<torch::jit::Module &>(module).forward(std::move(args));
}

// The prepacked convolutions keep their input's memory format, so the inputs that feed them go
// channels-last (a copy of the caller's borrowed tensor, made once per call).
std::vector<c10::IValue> channels_last_args(const std::vector<c10::IValue> &args, const std::vector<bool> &which)
{
	std::vector<c10::IValue> out = args;
	for (size_t i = 0; i < out.size() && i < which.size(); ++i) {
		if (!which[i] || !out[i].isTensor())
			continue;
		const at::Tensor &t = out[i].toTensor();
		if (t.dim() == 4 && t.is_floating_point())
			out[i] = t.contiguous(at::MemoryFormat::ChannelsLast);
	}
	return out;
}

} // namespace

struct Model::Impl {
	torch::jit::Module module;                   // as loaded, in eval mode
	std::optional<OptimizedModule> fast;         // the XNNPACK rewrite, when it applied
	mutable std::atomic<bool> fast_usable{true}; // cleared for good once `fast` fails where `module` works
	std::string note;

	explicit Impl(torch::jit::Module loaded) : module(std::move(loaded))
	{
		if (!xnnpack_rewrite_enabled()) {
			note = "as loaded (VACCEL_TORCH_XNNPACK=0)";
			return;
		}
		std::string why_not;
		fast = optimize_for_xnnpack(module, why_not);
		note = fast ? "XNNPACK: " + std::to_string(fast->convolutions) + " convolutions and " +
				       std::to_string(fast->linears) + " linears prepacked"
			    : "as loaded (" + why_not + ")";
	}

	// Runs the rewritten module when there is one.  Should it throw where the module as loaded does
	// not (a model that views an activation as if it were NCHW-contiguous, say), the rewrite is set
	// aside for good and the module as loaded answers; if both throw, the input is at fault.
	c10::IValue forward_best(const std::vector<c10::IValue> &args) const
	{
		if (!fast || !fast_usable.load(std::memory_order_relaxed))
			return forward(module, args);
		try {
			const SerialOpenMpScope serial(threads());
			return forward(fast->module, channels_last_args(args, fast->channels_last));
		} catch (const std::bad_alloc &) {
			throw;
		} catch (const std::exception &fast_error) {
			c10::IValue result = forward(module, args); // throws if the input is at fault
			if (fast_usable.exchange(false))
				notice("the XNNPACK rewrite of a model failed where the model as loaded runs (" +
				       c10::GetExceptionString(fast_error) + "); that model now runs as loaded");
			return result;
		}
	}
};

void set_notice_sink(void (*sink)(const char *))
{
	g_notice_sink.store(sink, std::memory_order_release);
}

const std::string &Model::engine_note() const
{
	return impl_->note;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<Model> Model::load_file(const std::string &path)
{
	std::error_code ec;
	if (!std::filesystem::is_regular_file(path, ec))
		throw EngineError(ErrorKind::NotFound, "model file not found: " + path);
	auto impl = std::make_unique<Impl>(load_module([&] { return torch::jit::load(path, torch::kCPU); }, path));
	return std::shared_ptr<Model>(new Model(std::move(impl)));
}

std::shared_ptr<Model> Model::load_memory(const void *data, size_t size)
{
	if (data == nullptr || size == 0)
		throw EngineError(ErrorKind::InvalidInput, "model buffer is empty");
	auto impl = std::make_unique<Impl>(
		load_module([&] { return torch::jit::load(std::make_shared<MemoryReader>(data, size), torch::kCPU); },
			    "the " + std::to_string(size) + "-byte model buffer"));
	return std::shared_ptr<Model>(new Model(std::move(impl)));
}

std::vector<OwnedTensor> Model::run(std::span<const TensorView> inputs, size_t max_outputs) const
{
	std::vector<c10::IValue> args;
	args.reserve(inputs.size());
	for (const auto &view : inputs)
		args.emplace_back(wrap_input(view));

	apply_threads_on_this_thread();
	c10::IValue result;
	std::vector<OwnedTensor> outputs;
	try {
		result = impl_->forward_best(args);
		c10::InferenceMode guard;
		const auto tensors = collect_output_tensors(result);
		const size_t n = std::min(max_outputs, tensors.size());
		outputs.reserve(n);
		for (size_t i = 0; i < n; ++i)
			outputs.push_back(to_owned(tensors[i]));
	} catch (const EngineError &) {
		throw;
	} catch (const std::bad_alloc &) {
		throw;
	} catch (const std::exception &e) {
		// The module's own checks (shapes, dtypes, argument count) fail here: blame the input.
		throw EngineError(ErrorKind::InvalidInput,
				  "the model rejected the input tensors: " + c10::GetExceptionString(e));
	}
	return outputs;
}

std::vector<float> Model::run_float(std::span<const float> input, std::span<const int64_t> dims) const
{
	const TensorView view{input.data(), input.size_bytes(), std::vector<int64_t>(dims.begin(), dims.end()),
			      DType::Float};
	auto outputs = run(std::span(&view, 1), 1);
	if (outputs.empty())
		throw EngineError(ErrorKind::Backend, "model produced no output tensor");
	if (outputs[0].dtype != DType::Float)
		throw EngineError(ErrorKind::Backend, std::string("model output is ") + dtype_name(outputs[0].dtype) +
							      ", expected FLOAT scores");
	const auto *p = static_cast<const float *>(outputs[0].data.get());
	return {p, p + outputs[0].size / sizeof(float)};
}

OwnedTensor sgemm(const float *a, const float *b, const float *c, int64_t m, int64_t n, int64_t k)
{
	if (m <= 0 || n <= 0 || k <= 0)
		throw EngineError(ErrorKind::InvalidInput, "sgemm needs positive M, N, K (got " + std::to_string(m) +
								   ", " + std::to_string(n) + ", " + std::to_string(k) +
								   ")");
	if (a == nullptr || b == nullptr)
		throw EngineError(ErrorKind::InvalidInput, "sgemm input matrix is NULL");
	apply_threads_on_this_thread();
	try {
		c10::InferenceMode guard;
		auto opts = torch::TensorOptions().dtype(torch::kFloat32);
		auto ta = torch::from_blob(const_cast<float *>(a), {m, k}, opts);
		auto tb = torch::from_blob(const_cast<float *>(b), {k, n}, opts);
		if (c == nullptr)
			return to_owned(torch::mm(ta, tb));
		auto tc = torch::from_blob(const_cast<float *>(c), {m, n}, opts);
		return to_owned(torch::addmm(tc, ta, tb));
	} catch (const std::bad_alloc &) {
		throw;
	} catch (const std::exception &e) {
		throw EngineError(ErrorKind::Backend, "libtorch sgemm failed: " + c10::GetExceptionString(e));
	}
}

void sgemm_strided(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b,
		   int64_t ldb, float beta, float *c, int64_t ldc)
{
	apply_threads_on_this_thread();
	try {
		c10::InferenceMode guard;
		const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
		// Views over the caller's memory; the row strides carry the leading dimensions.
		const auto ta = torch::from_blob(const_cast<float *>(a), {m, k}, {lda, 1}, opts);
		const auto tb = torch::from_blob(const_cast<float *>(b), {k, n}, {ldb, 1}, opts);
		auto tc = torch::from_blob(c, {m, n}, {ldc, 1}, opts);
		// addmm_ ignores C's old values when beta == 0 (no NaN propagation), like BLAS.
		tc.addmm_(ta, tb, beta, alpha);
	} catch (const std::bad_alloc &) {
		throw;
	} catch (const std::exception &e) {
		throw EngineError(ErrorKind::Backend, "libtorch sgemm failed: " + c10::GetExceptionString(e));
	}
}

} // namespace vaccel::torch_engine
