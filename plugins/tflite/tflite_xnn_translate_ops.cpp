// SPDX-License-Identifier: Apache-2.0
// The tflite Translator's per-operator definers, by family: convolutions (conv, depthwise), pools,
// mean, fully connected, pad, and the elementwise and shape-only operators.  Each checks its
// weights and attributes, recomputes the output shape from its inputs (it must match the model's,
// see tflite_xnn_translate.cpp) and defines the XNNPACK node.
#include "tflite_xnn_translator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

namespace vaccel::tflite::detail {

bool Translator::conv(const std::string &w, const FbOperator &o, bool depthwise)
{
	const auto range = activation(o.options.activation);
	const Dims in = dims(o.inputs[0]);
	const Dims f = dims(o.inputs[1]);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	if (in.size() != 4 || f.size() != 4 || t(o.inputs[1]).data.size == 0)
		return unsupported(w, "needs an NHWC input and a constant 4-D filter");
	const size_t oc = depthwise ? f[3] : f[0];
	if ((depthwise ? f[0] != 1 || oc % in[3] != 0 : f[3] != in[3]) || o.options.stride_h < 1 ||
	    o.options.stride_w < 1 || o.options.dilation_h < 1 || o.options.dilation_w < 1)
		return corrupt(w + ": filter shape or strides do not match the input");
	const bool has_bias = o.inputs.size() == 3 && o.inputs[2] >= 0;
	if (has_bias && dims(o.inputs[2]) != Dims{oc})
		return corrupt(w + ": bias shape does not match the filter");
	xnn::Window win;
	win.kernel_h = static_cast<uint32_t>(f[1]);
	win.kernel_w = static_cast<uint32_t>(f[2]);
	win.stride_h = static_cast<uint32_t>(o.options.stride_h);
	win.stride_w = static_cast<uint32_t>(o.options.stride_w);
	win.dilation_h = static_cast<uint32_t>(o.options.dilation_h);
	win.dilation_w = static_cast<uint32_t>(o.options.dilation_w);
	win.same_padding = o.options.padding == 0;
	const Dims expect{in[0], window_out(in[1], f[1], win.stride_h, win.dilation_h, win.same_padding),
			  window_out(in[2], f[2], win.stride_w, win.dilation_w, win.same_padding), oc};
	uint32_t x = 0, filter = 0, bias = xnn::kNoValue, y = 0;
	if (!input(o, 0, x) || !input(o, 1, filter) || (has_bias && !input(o, 2, bias)) || !output(o, y, expect))
		return false;
	const bool ok = depthwise ? g_.depthwise_conv2d(win, in[3], static_cast<uint32_t>(oc / in[3]), *range, x,
							filter, bias, y)
				  : g_.conv2d(win, in[3], oc, *range, x, filter, bias, y);
	return ok || refused();
}

bool Translator::pool(const std::string &w, const FbOperator &o, bool max)
{
	const auto range = activation(o.options.activation);
	const Dims in = dims(o.inputs[0]);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	if (in.size() != 4 || o.options.filter_h < 1 || o.options.filter_w < 1 || o.options.stride_h < 1 ||
	    o.options.stride_w < 1)
		return corrupt(w + ": needs an NHWC input, a window and strides");
	xnn::Window win;
	win.kernel_h = static_cast<uint32_t>(o.options.filter_h);
	win.kernel_w = static_cast<uint32_t>(o.options.filter_w);
	win.stride_h = static_cast<uint32_t>(o.options.stride_h);
	win.stride_w = static_cast<uint32_t>(o.options.stride_w);
	win.same_padding = o.options.padding == 0;
	const Dims expect{in[0], window_out(in[1], win.kernel_h, win.stride_h, 1, win.same_padding),
			  window_out(in[2], win.kernel_w, win.stride_w, 1, win.same_padding), in[3]};
	uint32_t x = 0, y = 0;
	if (!input(o, 0, x) || !output(o, y, expect))
		return false;
	// A VALID window over the whole input is a global pooling (MobileNet's last pool), which
	// XNNPACK has for quantised types too.
	if (!max && !win.same_padding && win.kernel_h == in[1] && win.kernel_w == in[2])
		return g_.global_average_pool(*range, x, y) || refused();
	if (max && !same_quant(o.inputs[0], o.outputs[0]))
		return unsupported(w, "input and output quantisation differ");
	const bool ok = max ? g_.max_pool(win, *range, x, y) : g_.average_pool(win, *range, x, y);
	return ok || refused();
}

bool Translator::mean(const std::string &w, const FbOperator &o)
{
	const Dims in = dims(o.inputs[0]);
	const FbTensor &axes = t(o.inputs[1]);
	if (in.size() != 4 || axes.type != static_cast<int8_t>(FbType::Int32) || axes.elements != 2 ||
	    axes.data.size != 8)
		return unsupported(w, "only the mean over H and W of an NHWC tensor");
	int32_t a[2];
	std::memcpy(a, axes.data.data, sizeof a);
	if (std::min(a[0], a[1]) != 1 || std::max(a[0], a[1]) != 2)
		return unsupported(w, "only the mean over H and W of an NHWC tensor");
	const Dims expect = o.options.keep_dims ? Dims{in[0], 1, 1, in[3]} : Dims{in[0], in[3]};
	uint32_t x = 0, y = 0;
	return input(o, 0, x) && output(o, y, expect) && (g_.global_average_pool({}, x, y) || refused());
}

bool Translator::fully_connected(const std::string &w, const FbOperator &o)
{
	const auto range = activation(o.options.activation);
	const Dims in = dims(o.inputs[0]);
	const Dims f = dims(o.inputs[1]);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	if (f.size() != 2 || t(o.inputs[1]).data.size == 0 || o.options.keep_dims)
		return unsupported(w, "needs a constant [out, in] filter and a 2-D output");
	if (in.empty() || count(in) % f[1] != 0)
		return corrupt(w + ": input size is not a multiple of the filter's input size");
	const bool has_bias = o.inputs.size() == 3 && o.inputs[2] >= 0;
	if (has_bias && dims(o.inputs[2]) != Dims{f[0]})
		return corrupt(w + ": bias shape does not match the filter");
	uint32_t x = 0, filter = 0, bias = xnn::kNoValue, y = 0;
	return input(o, 0, x) && input(o, 1, filter) && (!has_bias || input(o, 2, bias)) &&
	       output(o, y, Dims{count(in) / f[1], f[0]}) &&
	       (g_.fully_connected(*range, x, filter, bias, y) || refused());
}

bool Translator::pad(const std::string &w, const FbOperator &o)
{
	const Dims in = dims(o.inputs[0]);
	const FbTensor &p = t(o.inputs[1]);
	if (p.type != static_cast<int8_t>(FbType::Int32) || p.data.size != in.size() * 8 || in.size() > 4)
		return unsupported(w, "needs constant int32 paddings and at most 4 dimensions");
	std::vector<int32_t> v(in.size() * 2);
	std::memcpy(v.data(), p.data.data, p.data.size);
	Dims before, after, expect;
	for (size_t i = 0; i < in.size(); ++i) {
		if (v[2 * i] < 0 || v[2 * i + 1] < 0 || v[2 * i] > 65536 || v[2 * i + 1] > 65536)
			return corrupt(w + ": paddings out of range");
		before.push_back(static_cast<size_t>(v[2 * i]));
		after.push_back(static_cast<size_t>(v[2 * i + 1]));
		expect.push_back(in[i] + before.back() + after.back());
	}
	if (!same_quant(o.inputs[0], o.outputs[0]))
		return unsupported(w, "input and output quantisation differ");
	uint32_t x = 0, y = 0;
	return input(o, 0, x) && output(o, y, expect) && (g_.pad(before, after, 0.0F, x, y) || refused());
}

// Operators whose output shape is their input's (or the broadcast of two, or a reshape).
bool Translator::elementwise(const std::string &w, const FbOperator &o)
{
	const Dims in = dims(o.inputs[0]);
	Dims expect = in;
	if (o.builtin == kAdd || o.builtin == kMul) {
		const auto b = broadcast(in, dims(o.inputs[1]));
		if (!b)
			return corrupt(w + ": input shapes do not broadcast");
		expect = *b;
	} else if (o.builtin == kReshape || o.builtin == kSqueeze) {
		expect = dims(o.outputs[0]);
		if (count(expect) != count(in))
			return corrupt(w + ": element count changes");
		if (!same_quant(o.inputs[0], o.outputs[0]))
			return unsupported(w, "input and output quantisation differ");
	}
	const bool clamp = o.builtin == kRelu || o.builtin == kRelu6 || o.builtin == kReluN1To1;
	if (clamp && !same_quant(o.inputs[0], o.outputs[0]))
		return unsupported(w, "input and output quantisation differ");
	if (o.builtin == kSoftmax && std::fabs(o.options.beta - 1.0F) > 1e-6F)
		return unsupported(w, "beta other than 1");
	const auto range = activation(o.options.activation);
	if (!range)
		return unsupported(w, "fused activation " + std::to_string(o.options.activation));
	uint32_t x = 0, x2 = 0, y = 0;
	if (!input(o, 0, x) || ((o.builtin == kAdd || o.builtin == kMul) && !input(o, 1, x2)) || !output(o, y, expect))
		return false;
	bool ok = false;
	switch (o.builtin) {
	case kAdd:
		ok = g_.add(*range, x, x2, y);
		break;
	case kMul:
		ok = g_.multiply(*range, x, x2, y);
		break;
	case kReshape:
	case kSqueeze:
		ok = g_.reshape(x, y);
		break;
	case kSoftmax:
		ok = g_.softmax(x, y);
		break;
	case kRelu:
		ok = g_.clamp({0.0F, INFINITY}, x, y);
		break;
	case kRelu6:
		ok = g_.clamp({0.0F, 6.0F}, x, y);
		break;
	case kReluN1To1:
		ok = g_.clamp({-1.0F, 1.0F}, x, y);
		break;
	case kHardSwish:
		ok = g_.hardswish(x, y);
		break;
	case kLogistic:
		ok = g_.sigmoid(x, y);
		break;
	default:
		ok = g_.convert(x, y);
		break; // QUANTIZE, DEQUANTIZE
	}
	return ok || refused();
}

} // namespace vaccel::tflite::detail
