// SPDX-License-Identifier: Apache-2.0
// QOperator int8 front end of the XNNPACK engine; see onnx_xnn_quant.hpp.
#include "onnx_xnn_quant.hpp"

#include "onnx_xnn_quant_impl.hpp"

namespace vaccel::onnx {

namespace quant {

// XNNPACK's qc8 weights are symmetric int8: ONNX int8 weights with zero points 0 (one or one per
// channel), with one scale or one per channel.
std::string QTranslator::weights(const ::onnx::NodeProto &n, int wi, size_t channels, std::vector<int8_t> &w, Dims &wd,
				 std::vector<float> &scales)
{
	const TP *t = init(n, wi);
	if (t == nullptr || t->data_type() != TP::INT8)
		return "weights not a constant int8 tensor";
	if (!read_tensor(*t, w, wd))
		return "!weight data do not match their dims";
	std::vector<float> s;
	Dims sd;
	const TP *st = init(n, wi + 1);
	if (st == nullptr || st->data_type() != TP::FLOAT || !read_tensor(*st, s, sd) ||
	    (s.size() != 1 && s.size() != channels))
		return "weight scale not a constant f32 scalar or vector of the output channels";
	if (!std::all_of(s.begin(), s.end(), [](float v) { return std::isfinite(v) && v > 0.0F && v < 1e30F; }))
		return "!a zero, negative or non-finite weight scale";
	scales.assign(channels, s[0]);
	if (s.size() == channels)
		scales = s;
	std::vector<int8_t> z;
	const TP *zt = init(n, wi + 2);
	if (zt == nullptr && wi + 2 < n.input_size() && !n.input(wi + 2).empty())
		return "weight zero point not a constant";
	if (zt != nullptr && (zt->data_type() != TP::INT8 || !read_tensor(*zt, z, sd) ||
			      std::any_of(z.begin(), z.end(), [](int8_t v) { return v != 0; })))
		return "weight zero points other than int8 zeros (asymmetric weights)";
	return "";
}

bool QTranslator::node(const ::onnx::NodeProto &n)
{
	const std::string &op = n.op_type();
	const bool ms = n.domain() == "com.microsoft";
	if (!ms && !n.domain().empty() && n.domain() != "ai.onnx")
		return unsupported(n, "operator domain not covered by the XNNPACK engine");
	if (ms && op != "QLinearAdd" && op != "QLinearGlobalAveragePool")
		return unsupported(n, "not implemented by the XNNPACK engine");
	if (op == "QuantizeLinear")
		return quantize(n);
	if (op == "DequantizeLinear")
		return dequantize(n);
	if (op == "QLinearConv")
		return conv(n);
	if (op == "QLinearMatMul")
		return matmul(n);
	if (op == "QLinearAdd")
		return add(n);
	if (op == "QLinearGlobalAveragePool")
		return global_pool(n);
	if (op == "Reshape")
		return reshape(n);
	if (op == "Shape" || op == "Gather" || op == "Unsqueeze" || op == "Concat")
		return shape_math(n);
	return unsupported(n, "not implemented by the XNNPACK engine (int8 graphs)");
}

bool QTranslator::quantize(const ::onnx::NodeProto &n)
{
	const QVal *v = val(n, 0);
	if (v == nullptr || v->id == xnn::kNoValue || v->quant)
		return unsupported(n, "input is not a computed f32 tensor");
	if (attr(n, "axis") != nullptr && init(n, 1) != nullptr && init(n, 1)->dims_size() != 0)
		return unsupported(n, "per-axis activation quantisation");
	float s = 0.0F;
	int32_t z = 0;
	if (!qparams_or_fail(n, 1, 2, s, z))
		return false;
	const QVal src = *v;
	const auto y = out(n, src.dims, true, s, z);
	return y && (x_.convert(src.id, *y) || refused());
}

bool QTranslator::dequantize(const ::onnx::NodeProto &n)
{
	const QVal *v = val(n, 0);
	if (v != nullptr && v->quant && n.output_size() == 1 && n.output(0) != output_) {
		// Read by Shape alone (the classifier head): only its shape matters, never computed.
		const auto &rd = readers_[n.output(0)];
		if (std::all_of(rd.begin(), rd.end(), [](const auto *r) { return r->op_type() == "Shape"; })) {
			if (vals_.count(n.output(0)) != 0)
				return invalid(n, "output written twice");
			vals_[n.output(0)] = {xnn::kNoValue, v->dims};
			return true;
		}
	}
	if (v == nullptr && init(n, 0) != nullptr)
		return unsupported(n, "dequantised constant weights (QDQ format) are not covered");
	const auto src = qin(n, 0, 1, 2);
	if (!src)
		return false;
	const auto y = out(n, src->dims, false);
	return y && (x_.convert(src->id, *y) || refused());
}

// Reshape of a computed tensor to a shape known at load.  NHWC and NCHW hold the same bytes only
// when no 4-D side has H or W > 1, so other reshapes are refused.
bool QTranslator::reshape(const ::onnx::NodeProto &n)
{
	const QVal *v = val(n, 0);
	const Ints *shape = ints(n, 1);
	if (v == nullptr || v->id == xnn::kNoValue || shape == nullptr || shape->dims.size() != 1)
		return unsupported(n, "other than a computed tensor to a shape known at load");
	if (attr_i(n, "allowzero", 0) != 0 || shape->v.size() > 6)
		return unsupported(n, "allowzero, or a shape of more than 6 dimensions");
	const QVal src = *v;
	Dims want;
	size_t infer = SIZE_MAX;
	for (size_t i = 0; i < shape->v.size(); ++i) {
		const int64_t d = shape->v[i];
		if (d == -1 && infer == SIZE_MAX) {
			infer = i;
			want.push_back(1);
		} else if (d == 0 && i < src.dims.size()) {
			want.push_back(src.dims[i]);
		} else if (d >= 1 && static_cast<size_t>(d) <= kMaxElements) {
			want.push_back(static_cast<size_t>(d));
		} else {
			return invalid(n, "shape entry " + std::to_string(d));
		}
	}
	// Checked product: hostile entries must not wrap around to the input's element count.
	size_t known = 1;
	for (const size_t d : want)
		if ((known *= d) > kMaxElements)
			return invalid(n, "the shape holds too many elements");
	if (infer != SIZE_MAX && count(src.dims) % known == 0)
		want[infer] = count(src.dims) / known;
	if (want.empty() || count(want) != count(src.dims))
		return invalid(n, "the shape does not hold the input's elements");
	const auto plain = [](const Dims &d) { return d.size() != 4 || (d[2] == 1 && d[3] == 1); };
	if (!plain(src.dims) || !plain(want))
		return unsupported(n, "reshaping a 4-D tensor with H or W > 1 (layout differs)");
	const auto y = out(n, want, src.quant, src.scale, src.zp);
	return y && (x_.reshape(src.id, *y) || refused());
}

// Shape, Gather, Unsqueeze, Concat on int64 tensors known at load: folded here.
bool QTranslator::shape_math(const ::onnx::NodeProto &n)
{
	const std::string &op = n.op_type();
	if (op == "Shape") {
		const QVal *v = val(n, 0);
		if (v == nullptr || attr(n, "start") != nullptr || attr(n, "end") != nullptr)
			return unsupported(n, "other than the whole shape of a tensor known at load");
		return fold(n, {{v->dims.size()}, std::vector<int64_t>(v->dims.begin(), v->dims.end())});
	}
	const Ints *a = ints(n, 0);
	if (a == nullptr)
		return unsupported(n, "input not an int64 tensor known at load");
	if (op == "Gather") {
		const Ints data = *a;
		const Ints *idx = ints(n, 1);
		if (idx == nullptr || data.dims.size() != 1 || attr_i(n, "axis", 0) != 0 || idx->dims.size() > 1)
			return unsupported(n, "other than indexing a 1-D int64 tensor known at load");
		Ints r{idx->dims, {}};
		const auto size = static_cast<int64_t>(data.v.size());
		for (int64_t i : idx->v) {
			if (i < -size || i >= size)
				return invalid(n, "index " + std::to_string(i) + " out of range");
			r.v.push_back(data.v[static_cast<size_t>(i < 0 ? i + size : i)]);
		}
		return fold(n, std::move(r));
	}
	if (op == "Unsqueeze") {
		Ints r = *a;
		const Ints *ax_in = n.input_size() > 1 ? ints(n, 1) : nullptr; // opset 13: an input
		const std::vector<int64_t> axes = ax_in != nullptr ? ax_in->v : attr_ints(n, "axes", {});
		if (axes.empty() || axes.size() > 8)
			return unsupported(n, "axes neither an attribute nor an int64 tensor known at load");
		const auto rank = static_cast<int64_t>(r.dims.size() + axes.size());
		std::vector<int64_t> norm;
		for (const int64_t ax : axes) {
			if (ax < -rank || ax >= rank)
				return invalid(n, "axis " + std::to_string(ax) + " out of range");
			norm.push_back(ax < 0 ? ax + rank : ax);
		}
		std::sort(norm.begin(), norm.end());
		for (const int64_t ax : norm)
			r.dims.insert(r.dims.begin() + std::min<int64_t>(ax, static_cast<int64_t>(r.dims.size())), 1);
		return fold(n, std::move(r));
	}
	// Concat of 1-D int64 tensors.
	const int64_t axis = attr_i(n, "axis", 0);
	Ints r{{0}, {}};
	for (int i = 0; i < n.input_size(); ++i) {
		const Ints *p = ints(n, i);
		if (p == nullptr || p->dims.size() != 1 || (axis != 0 && axis != -1))
			return unsupported(n, "other than joining 1-D int64 tensors known at load");
		r.v.insert(r.v.end(), p->v.begin(), p->v.end());
		if (r.v.size() > 64)
			return unsupported(n, "shape tensor longer than 64");
	}
	r.dims = {r.v.size()};
	return fold(n, std::move(r));
}

} // namespace quant

using quant::Dims;

bool is_qoperator_graph(const ::onnx::GraphProto &g)
{
	return std::any_of(g.node().begin(), g.node().end(), quant::is_qop);
}

bool translate_qoperator(const ::onnx::GraphProto &g, const std::string &input, const Dims &in_dims,
			 const std::string &output, xnn::Graph &x, size_t model_bytes, XnnUsage &usage, uint32_t &in_id,
			 uint32_t &out_id, Dims &out_dims, bool &corrupt, std::string &error)
{
	quant::QTranslator tr(g, x, model_bytes, usage);
	const bool ok = tr.run(input, in_dims, output, in_id, out_id, out_dims);
	corrupt = tr.corrupt;
	error = tr.error;
	return ok;
}

} // namespace vaccel::onnx
