// SPDX-License-Identifier: Apache-2.0
// TF / TFLite / Torch ops of the rpc plugin: dedicated messages, tensor data out of band.
#include "rpc_tensors.hpp"

#include "rpc_state.hpp"

#include <vaccel/cpp/tensor_kind.hpp>

#include <cstring>
#include <vector>

using vaccel::rpcplugin::State;
namespace v1 = vaccel::rpc::v1;

namespace {

struct ModelIds {
	int64_t session = 0;
	int64_t model = 0;
};

int model_ids(vaccel_session *sess, const vaccel_resource *model, ModelIds &ids)
{
	if (!sess || !model)
		return VACCEL_EINVAL;
	uint64_t gen = 0;
	if (int r = State::get().session_remote_id(sess, ids.session, gen))
		return r;
	ids.model = State::get().resource_remote_id(model, gen);
	if (ids.model <= 0) {
		vaccel_error("[rpc] model resource %lld is not registered with the agent", (long long)model->id);
		return VACCEL_EPERM;
	}
	return VACCEL_OK;
}

template <typename T>
void describe_tensor(const T *t, v1::Tensor *pt, std::vector<iovec> &payload)
{
	for (int64_t d = 0; d < static_cast<int64_t>(t->nr_dims); ++d)
		pt->add_dims(t->dims[d]);
	pt->set_data_type(static_cast<int32_t>(t->data_type));
	pt->set_size(t->data ? t->size : 0);
	if (t->data && t->size)
		payload.push_back({t->data, t->size});
}

template <typename T>
int describe_inputs(T *const *in, int nr_in, google::protobuf::RepeatedPtrField<v1::Tensor> *pts,
		    std::vector<iovec> &payload)
{
	for (int i = 0; i < nr_in; ++i) {
		if (!in[i])
			return VACCEL_EINVAL;
		describe_tensor(in[i], pts->Add(), payload);
	}
	return VACCEL_OK;
}

// Creates out[0..) from the output tensors of a ModelRunDone (the rest stay NULL).
template <typename T>
int unpack_outputs(const vaccel::rpc::CallResult &res, T **out, int nr_out)
{
	using Kind = vaccel::TensorKind<T>; // vaccel/cpp/tensor_kind.hpp
	using dim_t = typename Kind::dim_t;
	for (int i = 0; i < nr_out; ++i)
		out[i] = nullptr;
	const auto &done = res.response.model_run_done();
	if (done.out_tensors_size() > nr_out) {
		vaccel_error("[rpc] agent returned %d output tensors, expected at most %d", done.out_tensors_size(),
			     nr_out);
		return VACCEL_EREMOTEIO;
	}
	const std::byte *p = res.payload.data();
	uint64_t left = res.payload.size();
	for (int i = 0; i < done.out_tensors_size(); ++i) {
		const auto &t = done.out_tensors(i);
		if (t.size() > left || t.dims_size() > 64)
			return VACCEL_EREMOTEIO;
		std::vector<dim_t> dims;
		for (auto d : t.dims())
			dims.push_back(static_cast<dim_t>(d));
		if (int r = Kind::allocate(&out[i], static_cast<typename Kind::nr_dims_t>(dims.size()), dims.data(),
					   static_cast<typename Kind::data_type_t>(t.data_type()), t.size()))
			return r;
		if (t.size())
			memcpy(out[i]->data, p, t.size());
		p += t.size();
		left -= t.size();
	}
	return VACCEL_OK;
}

int model_ref_call(vaccel_session *sess, const vaccel_resource *model, v1::ModelRef *(v1::Request::*field)(),
		   vaccel::rpc::CallResult &res)
{
	ModelIds ids;
	if (int r = model_ids(sess, model, ids))
		return r;
	v1::Request req;
	auto *m = (req.*field)();
	m->set_session_id(ids.session);
	m->set_model_id(ids.model);
	return State::get().call(sess, req, {}, res);
}

void set_tf_status(vaccel_tf_status *status, const v1::FrameworkStatus &s)
{
	if (status)
		vaccel_tf_status_init(status, static_cast<uint8_t>(s.code()), s.message().c_str());
}

} // namespace

int rpc_tf_model_load(vaccel_session *sess, vaccel_resource *model, vaccel_tf_status *status)
{
	vaccel::rpc::CallResult res;
	int ret = model_ref_call(sess, model, &v1::Request::mutable_tf_model_load, res);
	if (ret == VACCEL_OK || res.response.has_model_loaded())
		set_tf_status(status, res.response.model_loaded().status());
	return ret;
}

int rpc_tf_model_unload(vaccel_session *sess, vaccel_resource *model, vaccel_tf_status *status)
{
	vaccel::rpc::CallResult res;
	int ret = model_ref_call(sess, model, &v1::Request::mutable_tf_model_unload, res);
	if (ret == VACCEL_OK || res.response.has_model_loaded())
		set_tf_status(status, res.response.model_loaded().status());
	return ret;
}

int rpc_tf_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_tf_buffer *run_options,
		     const vaccel_tf_node *in_nodes, vaccel_tf_tensor *const *in, int nr_in,
		     const vaccel_tf_node *out_nodes, vaccel_tf_tensor **out, int nr_out, vaccel_tf_status *status)
{
	if (nr_in < 0 || nr_out < 0 || (nr_in && (!in || !in_nodes)) || (nr_out && (!out || !out_nodes)))
		return VACCEL_EINVAL;
	ModelIds ids;
	if (int r = model_ids(sess, model, ids))
		return r;
	v1::Request req;
	auto *m = req.mutable_tf_model_run();
	m->set_session_id(ids.session);
	m->set_model_id(ids.model);
	std::vector<iovec> payload;
	if (run_options && run_options->data && run_options->size) {
		m->set_run_options_size(run_options->size);
		payload.push_back({run_options->data, run_options->size});
	}
	for (int i = 0; i < nr_in; ++i) {
		auto *n = m->add_in_nodes();
		n->set_name(in_nodes[i].name ? in_nodes[i].name : "");
		n->set_id(in_nodes[i].id);
	}
	if (int r = describe_inputs(in, nr_in, m->mutable_in_tensors(), payload))
		return r;
	for (int i = 0; i < nr_out; ++i) {
		auto *n = m->add_out_nodes();
		n->set_name(out_nodes[i].name ? out_nodes[i].name : "");
		n->set_id(out_nodes[i].id);
	}
	vaccel::rpcplugin::PooledResult pooled;
	vaccel::rpc::CallResult &res = pooled.get();
	int ret = State::get().call(sess, req, payload, res);
	if (res.response.has_model_run_done())
		set_tf_status(status, res.response.model_run_done().status());
	if (ret != VACCEL_OK)
		return ret;
	return unpack_outputs(res, out, nr_out);
}

int rpc_tflite_model_load(vaccel_session *sess, vaccel_resource *model)
{
	vaccel::rpc::CallResult res;
	return model_ref_call(sess, model, &v1::Request::mutable_tflite_model_load, res);
}

int rpc_tflite_model_unload(vaccel_session *sess, vaccel_resource *model)
{
	vaccel::rpc::CallResult res;
	return model_ref_call(sess, model, &v1::Request::mutable_tflite_model_unload, res);
}

int rpc_tflite_model_run(vaccel_session *sess, const vaccel_resource *model, vaccel_tflite_tensor *const *in, int nr_in,
			 vaccel_tflite_tensor **out, int nr_out, uint8_t *status)
{
	if (nr_in < 0 || nr_out < 0 || (nr_in && !in) || (nr_out && !out))
		return VACCEL_EINVAL;
	ModelIds ids;
	if (int r = model_ids(sess, model, ids))
		return r;
	v1::Request req;
	auto *m = req.mutable_tflite_model_run();
	m->set_session_id(ids.session);
	m->set_model_id(ids.model);
	m->set_nr_out(static_cast<uint32_t>(nr_out));
	std::vector<iovec> payload;
	if (int r = describe_inputs(in, nr_in, m->mutable_in_tensors(), payload))
		return r;
	vaccel::rpcplugin::PooledResult pooled;
	vaccel::rpc::CallResult &res = pooled.get();
	int ret = State::get().call(sess, req, payload, res);
	if (status && res.response.has_model_run_done())
		*status = static_cast<uint8_t>(res.response.model_run_done().status().code());
	if (ret != VACCEL_OK)
		return ret;
	return unpack_outputs(res, out, nr_out);
}

int rpc_torch_model_load(vaccel_session *sess, vaccel_resource *model)
{
	vaccel::rpc::CallResult res;
	return model_ref_call(sess, model, &v1::Request::mutable_torch_model_load, res);
}

int rpc_torch_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_torch_buffer *run_options,
			vaccel_torch_tensor *const *in, int nr_in, vaccel_torch_tensor **out, int nr_out)
{
	if (nr_in < 0 || nr_out < 0 || (nr_in && !in) || (nr_out && !out))
		return VACCEL_EINVAL;
	ModelIds ids;
	if (int r = model_ids(sess, model, ids))
		return r;
	v1::Request req;
	auto *m = req.mutable_torch_model_run();
	m->set_session_id(ids.session);
	m->set_model_id(ids.model);
	m->set_nr_out(static_cast<uint32_t>(nr_out));
	std::vector<iovec> payload;
	if (run_options && run_options->data && run_options->size) {
		m->set_run_options_size(run_options->size);
		payload.push_back({run_options->data, run_options->size});
	}
	if (int r = describe_inputs(in, nr_in, m->mutable_in_tensors(), payload))
		return r;
	vaccel::rpcplugin::PooledResult pooled;
	vaccel::rpc::CallResult &res = pooled.get();
	int ret = State::get().call(sess, req, payload, res);
	if (ret != VACCEL_OK)
		return ret;
	return unpack_outputs(res, out, nr_out);
}
