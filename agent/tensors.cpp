// TF / TFLite / Torch model load, run and unload with tensors out of band.
#include "connection.hpp"

#include "log.hpp"

#include <chrono>
#include <cstring>

namespace vaccel::agent {
namespace {

constexpr int kMaxTensors = 1024;
constexpr int kMaxDims = 64;

uint64_t mono_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Checks tensor descriptors: bounded counts and dims.
bool tensors_ok(const google::protobuf::RepeatedPtrField<v1::Tensor> &ts, std::string &why)
{
	if (ts.size() > kMaxTensors) {
		why = "too many tensors";
		return false;
	}
	for (auto &t : ts)
		if (t.dims_size() > kMaxDims) {
			why = "too many tensor dims";
			return false;
		}
	return true;
}

template <typename T> void put_out_tensor(v1::ModelRunDone *done, const T *t, Reply &r)
{
	auto *pt = done->add_out_tensors();
	if (!t) {
		pt->set_size(0);
		return;
	}
	for (int64_t d = 0; d < static_cast<int64_t>(t->nr_dims); ++d)
		pt->add_dims(t->dims[d]);
	pt->set_data_type(static_cast<int32_t>(t->data_type));
	pt->set_size(t->data ? t->size : 0);
	if (t->data && t->size)
		r.payload.push_back({t->data, t->size});
}

} // namespace

// ---- TensorFlow ----------------------------------------------------------------------------

void Connection::do_tf_load(const v1::ModelRef &m, bool unload, Reply &r)
{
	SessionEntry *s = nullptr;
	vaccel_resource *model = find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	vaccel_tf_status status{};
	uint64_t t0 = mono_ns();
	int ret = unload ? vaccel_tf_model_unload(s->sess, model, &status)
			 : vaccel_tf_model_load(s->sess, model, &status);
	record_sample(*s, unload ? "tf_model_unload" : "tf_model_load", t0, mono_ns() - t0);
	r.resp.set_status(ret);
	auto *st = r.resp.mutable_model_loaded()->mutable_status();
	st->set_code(status.code);
	if (status.message)
		st->set_message(status.message);
	vaccel_tf_status_release(&status);
}

void Connection::do_tf_run(const v1::TfModelRun &m, std::span<std::byte> payload, Reply &r)
{
	SessionEntry *s = nullptr;
	vaccel_resource *model = find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	std::string why;
	if (!tensors_ok(m.in_tensors(), why) || m.in_nodes_size() != m.in_tensors_size() ||
	    m.out_nodes_size() > kMaxTensors) {
		r.fail(VACCEL_EINVAL, why.empty() ? "inconsistent tf nodes/tensors" : why);
		return;
	}
	std::byte *p = payload.data();
	vaccel_tf_buffer run_options{};
	vaccel_tf_buffer *ro = nullptr;
	if (m.run_options_size()) {
		run_options.data = p;
		run_options.size = m.run_options_size();
		ro = &run_options;
		p += m.run_options_size();
	}
	std::vector<vaccel_tf_node> in_nodes, out_nodes;
	for (auto &n : m.in_nodes())
		in_nodes.push_back({const_cast<char *>(n.name().c_str()), n.id()});
	for (auto &n : m.out_nodes())
		out_nodes.push_back({const_cast<char *>(n.name().c_str()), n.id()});
	std::vector<vaccel_tf_tensor *> in;
	auto free_in = [&] {
		for (auto *t : in)
			vaccel_tf_tensor_delete(t);
	};
	for (auto &t : m.in_tensors()) {
		vaccel_tf_tensor *vt = nullptr;
		std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
		int ret = vaccel_tf_tensor_new(&vt, static_cast<int>(dims.size()), dims.data(),
					       static_cast<vaccel_tf_data_type>(t.data_type()));
		if (ret != VACCEL_OK) {
			free_in();
			r.fail(ret, "bad input tensor");
			return;
		}
		vaccel_tf_tensor_set_data(vt, t.size() ? p : nullptr, t.size());
		p += t.size();
		in.push_back(vt);
	}
	std::vector<vaccel_tf_tensor *> out(static_cast<size_t>(m.out_nodes_size()), nullptr);
	vaccel_tf_status status{};
	uint64_t t0 = mono_ns();
	int ret = vaccel_tf_model_run(s->sess, model, ro, in_nodes.data(), in.data(), static_cast<int>(in.size()),
				      out_nodes.data(), out.data(), static_cast<int>(out.size()), &status);
	record_sample(*s, "tf_model_run", t0, mono_ns() - t0);
	free_in();
	r.resp.set_status(ret);
	auto *done = r.resp.mutable_model_run_done();
	done->mutable_status()->set_code(status.code);
	if (status.message)
		done->mutable_status()->set_message(status.message);
	vaccel_tf_status_release(&status);
	if (ret == VACCEL_OK)
		for (auto *t : out)
			put_out_tensor(done, t, r);
	r.cleanup.push_back([out] {
		for (auto *t : out)
			if (t)
				vaccel_tf_tensor_delete(t);
	});
}

// ---- TFLite --------------------------------------------------------------------------------

void Connection::do_tflite_load(const v1::ModelRef &m, bool unload, Reply &r)
{
	SessionEntry *s = nullptr;
	vaccel_resource *model = find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	uint64_t t0 = mono_ns();
	int ret = unload ? vaccel_tflite_model_unload(s->sess, model) : vaccel_tflite_model_load(s->sess, model);
	record_sample(*s, unload ? "tflite_model_unload" : "tflite_model_load", t0, mono_ns() - t0);
	r.resp.set_status(ret);
	if (ret != VACCEL_OK)
		r.resp.set_error("tflite model load/unload failed on the agent");
}

void Connection::do_tflite_run(const v1::TfliteModelRun &m, std::span<std::byte> payload, Reply &r)
{
	SessionEntry *s = nullptr;
	vaccel_resource *model = find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	std::string why;
	if (!tensors_ok(m.in_tensors(), why) || m.nr_out() > static_cast<uint32_t>(kMaxTensors)) {
		r.fail(VACCEL_EINVAL, why.empty() ? "too many output tensors" : why);
		return;
	}
	std::byte *p = payload.data();
	std::vector<vaccel_tflite_tensor *> in;
	auto free_in = [&] {
		for (auto *t : in)
			vaccel_tflite_tensor_delete(t);
	};
	for (auto &t : m.in_tensors()) {
		std::vector<int32_t> dims;
		for (auto d : t.dims()) {
			if (d < INT32_MIN || d > INT32_MAX) {
				free_in();
				r.fail(VACCEL_EINVAL, "tflite dim out of range");
				return;
			}
			dims.push_back(static_cast<int32_t>(d));
		}
		vaccel_tflite_tensor *vt = nullptr;
		int ret = vaccel_tflite_tensor_new(&vt, static_cast<int>(dims.size()), dims.data(),
						   static_cast<vaccel_tflite_data_type>(t.data_type()));
		if (ret != VACCEL_OK) {
			free_in();
			r.fail(ret, "bad input tensor");
			return;
		}
		vaccel_tflite_tensor_set_data(vt, t.size() ? p : nullptr, t.size());
		p += t.size();
		in.push_back(vt);
	}
	std::vector<vaccel_tflite_tensor *> out(m.nr_out(), nullptr);
	uint8_t status = 0;
	uint64_t t0 = mono_ns();
	int ret = vaccel_tflite_model_run(s->sess, model, in.data(), static_cast<int>(in.size()), out.data(),
					  static_cast<int>(out.size()), &status);
	record_sample(*s, "tflite_model_run", t0, mono_ns() - t0);
	free_in();
	r.resp.set_status(ret);
	auto *done = r.resp.mutable_model_run_done();
	done->mutable_status()->set_code(status);
	if (ret == VACCEL_OK)
		for (auto *t : out)
			put_out_tensor(done, t, r);
	r.cleanup.push_back([out] {
		for (auto *t : out)
			if (t)
				vaccel_tflite_tensor_delete(t);
	});
}

// ---- Torch ---------------------------------------------------------------------------------

void Connection::do_torch_load(const v1::ModelRef &m, Reply &r)
{
	SessionEntry *s = nullptr;
	vaccel_resource *model = find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	uint64_t t0 = mono_ns();
	int ret = vaccel_torch_model_load(s->sess, model);
	record_sample(*s, "torch_model_load", t0, mono_ns() - t0);
	r.resp.set_status(ret);
	if (ret != VACCEL_OK)
		r.resp.set_error("torch model load failed on the agent");
}

void Connection::do_torch_run(const v1::TorchModelRun &m, std::span<std::byte> payload, Reply &r)
{
	SessionEntry *s = nullptr;
	vaccel_resource *model = find_model(m.session_id(), m.model_id(), s, r);
	if (!model)
		return;
	std::string why;
	if (!tensors_ok(m.in_tensors(), why) || m.nr_out() > static_cast<uint32_t>(kMaxTensors)) {
		r.fail(VACCEL_EINVAL, why.empty() ? "too many output tensors" : why);
		return;
	}
	std::byte *p = payload.data();
	vaccel_torch_buffer run_options{};
	vaccel_torch_buffer *ro = nullptr;
	if (m.run_options_size()) {
		run_options.data = reinterpret_cast<char *>(p);
		run_options.size = m.run_options_size();
		ro = &run_options;
		p += m.run_options_size();
	}
	std::vector<vaccel_torch_tensor *> in;
	auto free_in = [&] {
		for (auto *t : in)
			vaccel_torch_tensor_delete(t);
	};
	for (auto &t : m.in_tensors()) {
		std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
		vaccel_torch_tensor *vt = nullptr;
		int ret = vaccel_torch_tensor_new(&vt, static_cast<int64_t>(dims.size()), dims.data(),
						  static_cast<vaccel_torch_data_type>(t.data_type()));
		if (ret != VACCEL_OK) {
			free_in();
			r.fail(ret, "bad input tensor");
			return;
		}
		vaccel_torch_tensor_set_data(vt, t.size() ? p : nullptr, t.size());
		p += t.size();
		in.push_back(vt);
	}
	std::vector<vaccel_torch_tensor *> out(m.nr_out(), nullptr);
	uint64_t t0 = mono_ns();
	int ret = vaccel_torch_model_run(s->sess, model, ro, in.data(), static_cast<int>(in.size()), out.data(),
					 static_cast<int>(out.size()));
	record_sample(*s, "torch_model_run", t0, mono_ns() - t0);
	free_in();
	r.resp.set_status(ret);
	auto *done = r.resp.mutable_model_run_done();
	if (ret == VACCEL_OK)
		for (auto *t : out)
			put_out_tensor(done, t, r);
	r.cleanup.push_back([out] {
		for (auto *t : out)
			if (t)
				vaccel_torch_tensor_delete(t);
	});
}

} // namespace vaccel::agent
