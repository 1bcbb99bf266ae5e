// SPDX-License-Identifier: Apache-2.0
// The compute operators of the QOperator front end (QLinearConv, QLinearMatMul, QLinearAdd,
// QLinearGlobalAveragePool); see onnx_xnn_quant.hpp.
#include "onnx_xnn_quant_impl.hpp"

namespace vaccel::onnx::quant {

// A qc8 filter (XNNPACK layout `fdims`, one scale per channel along `channel_dim`) and its int32
// bias, whose per-channel scales are x_scale * ws[c]; both counted against the constant cap.
bool QTranslator::qc8_filter(const std::vector<int8_t> &w, const Dims &fdims, size_t channel_dim,
			     const std::vector<float> &ws, float x_scale, const std::vector<int32_t> &bias,
			     uint32_t &fid, uint32_t &bid)
{
	if (!constants(w.size() + bias.size() * 4))
		return false;
	xnn::Tensor f;
	f.type = xnn::Type::QCS8;
	f.dims = fdims;
	f.channel_dim = channel_dim;
	f.channel_scales = ws;
	f.data = w.data();
	xnn::Tensor b;
	b.type = xnn::Type::QCS32;
	b.dims = {bias.size()};
	b.channel_scales = ws;
	for (float &s : b.channel_scales)
		s *= x_scale;
	b.data = bias.data();
	fid = value(f);
	bid = fid == xnn::kNoValue ? xnn::kNoValue : value(b);
	return bid != xnn::kNoValue || refused();
}

// y = requant(conv(x, w) + bias): x and y int8 per-tensor, w int8 per-channel, bias int32 with
// scale x_scale * w_scale[c] (ONNX's definition, which is also XNNPACK's).
bool QTranslator::conv(const ::onnx::NodeProto &n)
{
	const auto x = qin(n, 0, 1, 2);
	if (!x)
		return false;
	const TP *wt = init(n, 3);
	if (wt == nullptr || wt->dims_size() != 4 || wt->dims(0) < 1 || wt->dims(0) > 65536)
		return unsupported(n, "weights not a constant 4-D OIHW tensor");
	const auto oc = static_cast<size_t>(wt->dims(0));
	std::vector<int8_t> w;
	Dims wd;
	std::vector<float> ws;
	if (const std::string why = weights(n, 3, oc, w, wd, ws); !why.empty())
		return why[0] == '!' ? invalid(n, why.substr(1)) : unsupported(n, why);
	float ys = 0.0F;
	int32_t yz = 0;
	if (!qparams_or_fail(n, 6, 7, ys, yz))
		return false;
	util::ConvShape cs;
	bool impossible = false;
	if (const std::string why = util::conv_shape(n, x->dims, wd, cs, impossible); !why.empty())
		return impossible ? invalid(n, why) : unsupported(n, why);
	std::vector<int32_t> bias(oc, 0);
	if (const TP *bt = init(n, 8); bt != nullptr) {
		Dims bd;
		if (bt->data_type() != TP::INT32 || !read_tensor(*bt, bias, bd) || bias.size() != oc)
			return invalid(n, "bias not an int32 vector of the output channels");
	} else if (n.input_size() > 8 && !n.input(8).empty()) {
		return unsupported(n, "bias not a constant");
	}
	const Dims fdims = cs.depthwise ? Dims{1, wd[2], wd[3], oc} : Dims{oc, wd[2], wd[3], wd[1]};
	uint32_t fid = xnn::kNoValue, bid = xnn::kNoValue;
	if (!qc8_filter(util::oihw_to_xnn(w, wd, cs.depthwise), fdims, cs.depthwise ? 3 : 0, ws, x->scale, bias, fid,
			bid))
		return false;
	const auto y = out(n, cs.out_dims, true, ys, yz);
	if (!y)
		return false;
	const size_t c = cs.in_channels;
	const bool ok =
		cs.depthwise ? x_.depthwise_conv2d(cs.window, c, static_cast<uint32_t>(oc / c), {}, x->id, fid, bid, *y)
			     : x_.conv2d(cs.window, c, oc, {}, x->id, fid, bid, *y);
	return ok || refused();
}

// [N,K] x [K,M] with constant per-column int8 weights.  This XNNPACK has no qc8 fully connected
// operator, so it runs as a 1x1 qc8 convolution on [N,1,1,K].
bool QTranslator::matmul(const ::onnx::NodeProto &n)
{
	const auto a = qin(n, 0, 1, 2);
	if (!a)
		return false;
	const TP *bt = init(n, 3);
	if (a->dims.size() != 2 || bt == nullptr || bt->dims_size() != 2 || bt->dims(1) < 1 || bt->dims(1) > 1 << 20)
		return unsupported(n, "other than a 2-D input times a constant 2-D weight");
	const size_t k = a->dims[1], m = static_cast<size_t>(bt->dims(1));
	std::vector<int8_t> w;
	Dims wd;
	std::vector<float> ws;
	if (const std::string why = weights(n, 3, m, w, wd, ws); !why.empty())
		return why[0] == '!' ? invalid(n, why.substr(1)) : unsupported(n, why);
	if (wd[0] != k)
		return invalid(n, "weight rows do not match the input");
	float ys = 0.0F;
	int32_t yz = 0;
	if (!qparams_or_fail(n, 6, 7, ys, yz))
		return false;
	std::vector<int8_t> t(w.size());
	for (size_t i = 0; i < k; ++i)
		for (size_t j = 0; j < m; ++j)
			t[j * k + i] = w[i * m + j];
	uint32_t fid = xnn::kNoValue, bid = xnn::kNoValue;
	if (!qc8_filter(t, {m, 1, 1, k}, 0, ws, a->scale, std::vector<int32_t>(m, 0), fid, bid))
		return false;
	xnn::Tensor in4;
	in4.type = xnn::Type::QS8;
	in4.dims = {a->dims[0], 1, 1, k};
	in4.scale = a->scale;
	in4.zero_point = a->zp;
	xnn::Tensor out4 = in4;
	out4.dims = {a->dims[0], 1, 1, m};
	out4.scale = ys;
	out4.zero_point = yz;
	const uint32_t iid = value(in4), oid = value(out4);
	if (iid == xnn::kNoValue || oid == xnn::kNoValue)
		return refused();
	const auto y = out(n, {a->dims[0], m}, true, ys, yz);
	xnn::Window one;
	return y && ((x_.reshape(a->id, iid) && x_.conv2d(one, k, m, {}, iid, fid, bid, oid) && x_.reshape(oid, *y)) ||
		     refused());
}

// com.microsoft QLinearAdd: two computed tensors of one shape, or a computed tensor plus a
// constant broadcast along its last axis (the classifier's bias) or a scalar.
bool QTranslator::add(const ::onnx::NodeProto &n)
{
	float cs = 0.0F;
	int32_t cz = 0;
	if (n.input_size() < 7 || !qparams_or_fail(n, 6, 7, cs, cz))
		return n.input_size() < 7 ? invalid(n, "fewer than 7 inputs") : false;
	const QVal *va = val(n, 0), *vb = val(n, 3);
	if (va != nullptr && vb != nullptr) {
		const auto a = qin(n, 0, 1, 2);
		const auto b = a ? qin(n, 3, 4, 5) : std::nullopt;
		if (!b)
			return false;
		if (a->dims != b->dims)
			return unsupported(n, "broadcasting add of two computed tensors");
		const auto y = out(n, a->dims, true, cs, cz);
		return y && (x_.add({}, a->id, b->id, *y) || refused());
	}
	const int ci = va != nullptr ? 3 : 0;
	const auto v = qin(n, va != nullptr ? 0 : 3, va != nullptr ? 1 : 4, va != nullptr ? 2 : 5);
	if (!v)
		return false;
	const TP *ct = init(n, ci);
	float ks = 0.0F;
	int32_t kz = 0;
	if (ct == nullptr || (ct->data_type() != TP::UINT8 && ct->data_type() != TP::INT8))
		return unsupported(n, "operand neither computed nor a constant uint8/int8 tensor");
	if (!qparams_or_fail(n, ci + 1, ci + 2, ks, kz))
		return false;
	std::vector<uint8_t> raw;
	Dims cd;
	if (!read_tensor(*ct, raw, cd))
		return invalid(n, "constant data do not match its dims");
	const size_t last = v->dims.empty() ? 1 : v->dims.back();
	if (raw.size() != 1 && (v->dims.size() != 2 || raw.size() != last))
		return unsupported(n, "constant other than a scalar or a vector along the last axis of a 2-D tensor");
	// The same int8 shift as the activations: uint8 - 128 (an int8 constant is used as it is),
	// matching the zero point qparams() read.
	std::vector<int8_t> data(raw.size());
	const bool u8 = ct->data_type() == TP::UINT8;
	std::transform(raw.begin(), raw.end(), data.begin(), [u8](uint8_t b) {
		return static_cast<int8_t>(u8 ? static_cast<int>(b) - 128 : static_cast<int8_t>(b));
	});
	xnn::Tensor k;
	k.type = xnn::Type::QS8;
	k.dims = {raw.size()};
	k.scale = ks;
	k.zero_point = kz;
	k.data = data.data();
	if (!constants(data.size()))
		return false;
	const uint32_t kid = value(k);
	if (kid == xnn::kNoValue)
		return refused();
	const auto y = out(n, v->dims, true, cs, cz);
	return y && ((va != nullptr ? x_.add({}, v->id, kid, *y) : x_.add({}, kid, v->id, *y)) || refused());
}

// com.microsoft QLinearGlobalAveragePool on NCHW ([N,C,H,W] -> [N,C,1,1]).
bool QTranslator::global_pool(const ::onnx::NodeProto &n)
{
	const auto x = qin(n, 0, 1, 2);
	if (!x)
		return false;
	if (attr_i(n, "channels_last", 0) != 0 || x->dims.size() != 4)
		return unsupported(n, "other than a 4-D NCHW input");
	float ys = 0.0F;
	int32_t yz = 0;
	if (!qparams_or_fail(n, 3, 4, ys, yz))
		return false;
	const auto y = out(n, {x->dims[0], x->dims[1], 1, 1}, true, ys, yz);
	return y && (x_.global_average_pool({}, x->id, *y) || refused());
}

} // namespace vaccel::onnx::quant
