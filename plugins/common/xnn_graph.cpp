// SPDX-License-Identifier: Apache-2.0
// XNNPACK graph builder; see xnn_graph.hpp.
#include "xnn_graph.hpp"

#include <xnnpack.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>

namespace vaccel::xnn {

namespace {

xnn_datatype to_xnn(Type t)
{
	switch (t) {
	case Type::F32:
		return xnn_datatype_fp32;
	case Type::QU8:
		return xnn_datatype_quint8;
	case Type::QS8:
		return xnn_datatype_qint8;
	case Type::QS32:
		return xnn_datatype_qint32;
	case Type::QCS8:
		return xnn_datatype_qcint8;
	case Type::QCS32:
		return xnn_datatype_qcint32;
	}
	return xnn_datatype_invalid;
}

bool quantized(Type t)
{
	return t != Type::F32;
}

size_t element_size(Type t)
{
	switch (t) {
	case Type::QU8:
	case Type::QS8:
	case Type::QCS8:
		return 1;
	default:
		return 4;
	}
}

size_t bytes_of(const Tensor &t)
{
	size_t n = element_size(t.type);
	for (const size_t d : t.dims)
		n *= d;
	return n;
}

const char *status_text(xnn_status s)
{
	switch (s) {
	case xnn_status_success:
		return "success";
	case xnn_status_uninitialized:
		return "XNNPACK not initialised";
	case xnn_status_invalid_parameter:
		return "invalid parameter (shape, type or attribute)";
	case xnn_status_invalid_state:
		return "invalid state";
	case xnn_status_unsupported_parameter:
		return "unsupported parameter";
	case xnn_status_unsupported_hardware:
		return "unsupported hardware";
	case xnn_status_out_of_memory:
		return "out of memory";
	}
	return "unknown status";
}

} // namespace

struct Graph::Impl {
	xnn_subgraph_t subgraph = nullptr;
	xnn_runtime_t runtime = nullptr;
	pthreadpool_t pool = nullptr;
	uint32_t externals = 0;
	std::map<uint32_t, Tensor> values;               // descriptions by value id
	std::deque<std::vector<uint8_t>> kept;           // derived constant data
	std::deque<std::vector<float>> scales;           // per-channel scales (XNNPACK keeps the pointer)
	std::map<uint32_t, std::vector<uint8_t>> inputs; // padded copies of the external inputs

	~Impl()
	{
		if (runtime != nullptr)
			xnn_delete_runtime(runtime);
		if (subgraph != nullptr)
			xnn_delete_subgraph(subgraph);
		if (pool != nullptr)
			pthreadpool_destroy(pool);
	}
};

Graph::Graph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Graph::~Graph() = default;

std::unique_ptr<Graph> Graph::create(uint32_t externals, std::string &error)
{
	// xnn_initialize is idempotent and thread-safe (pthread_once inside); never deinitialised,
	// since other graphs of the process may still run.
	if (const xnn_status s = xnn_initialize(nullptr); s != xnn_status_success) {
		error = std::string("XNNPACK cannot initialise on this CPU: ") + status_text(s);
		return nullptr;
	}
	auto impl = std::make_unique<Impl>();
	impl->externals = externals;
	if (const xnn_status s = xnn_create_subgraph(externals, 0, &impl->subgraph); s != xnn_status_success) {
		error = std::string("XNNPACK cannot create a subgraph: ") + status_text(s);
		return nullptr;
	}
	return std::unique_ptr<Graph>(new Graph(std::move(impl)));
}

bool Graph::check(int status, const char *what)
{
	const auto s = static_cast<xnn_status>(status);
	if (s == xnn_status_success)
		return true;
	error_ = std::string("XNNPACK refused ") + what + ": " + status_text(s);
	return false;
}

uint32_t Graph::value(const Tensor &t, Role role, uint32_t external_id)
{
	uint32_t flags = 0;
	if (role != Role::Internal) {
		if (external_id >= impl_->externals) {
			error_ = "external value id " + std::to_string(external_id) + " out of range";
			return kNoValue;
		}
		flags = role == Role::Input ? XNN_VALUE_FLAG_EXTERNAL_INPUT : XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
	} else {
		external_id = XNN_INVALID_VALUE_ID;
	}
	uint32_t id = kNoValue;
	xnn_status s = xnn_status_success;
	const xnn_datatype dt = to_xnn(t.type);
	// XNNPACK's kernels may read up to XNN_EXTRA_BYTES past any tensor they read, constants
	// included (some operators use them in place at run time): keep a padded copy.
	Tensor t_in = t;
	if (t.data != nullptr) {
		std::vector<uint8_t> copy(bytes_of(t) + XNN_EXTRA_BYTES, 0);
		std::memcpy(copy.data(), t.data, bytes_of(t));
		t_in.data = keep(std::move(copy));
	}
	const Tensor &t_use = t_in;
	if (t.type == Type::F32) {
		s = xnn_define_tensor_value(impl_->subgraph, dt, t.dims.size(), t.dims.data(), t_use.data, external_id,
					    flags, &id);
	} else if (t.type == Type::QCS8 || t.type == Type::QCS32) {
		if (t.channel_dim >= t.dims.size() || t.channel_scales.size() != t.dims[t.channel_dim]) {
			error_ = "per-channel scales do not match the channel dimension";
			return kNoValue;
		}
		const std::vector<float> &kept = impl_->scales.emplace_back(t.channel_scales);
		s = xnn_define_channelwise_quantized_tensor_value(impl_->subgraph, dt, kept.data(), t.dims.size(),
								  t.channel_dim, t.dims.data(), t_use.data, external_id,
								  flags, &id);
	} else {
		s = xnn_define_quantized_tensor_value(impl_->subgraph, dt, t.zero_point, t.scale, t.dims.size(),
						      t.dims.data(), t_use.data, external_id, flags, &id);
	}
	if (!check(s, "a tensor value"))
		return kNoValue;
	impl_->values[id] = t;
	impl_->values[id].data = t_use.data;
	if (role == Role::Input)
		impl_->inputs[id].assign(bytes_of(t) + XNN_EXTRA_BYTES, 0);
	return id;
}

const Tensor *Graph::describe(uint32_t id) const
{
	const auto it = impl_->values.find(id);
	return it == impl_->values.end() ? nullptr : &it->second;
}

const void *Graph::keep(std::vector<uint8_t> bytes)
{
	return impl_->kept.emplace_back(std::move(bytes)).data();
}

bool Graph::conv2d(const Window &w, size_t in_channels, size_t out_channels, Range r, uint32_t in, uint32_t filter,
		   uint32_t bias, uint32_t out)
{
	return check(xnn_define_convolution_2d(impl_->subgraph, w.pad_top, w.pad_right, w.pad_bottom, w.pad_left,
					       w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.dilation_h,
					       w.dilation_w, 1, in_channels, out_channels, r.min, r.max, in, filter,
					       bias == kNoValue ? XNN_INVALID_VALUE_ID : bias, out,
					       w.same_padding ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0),
		     "a 2-D convolution");
}

bool Graph::depthwise_conv2d(const Window &w, size_t in_channels, uint32_t multiplier, Range r, uint32_t in,
			     uint32_t filter, uint32_t bias, uint32_t out)
{
	return check(xnn_define_depthwise_convolution_2d(
			     impl_->subgraph, w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w,
			     w.stride_h, w.stride_w, w.dilation_h, w.dilation_w, multiplier, in_channels, r.min, r.max,
			     in, filter, bias == kNoValue ? XNN_INVALID_VALUE_ID : bias, out,
			     w.same_padding ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0),
		     "a depthwise convolution");
}

bool Graph::fully_connected(Range r, uint32_t in, uint32_t filter, uint32_t bias, uint32_t out)
{
	const Tensor *o = describe(out);
	// A 2-D output means "flatten the input to [N, in]" (TFLite and ONNX Gemm semantics).
	const uint32_t flags = o != nullptr && o->dims.size() == 2 ? XNN_FLAG_TENSORFLOW_RESHAPE_2D : 0;
	return check(xnn_define_fully_connected(impl_->subgraph, r.min, r.max, in, filter,
						bias == kNoValue ? XNN_INVALID_VALUE_ID : bias, out, flags),
		     "a fully connected layer");
}

bool Graph::add(Range r, uint32_t a, uint32_t b, uint32_t out)
{
	return check(xnn_define_add2(impl_->subgraph, r.min, r.max, a, b, out, 0), "an add");
}

bool Graph::multiply(Range r, uint32_t a, uint32_t b, uint32_t out)
{
	return check(xnn_define_multiply2(impl_->subgraph, r.min, r.max, a, b, out, 0), "a multiply");
}

template <class Node>
bool Graph::via_f32(const char *what, uint32_t in, uint32_t out, Node node)
{
	const Tensor *ti = describe(in);
	const Tensor *to = describe(out);
	if (ti == nullptr || to == nullptr) {
		error_ = std::string(what) + ": unknown input or output value";
		return false;
	}
	if (!quantized(ti->type) && !quantized(to->type))
		return check(node(in, out), what);
	Tensor fi;
	fi.dims = ti->dims;
	Tensor fo;
	fo.dims = to->dims;
	const uint32_t a = quantized(ti->type) ? value(fi) : in;
	const uint32_t b = quantized(to->type) ? value(fo) : out;
	if (a == kNoValue || b == kNoValue)
		return false;
	if (a != in && !convert(in, a))
		return false;
	if (!check(node(a, b), what))
		return false;
	return b == out || convert(b, out);
}

bool Graph::average_pool(const Window &w, Range r, uint32_t in, uint32_t out)
{
	return via_f32("an average pooling", in, out, [&](uint32_t i, uint32_t o) {
		return xnn_define_average_pooling_2d(impl_->subgraph, w.pad_top, w.pad_right, w.pad_bottom, w.pad_left,
						     w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, r.min, r.max, i, o,
						     w.same_padding ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0);
	});
}

bool Graph::max_pool(const Window &w, Range r, uint32_t in, uint32_t out)
{
	return check(xnn_define_max_pooling_2d(impl_->subgraph, w.pad_top, w.pad_right, w.pad_bottom, w.pad_left,
					       w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.dilation_h,
					       w.dilation_w, r.min, r.max, in, out,
					       w.same_padding ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0),
		     "a max pooling");
}

bool Graph::global_average_pool(Range r, uint32_t in, uint32_t out)
{
	const Tensor *ti = describe(in);
	const Tensor *to = describe(out);
	if (ti == nullptr || to == nullptr || ti->dims.size() != 4) {
		error_ = "global average pooling needs an NHWC input";
		return false;
	}
	if (to->dims.size() == 4)
		return check(xnn_define_global_average_pooling_2d(impl_->subgraph, r.min, r.max, in, out, 0),
			     "a global average pooling");
	// Another output shape (e.g. [N,C]): pool into [N,1,1,C] and reshape.
	Tensor mid = *to;
	mid.data = nullptr;
	mid.dims = {ti->dims[0], 1, 1, ti->dims[3]};
	const uint32_t m = value(mid);
	return m != kNoValue &&
	       check(xnn_define_global_average_pooling_2d(impl_->subgraph, r.min, r.max, in, m, 0),
		     "a global average pooling") &&
	       reshape(m, out);
}

bool Graph::reshape(uint32_t in, uint32_t out)
{
	const Tensor *to = describe(out);
	if (to == nullptr) {
		error_ = "reshape: unknown output value";
		return false;
	}
	const std::vector<size_t> dims = to->dims;
	return check(xnn_define_static_reshape(impl_->subgraph, dims.size(), dims.data(), in, out, 0), "a reshape");
}

bool Graph::pad(const std::vector<size_t> &before, const std::vector<size_t> &after, float value, uint32_t in,
		uint32_t out)
{
	return check(xnn_define_static_constant_pad(impl_->subgraph, before.data(), after.data(), value, in, out, 0),
		     "a constant pad");
}

bool Graph::clamp(Range r, uint32_t in, uint32_t out)
{
	return check(xnn_define_clamp(impl_->subgraph, r.min, r.max, in, out, 0), "a clamp");
}

bool Graph::hardswish(uint32_t in, uint32_t out)
{
	return via_f32("a hard-swish", in, out,
		       [&](uint32_t i, uint32_t o) { return xnn_define_hardswish(impl_->subgraph, i, o, 0); });
}

bool Graph::sigmoid(uint32_t in, uint32_t out)
{
	return via_f32("a sigmoid", in, out,
		       [&](uint32_t i, uint32_t o) { return xnn_define_sigmoid(impl_->subgraph, i, o, 0); });
}

bool Graph::softmax(uint32_t in, uint32_t out)
{
	return via_f32("a softmax", in, out,
		       [&](uint32_t i, uint32_t o) { return xnn_define_softmax(impl_->subgraph, i, o, 0); });
}

bool Graph::convert(uint32_t in, uint32_t out)
{
	return check(xnn_define_convert(impl_->subgraph, in, out, 0), "a convert");
}

bool Graph::finalize(size_t threads)
{
	threads_ = threads < 1 ? 1 : threads;
	if (threads_ > 1) {
		impl_->pool = pthreadpool_create(threads_);
		if (impl_->pool == nullptr) {
			error_ = "cannot create a pool of " + std::to_string(threads_) + " threads";
			return false;
		}
	}
	if (!check(xnn_create_runtime_v2(impl_->subgraph, impl_->pool, 0, &impl_->runtime),
		   "the graph (runtime creation)"))
		return false;
	// The runtime has packed the weights; the subgraph is no longer needed.
	xnn_delete_subgraph(impl_->subgraph);
	impl_->subgraph = nullptr;
	return true;
}

bool Graph::run(const std::vector<std::pair<uint32_t, void *>> &externals)
{
	if (impl_->runtime == nullptr) {
		error_ = "graph not finalised";
		return false;
	}
	std::vector<xnn_external_value> ext;
	ext.reserve(externals.size());
	for (const auto &[id, data] : externals) {
		const Tensor *t = describe(id);
		if (t == nullptr) {
			error_ = "unknown external value " + std::to_string(id);
			return false;
		}
		void *use = data;
		if (const auto it = impl_->inputs.find(id); it != impl_->inputs.end()) {
			// The caller's buffer has exactly the input's size; XNNPACK may read
			// XNN_EXTRA_BYTES past it, so it reads a padded copy.
			std::memcpy(it->second.data(), data, bytes_of(*t));
			use = it->second.data();
		}
		ext.push_back({id, use});
	}
	return check(xnn_setup_runtime(impl_->runtime, ext.size(), ext.data()), "the run's buffers") &&
	       check(xnn_invoke_runtime(impl_->runtime), "the run");
}

size_t threads_from_env(const char *variable)
{
	const char *env = std::getenv(variable);
	if (env == nullptr || *env == '\0')
		return 1;
	char *end = nullptr;
	const long n = std::strtol(env, &end, 10);
	return (end != nullptr && *end == '\0' && n >= 1 && n <= 64) ? static_cast<size_t>(n) : 1;
}

} // namespace vaccel::xnn
