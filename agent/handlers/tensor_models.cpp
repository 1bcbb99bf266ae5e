// SPDX-License-Identifier: Apache-2.0
// TF / TFLite / Torch model load, run and unload with tensors out of band.
#include "handlers.hpp"

#include "log.hpp"

#include <vaccel/cpp/tensor_kind.hpp>

#include <cstring>
#include <limits>
#include <memory>

namespace vaccel::agent::handlers {
namespace {

// Checks tensor descriptors: bounded counts and dims.
bool tensors_ok(const google::protobuf::RepeatedPtrField<v1::Tensor> &ts, std::string &why)
{
	if (static_cast<size_t>(ts.size()) > kMaxTensors) {
		why = "too many tensors";
		return false;
	}
	for (auto &t : ts)
		if (static_cast<size_t>(t.dims_size()) > kMaxDims) {
			why = "too many tensor dims";
			return false;
		}
	return true;
}

// The C helpers of one tensor kind (vaccel/cpp/tensor_kind.hpp), so that the three model
// families share one wrapping code.
using vaccel::TensorKind;

// Owns tensors (inputs borrowing payload bytes, or outputs allocated by the plugin).
template <typename T>
struct Tensors {
	std::vector<T *> list;
	std::vector<std::unique_ptr<std::byte[]>> copies; // aligned copies of misaligned inputs
	Tensors() = default;
	explicit Tensors(size_t n) : list(n, nullptr) {}
	Tensors(const Tensors &) = delete;
	Tensors &operator=(const Tensors &) = delete;
	~Tensors()
	{
		for (auto *t : list)
			if (t)
				TensorKind<T>::destroy(t);
	}
};

// Input tensor data is plain numbers: the one kind of client bytes (with BLAS matrices) that
// may be read in place from the client's shared memory (docs/protocol.md, "Client memory"),
// when aligned for any element type; misaligned data is copied.
constexpr size_t kTensorAlign = 8;

// Wraps the request's input tensors around the next payload segments (sizes were checked
// against the payload when the request arrived).
template <typename T>
int wrap_inputs(const google::protobuf::RepeatedPtrField<v1::Tensor> &ts, rpc::PayloadCursor &seg, Tensors<T> &in,
		std::string &why)
{
	using dim_t = typename TensorKind<T>::dim_t;
	for (auto &t : ts) {
		std::vector<dim_t> dims;
		for (auto d : t.dims()) {
			if (d < std::numeric_limits<dim_t>::min() || d > std::numeric_limits<dim_t>::max()) {
				why = "tensor dim out of range";
				return VACCEL_EINVAL;
			}
			dims.push_back(static_cast<dim_t>(d));
		}
		if (!TensorKind<T>::valid_type(t.data_type())) {
			why = "invalid tensor data type " + std::to_string(t.data_type());
			return VACCEL_EINVAL;
		}
		T *vt = nullptr;
		if (int ret = TensorKind<T>::create(&vt, static_cast<typename TensorKind<T>::nr_dims_t>(dims.size()),
						    dims.data(),
						    static_cast<typename TensorKind<T>::data_type_t>(t.data_type()))) {
			why = "bad input tensor";
			return ret;
		}
		in.list.push_back(vt);
		std::byte *data = seg.take(t.size());
		if (t.size() && !data) {
			why = kSplitSegment;
			return VACCEL_EINVAL;
		}
		if (data && reinterpret_cast<uintptr_t>(data) % kTensorAlign != 0) {
			auto copy = std::make_unique_for_overwrite<std::byte[]>(t.size());
			memcpy(copy.get(), data, t.size());
			data = copy.get();
			in.copies.push_back(std::move(copy));
		}
		TensorKind<T>::set_data(vt, data, t.size());
	}
	return VACCEL_OK;
}

// Run options are parsed by the engine: a private copy of the next segment (docs/protocol.md,
// "Client memory"), never the client's shared bytes.
bool private_copy(rpc::PayloadCursor &seg, uint64_t n, std::vector<std::byte> &out)
{
	const std::byte *p = seg.take(n);
	if (!p)
		return false;
	out.assign(p, p + n);
	return true;
}

// Describes the outputs in the reply and hands their bytes to it as payload; the tensors are
// freed once the response has been written.
template <typename T>
void reply_outputs(v1::ModelRunDone *done, int ret, std::shared_ptr<Tensors<T>> out, uint64_t max_response, Reply &r)
{
	uint64_t total = 0;
	for (const T *t : out->list)
		if (t && t->data)
			total += t->size;
	if (ret == VACCEL_OK && total > max_response) {
		r.fail(VACCEL_ENOMEM, "output tensors exceed the response limit (--max-response)");
		r.cleanup.push_back([out = std::move(out)] {});
		return;
	}
	if (ret == VACCEL_OK)
		for (const T *t : out->list) {
			auto *pt = done->add_out_tensors();
			if (!t) {
				pt->set_size(0);
				continue;
			}
			for (int64_t d = 0; d < static_cast<int64_t>(t->nr_dims); ++d)
				pt->add_dims(t->dims[d]);
			pt->set_data_type(static_cast<int32_t>(t->data_type));
			pt->set_size(t->data ? t->size : 0);
			if (t->data && t->size)
				r.payload.push_back({t->data, t->size});
		}
	r.cleanup.push_back([out = std::move(out)] {});
}

} // namespace

// ---- TensorFlow ----------------------------------------------------------------------------

void tf_load(Tenant &t, const v1::ModelRef &m, bool unload, Reply &r)
{
	Tenant::SessionEntry *s = nullptr;
	vaccel_resource *model = t.find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	vaccel_tf_status status{};
	uint64_t t0 = monotonic_ns();
	int ret = unload ? vaccel_tf_model_unload(s->sess, model, &status)
			 : vaccel_tf_model_load(s->sess, model, &status);
	t.record_sample(*s, unload ? "tf_model_unload" : "tf_model_load", t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	auto *st = r.resp.mutable_model_loaded()->mutable_status();
	st->set_code(status.code);
	if (status.message)
		st->set_message(status.message);
	vaccel_tf_status_release(&status);
}

void tf_run(Tenant &t, const v1::TfModelRun &m, const rpc::PayloadView &payload, Reply &r)
{
	Tenant::SessionEntry *s = nullptr;
	vaccel_resource *model = t.find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	std::string why;
	if (!tensors_ok(m.in_tensors(), why) || m.in_nodes_size() != m.in_tensors_size() ||
	    static_cast<size_t>(m.out_nodes_size()) > kMaxTensors) {
		r.fail(VACCEL_EINVAL, why.empty() ? "inconsistent tf nodes/tensors" : why);
		return;
	}
	rpc::PayloadCursor seg{payload};
	vaccel_tf_buffer run_options{};
	vaccel_tf_buffer *ro = nullptr;
	std::vector<std::byte> ro_copy;
	if (m.run_options_size()) {
		if (!private_copy(seg, m.run_options_size(), ro_copy)) {
			r.fail(VACCEL_EINVAL, kSplitSegment);
			return;
		}
		run_options.data = ro_copy.data();
		run_options.size = ro_copy.size();
		ro = &run_options;
	}
	std::vector<vaccel_tf_node> in_nodes, out_nodes;
	for (auto &n : m.in_nodes())
		in_nodes.push_back({const_cast<char *>(n.name().c_str()), n.id()});
	for (auto &n : m.out_nodes())
		out_nodes.push_back({const_cast<char *>(n.name().c_str()), n.id()});
	Tensors<vaccel_tf_tensor> in;
	if (int ret = wrap_inputs(m.in_tensors(), seg, in, why)) {
		r.fail(ret, why);
		return;
	}
	auto out = std::make_shared<Tensors<vaccel_tf_tensor>>(static_cast<size_t>(m.out_nodes_size()));
	vaccel_tf_status status{};
	uint64_t t0 = monotonic_ns();
	int ret = vaccel_tf_model_run(s->sess, model, ro, in_nodes.data(), in.list.data(),
				      static_cast<int>(in.list.size()), out_nodes.data(), out->list.data(),
				      static_cast<int>(out->list.size()), &status);
	t.record_sample(*s, "tf_model_run", t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	auto *done = r.resp.mutable_model_run_done();
	done->mutable_status()->set_code(status.code);
	if (status.message)
		done->mutable_status()->set_message(status.message);
	vaccel_tf_status_release(&status);
	reply_outputs(done, ret, std::move(out), t.cfg().max_response, r);
}

// ---- TFLite --------------------------------------------------------------------------------

void tflite_load(Tenant &t, const v1::ModelRef &m, bool unload, Reply &r)
{
	Tenant::SessionEntry *s = nullptr;
	vaccel_resource *model = t.find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	uint64_t t0 = monotonic_ns();
	int ret = unload ? vaccel_tflite_model_unload(s->sess, model) : vaccel_tflite_model_load(s->sess, model);
	t.record_sample(*s, unload ? "tflite_model_unload" : "tflite_model_load", t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	if (ret != VACCEL_OK)
		r.resp.set_error("tflite model load/unload failed on the agent");
}

void tflite_run(Tenant &t, const v1::TfliteModelRun &m, const rpc::PayloadView &payload, Reply &r)
{
	Tenant::SessionEntry *s = nullptr;
	vaccel_resource *model = t.find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	std::string why;
	if (!tensors_ok(m.in_tensors(), why) || m.nr_out() > kMaxTensors) {
		r.fail(VACCEL_EINVAL, why.empty() ? "too many output tensors" : why);
		return;
	}
	rpc::PayloadCursor seg{payload};
	Tensors<vaccel_tflite_tensor> in;
	if (int ret = wrap_inputs(m.in_tensors(), seg, in, why)) {
		r.fail(ret, why);
		return;
	}
	auto out = std::make_shared<Tensors<vaccel_tflite_tensor>>(m.nr_out());
	uint8_t status = 0;
	uint64_t t0 = monotonic_ns();
	int ret = vaccel_tflite_model_run(s->sess, model, in.list.data(), static_cast<int>(in.list.size()),
					  out->list.data(), static_cast<int>(out->list.size()), &status);
	t.record_sample(*s, "tflite_model_run", t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	auto *done = r.resp.mutable_model_run_done();
	done->mutable_status()->set_code(status);
	reply_outputs(done, ret, std::move(out), t.cfg().max_response, r);
}

// ---- Torch ---------------------------------------------------------------------------------

void torch_load(Tenant &t, const v1::ModelRef &m, Reply &r)
{
	Tenant::SessionEntry *s = nullptr;
	vaccel_resource *model = t.find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	uint64_t t0 = monotonic_ns();
	int ret = vaccel_torch_model_load(s->sess, model);
	t.record_sample(*s, "torch_model_load", t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	if (ret != VACCEL_OK)
		r.resp.set_error("torch model load failed on the agent");
}

void torch_run(Tenant &t, const v1::TorchModelRun &m, const rpc::PayloadView &payload, Reply &r)
{
	Tenant::SessionEntry *s = nullptr;
	vaccel_resource *model = t.find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	std::string why;
	if (!tensors_ok(m.in_tensors(), why) || m.nr_out() > kMaxTensors) {
		r.fail(VACCEL_EINVAL, why.empty() ? "too many output tensors" : why);
		return;
	}
	rpc::PayloadCursor seg{payload};
	vaccel_torch_buffer run_options{};
	vaccel_torch_buffer *ro = nullptr;
	std::vector<std::byte> ro_copy;
	if (m.run_options_size()) {
		if (!private_copy(seg, m.run_options_size(), ro_copy)) {
			r.fail(VACCEL_EINVAL, kSplitSegment);
			return;
		}
		run_options.data = reinterpret_cast<char *>(ro_copy.data());
		run_options.size = ro_copy.size();
		ro = &run_options;
	}
	Tensors<vaccel_torch_tensor> in;
	if (int ret = wrap_inputs(m.in_tensors(), seg, in, why)) {
		r.fail(ret, why);
		return;
	}
	auto out = std::make_shared<Tensors<vaccel_torch_tensor>>(m.nr_out());
	uint64_t t0 = monotonic_ns();
	int ret = vaccel_torch_model_run(s->sess, model, ro, in.list.data(), static_cast<int>(in.list.size()),
					 out->list.data(), static_cast<int>(out->list.size()));
	t.record_sample(*s, "torch_model_run", t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	reply_outputs(r.resp.mutable_model_run_done(), ret, std::move(out), t.cfg().max_response, r);
}

} // namespace vaccel::agent::handlers
