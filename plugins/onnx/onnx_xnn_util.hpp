// SPDX-License-Identifier: Apache-2.0
// The one set of helpers shared by the two ONNX translations of the XNNPACK engine
// (onnx_xnn_translate.cpp for f32 graphs, onnx_xnn_quant*.cpp for QOperator int8 graphs, both
// called from onnx_xnn.cpp): dimension arithmetic, node attributes, the 2-D window and weight
// layout of a convolution, and how a translation refuses a model (Refusal, with the constant cap
// of onnx_xnn.hpp).  What the routes check comes from here, so a fix to a check reaches both.  Not
// a public header: only the onnx plugin's XNNPACK files include it.
// Thread safety: pure functions over the caller's objects; a Refusal belongs to one translation.
#pragma once

#include "onnx_xnn.hpp"
#include "xnn_graph.hpp"

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::onnx::util {

using Dims = std::vector<size_t>;
constexpr size_t kMaxElements = size_t{1} << 29; // 2 GiB of floats: larger int8-route tensors are refused

// ONNX NCHW dims -> the NHWC dims XNNPACK computes in (other ranks unchanged).
inline Dims to_nhwc(const Dims &d)
{
	return d.size() == 4 ? Dims{d[0], d[2], d[3], d[1]} : d;
}

// Element count of `d` (1 for a scalar); saturates at SIZE_MAX, since dims come from the model
// and their product may overflow.
inline size_t count(const Dims &d)
{
	size_t n = 1;
	for (const size_t x : d) {
		if (x != 0 && n > SIZE_MAX / x)
			return SIZE_MAX;
		n *= x;
	}
	return n;
}

// Node attribute `name`, nullptr when absent.
inline const ::onnx::AttributeProto *attr(const ::onnx::NodeProto &n, const char *name)
{
	for (const auto &a : n.attribute())
		if (a.name() == name)
			return &a;
	return nullptr;
}
// Integer attribute `name`, `dflt` when absent (not type-checked: protobuf gives 0 for another type).
inline int64_t attr_i(const ::onnx::NodeProto &n, const char *name, int64_t dflt)
{
	const auto *a = attr(n, name);
	return a != nullptr ? a->i() : dflt;
}
// Float attribute `name`, `dflt` when absent.
inline float attr_f(const ::onnx::NodeProto &n, const char *name, float dflt)
{
	const auto *a = attr(n, name);
	return a != nullptr ? a->f() : dflt;
}
// Integer-list attribute `name`, `dflt` when absent.
inline std::vector<int64_t> attr_ints(const ::onnx::NodeProto &n, const char *name, std::vector<int64_t> dflt)
{
	const auto *a = attr(n, name);
	return a != nullptr ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : dflt;
}

// How a translation refuses a model; both translators derive from it.  `corrupt` tells a model
// that no engine should take (invalid, or over a cap of onnx_xnn.hpp) from one this engine does
// not cover (the caller falls back to OpenCV DNN); `error` says why.  Every refusing method
// returns false, so that `return bad(...)` ends the caller's step.
struct Refusal {
	bool corrupt = false;
	std::string error;

	// Refuses as invalid ONNX: corrupt, "invalid ONNX model: <why>".
	bool bad(const std::string &why)
	{
		corrupt = true;
		error = "invalid ONNX model: " + why;
		return false;
	}
	// Refuses as not covered, with `why` as the whole message.
	bool fail(const std::string &why)
	{
		error = why;
		return false;
	}
	// Refuses node `n` as not covered: "node '<name>' ([<domain>:]<op>): <why>".
	bool unsupported(const ::onnx::NodeProto &n, const std::string &why)
	{
		return fail("node '" + n.name() + "' (" + (n.domain().empty() ? "" : n.domain() + ":") + n.op_type() +
			    "): " + why);
	}
	// Refuses with the graph builder's own error (XNNPACK refused a value or node of `x`).
	bool refused(const xnn::Graph &x) { return fail(x.error()); }
	// Refuses as over a cap of onnx_xnn.hpp (corrupt: no engine gets the model):
	// "ONNX model over the engine's limits: <what>".
	bool over_cap(const std::string &what)
	{
		corrupt = true;
		error = "ONNX model over the engine's limits: " + what;
		return false;
	}
	// Counts `bytes` more of constants copied into the graph (`used` so far) against the model's
	// size + kConstantSlackBytes, so that an initializer many nodes share cannot multiply; over
	// it: refused by over_cap(), `used` unchanged.
	bool constant_budget(size_t model_bytes, size_t &used, size_t bytes)
	{
		if (bytes > model_bytes + kConstantSlackBytes - used)
			return over_cap("the weights copied into the graph exceed the model's size + " +
					std::to_string(kConstantSlackBytes >> 20) +
					" MiB (an initializer shared by too many nodes)");
		used += bytes;
		return true;
	}
};

// What a convolution's attributes describe, checked against its NCHW input and OIHW weights.
struct ConvShape {
	xnn::Window window;
	size_t in_channels = 0, out_channels = 0;
	bool depthwise = false;
	Dims out_dims; // NCHW
};

// Parses kernel_shape/strides/dilations/pads/group of a Conv or QLinearConv with NCHW input `in`
// and OIHW weights `wd` into `cs`.  Returns "" on success, else why not; `corrupt` is set when the
// values are impossible (strides, dilations or pads out of range, a kernel larger than the padded
// input) rather than not covered (auto_pad, other ranks, grouped but not depthwise).
inline std::string conv_shape(const ::onnx::NodeProto &n, const Dims &in, const Dims &wd, ConvShape &cs, bool &corrupt)
{
	corrupt = false;
	if (in.size() != 4 || wd.size() != 4)
		return "needs a 4-D input and 4-D OIHW weights";
	const auto group = attr_i(n, "group", 1);
	const auto ks = attr_ints(n, "kernel_shape", {static_cast<int64_t>(wd[2]), static_cast<int64_t>(wd[3])});
	const auto st = attr_ints(n, "strides", {1, 1});
	const auto dl = attr_ints(n, "dilations", {1, 1});
	const auto pd = attr_ints(n, "pads", {0, 0, 0, 0});
	const auto *ap = attr(n, "auto_pad");
	if ((ap != nullptr && ap->s() != "NOTSET") || ks.size() != 2 || st.size() != 2 || dl.size() != 2 ||
	    pd.size() != 4 || ks[0] != static_cast<int64_t>(wd[2]) || ks[1] != static_cast<int64_t>(wd[3]))
		return "attributes other than explicit 2-D pads/strides/dilations";
	corrupt = true;
	for (const auto v : {st[0], st[1], dl[0], dl[1]})
		if (v < 1 || v > 64)
			return "stride or dilation out of range";
	for (const auto v : pd)
		if (v < 0 || v > 1024)
			return "padding out of range";
	const size_t c = in[1], oc = wd[0], kh = wd[2], kw = wd[3];
	xnn::Window &w = cs.window;
	w.kernel_h = static_cast<uint32_t>(kh);
	w.kernel_w = static_cast<uint32_t>(kw);
	w.stride_h = static_cast<uint32_t>(st[0]);
	w.stride_w = static_cast<uint32_t>(st[1]);
	w.dilation_h = static_cast<uint32_t>(dl[0]);
	w.dilation_w = static_cast<uint32_t>(dl[1]);
	w.pad_top = static_cast<uint32_t>(pd[0]);
	w.pad_left = static_cast<uint32_t>(pd[1]);
	w.pad_bottom = static_cast<uint32_t>(pd[2]);
	w.pad_right = static_cast<uint32_t>(pd[3]);
	const size_t eh = (kh - 1) * w.dilation_h + 1, ew = (kw - 1) * w.dilation_w + 1;
	const size_t ph = in[2] + w.pad_top + w.pad_bottom, pw = in[3] + w.pad_left + w.pad_right;
	if (ph < eh || pw < ew)
		return "kernel larger than the padded input";
	corrupt = false;
	cs.depthwise = group > 1 && static_cast<size_t>(group) == c && wd[1] == 1 && oc % c == 0;
	if (!cs.depthwise && (group != 1 || wd[1] != c))
		return "grouped convolution other than depthwise";
	cs.in_channels = c;
	cs.out_channels = oc;
	cs.out_dims = {in[0], oc, (ph - eh) / w.stride_h + 1, (pw - ew) / w.stride_w + 1};
	return "";
}

// OIHW weights `w` of dims `wd` (w.size() == count(wd)) -> OHWI (convolution) or
// [1, KH, KW, OC] (depthwise), element type T.
template <class T>
std::vector<T> oihw_to_xnn(const std::vector<T> &w, const Dims &wd, bool depthwise)
{
	std::vector<T> t(w.size());
	const size_t oc = wd[0], ic = wd[1], kh = wd[2], kw = wd[3];
	for (size_t o = 0; o < oc; ++o)
		for (size_t i = 0; i < ic; ++i)
			for (size_t y = 0; y < kh; ++y)
				for (size_t x = 0; x < kw; ++x) {
					const T v = w[((o * ic + i) * kh + y) * kw + x];
					if (depthwise)
						t[(y * kw + x) * oc + o] = v;
					else
						t[((o * kh + y) * kw + x) * ic + i] = v;
				}
	return t;
}

} // namespace vaccel::onnx::util
