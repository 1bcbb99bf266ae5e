// SPDX-License-Identifier: Apache-2.0
// libvaccel-rpc.so: transport plugin forwarding sessions, resources and every op to a
// vaccel-agent (docs/protocol.md). Selected by VACCEL_PLUGIN_REMOTE sessions or as sole plugin.
#include "rpc_state.hpp"

#include "log.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using vaccel::rpcplugin::State;
using vaccel::rpcplugin::WireArg;
namespace v1 = vaccel::rpc::v1;

namespace {

// ---- logging: route the wire layer's lines into the vAccel log ----------------------------

void log_to_vaccel(vaccel::rpc::LogLevel level, const char *msg)
{
	vaccel_log_print(static_cast<vaccel_log_level_t>(level), "[rpc] %s", msg);
}

// ---- session hooks -------------------------------------------------------------------------

int rpc_session_init(vaccel_session *sess, uint32_t flags)
{
	auto &st = State::get();
	v1::Request req;
	req.mutable_session_create()->set_flags(flags & ~static_cast<uint32_t>(VACCEL_PLUGIN_REMOTE));
	vaccel::rpc::CallResult res;
	int ret = st.call(nullptr, req, {}, res);
	if (ret != VACCEL_OK) {
		vaccel_error("[rpc] could not create a session on the agent (%d)", ret);
		return ret;
	}
	sess->remote_id = res.response.session_created().session_id();
	st.add_session(sess->id, {sess->remote_id, res.generation});
	vaccel_debug("[rpc] session %lld -> agent session %lld", (long long)sess->id, (long long)sess->remote_id);
	return VACCEL_OK;
}

void print_agent_profiling(vaccel_session *sess)
{
	v1::Request req;
	int64_t rid = 0;
	uint64_t gen = 0;
	if (State::get().session_remote_id(sess, rid, gen) != VACCEL_OK)
		return;
	req.mutable_profiling_get()->set_session_id(rid);
	vaccel::rpc::CallResult res;
	if (State::get().call(sess, req, {}, res) != VACCEL_OK)
		return;
	for (auto &r : res.response.profiling_data().regions()) {
		std::vector<vaccel_prof_sample> samples;
		for (auto &s : r.samples())
			samples.push_back({s.start(), s.time()});
		vaccel_prof_region region{r.name().c_str(), false, samples.size(), samples.data(), samples.size()};
		vaccel_prof_region_print(&region);
	}
}

int rpc_session_release(vaccel_session *sess)
{
	auto &st = State::get();
	int64_t rid = 0;
	uint64_t gen = 0;
	if (int r = st.session_remote_id(sess, rid, gen))
		return r;
	if (vaccel_prof_enabled())
		print_agent_profiling(sess);
	v1::Request req;
	req.mutable_session_release()->set_session_id(rid);
	vaccel::rpc::CallResult res;
	int ret = st.call(sess, req, {}, res);
	st.remove_session(sess->id);
	// A session whose connection is gone has nothing left on the agent: releasing it is fine.
	return ret == VACCEL_ESESS ? VACCEL_OK : ret;
}

// ---- resource hooks ------------------------------------------------------------------------

int rpc_resource_register(vaccel_resource *res, vaccel_session *sess)
{
	auto &st = State::get();
	int64_t sid = 0;
	uint64_t gen = 0;
	if (int r = st.session_remote_id(sess, sid, gen))
		return r;
	v1::Request req;
	auto *m = req.mutable_resource_register();
	m->set_session_id(sid);
	m->set_type(res->type);
	std::vector<iovec> payload;
	int64_t existing = st.resource_remote_id(res, gen);
	if (existing > 0) {
		m->set_resource_id(existing); // already on the agent: share it, send no bytes
	} else if (res->path_type == VACCEL_PATH_REMOTE_FILE && res->nr_blobs == 0) {
		for (size_t i = 0; i < res->nr_paths; ++i)
			m->add_urls(res->paths[i]);
	} else {
		m->set_directory(res->path_type == VACCEL_PATH_LOCAL_DIR);
		for (size_t i = 0; i < res->nr_blobs; ++i) {
			vaccel_blob *b = res->blobs[i];
			size_t size = 0;
			uint8_t *data = vaccel_blob_data(b, &size);
			if (!data && size) {
				vaccel_error("[rpc] cannot read blob %zu of resource %lld", i, (long long)res->id);
				return VACCEL_EIO;
			}
			auto *pb = m->add_blobs();
			pb->set_name(b->name ? b->name : ("blob" + std::to_string(i)));
			pb->set_type(b->type == VACCEL_BLOB_BUFFER ? VACCEL_BLOB_BUFFER : VACCEL_BLOB_FILE);
			pb->set_size(size);
			if (size)
				payload.push_back({data, size});
		}
	}
	vaccel::rpc::CallResult out;
	int ret = st.call(sess, req, payload, out);
	if (ret != VACCEL_OK)
		return ret;
	int64_t remote = out.response.resource_registered().resource_id();
	if (remote <= 0) {
		vaccel_error("[rpc] agent returned an invalid resource id");
		return VACCEL_EREMOTEIO;
	}
	res->remote_id = remote;
	st.resource_registered(res, sess->id, remote, gen);
	return VACCEL_OK;
}

int rpc_resource_unregister(vaccel_resource *res, vaccel_session *sess)
{
	auto &st = State::get();
	int64_t sid = 0;
	uint64_t gen = 0;
	if (int r = st.session_remote_id(sess, sid, gen))
		return r;
	int64_t remote = st.resource_remote_id(res, gen);
	int ret = VACCEL_OK;
	if (remote > 0) {
		v1::Request req;
		auto *m = req.mutable_resource_unregister();
		m->set_session_id(sid);
		m->set_resource_id(remote);
		vaccel::rpc::CallResult out;
		ret = st.call(sess, req, {}, out);
		if (ret == VACCEL_ESESS)
			ret = VACCEL_OK;
	}
	if (st.resource_unregistered(res, sess->id))
		res->remote_id = 0;
	return ret;
}

int rpc_resource_sync(vaccel_resource *res, vaccel_session *sess)
{
	auto &st = State::get();
	int64_t sid = 0;
	uint64_t gen = 0;
	if (int r = st.session_remote_id(sess, sid, gen))
		return r;
	int64_t remote = st.resource_remote_id(res, gen);
	if (remote <= 0)
		return VACCEL_EINVAL;
	v1::Request req;
	req.mutable_resource_sync()->set_session_id(sid);
	req.mutable_resource_sync()->set_resource_id(remote);
	vaccel::rpc::CallResult out;
	int ret = st.call(sess, req, {}, out);
	if (ret != VACCEL_OK)
		return ret;
	// The agent returns the BUFFER blobs in order; copy each into the matching local blob.
	const auto &blobs = out.response.resource_synced().blobs();
	const std::byte *p = out.payload.data();
	uint64_t left = out.payload.size();
	int k = 0;
	for (size_t i = 0; i < res->nr_blobs; ++i) {
		vaccel_blob *b = res->blobs[i];
		if (b->type != VACCEL_BLOB_BUFFER)
			continue;
		if (k >= blobs.size())
			break;
		uint64_t n = blobs[k].size();
		if (n > left || n != b->size) {
			vaccel_error("[rpc] sync: blob %zu size changed on the agent (%llu vs %zu)", i,
				     (unsigned long long)n, b->size);
			return VACCEL_EINVAL;
		}
		if (n)
			memcpy(b->data, p, n);
		p += n;
		left -= n;
		++k;
	}
	return VACCEL_OK;
}

// ---- genop-encoded ops ---------------------------------------------------------------------

WireArg op_code(vaccel_op_type_t op)
{
	static const uint8_t codes[VACCEL_OP_MAX] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
						     12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};
	return WireArg{VACCEL_ARG_UINT8, 1, 0, true, &codes[op], nullptr};
}

WireArg in_arg(uint32_t type, const void *data, uint64_t size)
{
	return WireArg{type, size, 0, true, data, nullptr};
}

// Output buffer: nothing sent, result copied back.
WireArg out_arg(uint32_t type, void *dest, uint64_t size)
{
	return WireArg{type, size, 0, false, nullptr, dest};
}

// In/out buffer: current bytes sent, result copied back.
WireArg inout_arg(uint32_t type, void *dest, uint64_t size)
{
	return WireArg{type, size, 0, true, dest, dest};
}

WireArg passthrough(const vaccel_arg &a, bool is_write)
{
	return WireArg{static_cast<uint32_t>(a.type), a.size, a.custom_type_id, true, a.buf,
		       is_write ? a.buf : nullptr};
}

int rpc_noop(vaccel_session *sess)
{
	return State::get().genop(sess, {op_code(VACCEL_OP_NOOP)}, {});
}

int rpc_exec(vaccel_session *sess, const char *library, const char *fn_symbol, vaccel_arg *read, size_t nr_read,
	     vaccel_arg *write, size_t nr_write)
{
	if (!library || !fn_symbol || (nr_read && !read) || (nr_write && !write))
		return VACCEL_EINVAL;
	std::vector<WireArg> r{op_code(VACCEL_OP_EXEC), in_arg(VACCEL_ARG_STRING, library, strlen(library) + 1),
			       in_arg(VACCEL_ARG_STRING, fn_symbol, strlen(fn_symbol) + 1)};
	for (size_t i = 0; i < nr_read; ++i)
		r.push_back(passthrough(read[i], false));
	std::vector<WireArg> w;
	for (size_t i = 0; i < nr_write; ++i)
		w.push_back(passthrough(write[i], true));
	return State::get().genop(sess, r, w);
}

int rpc_exec_with_resource(vaccel_session *sess, vaccel_resource *resource, const char *fn_symbol, vaccel_arg *read,
			   size_t nr_read, vaccel_arg *write, size_t nr_write)
{
	if (!resource || !fn_symbol || (nr_read && !read) || (nr_write && !write))
		return VACCEL_EINVAL;
	int64_t sid = 0;
	uint64_t gen = 0;
	if (int ret = State::get().session_remote_id(sess, sid, gen))
		return ret;
	int64_t remote = State::get().resource_remote_id(resource, gen);
	if (remote <= 0) {
		vaccel_error("[rpc] exec_with_resource: resource %lld is not registered remotely",
			     (long long)resource->id);
		return VACCEL_EPERM;
	}
	std::vector<WireArg> r{op_code(VACCEL_OP_EXEC_WITH_RESOURCE),
			       WireArg{VACCEL_ARG_INT64, sizeof(int64_t), 0, true, nullptr, nullptr},
			       in_arg(VACCEL_ARG_STRING, fn_symbol, strlen(fn_symbol) + 1)};
	r[1].data = &remote;
	for (size_t i = 0; i < nr_read; ++i)
		r.push_back(passthrough(read[i], false));
	std::vector<WireArg> w;
	for (size_t i = 0; i < nr_write; ++i)
		w.push_back(passthrough(write[i], true));
	return State::get().genop(sess, r, w);
}

int rpc_image_classify(vaccel_session *sess, const void *img, unsigned char *out_text, unsigned char *out_imgname,
		       size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	if (!img || !out_text || !out_imgname)
		return VACCEL_EINVAL;
	return State::get().genop(sess, {op_code(VACCEL_OP_IMAGE_CLASSIFY), in_arg(VACCEL_ARG_BUFFER, img, len_img)},
				  {out_arg(VACCEL_ARG_UCHAR_ARRAY, out_imgname, len_out_imgname),
				   out_arg(VACCEL_ARG_UCHAR_ARRAY, out_text, len_out_text)});
}

int image_op(vaccel_op_type_t op, vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
	     size_t len_out_imgname)
{
	if (!img || !out_imgname)
		return VACCEL_EINVAL;
	return State::get().genop(sess, {op_code(op), in_arg(VACCEL_ARG_BUFFER, img, len_img)},
				  {out_arg(VACCEL_ARG_UCHAR_ARRAY, out_imgname, len_out_imgname)});
}

int rpc_image_detect(vaccel_session *s, const void *img, unsigned char *o, size_t li, size_t lo)
{
	return image_op(VACCEL_OP_IMAGE_DETECT, s, img, o, li, lo);
}
int rpc_image_segment(vaccel_session *s, const void *img, unsigned char *o, size_t li, size_t lo)
{
	return image_op(VACCEL_OP_IMAGE_SEGMENT, s, img, o, li, lo);
}
int rpc_image_pose(vaccel_session *s, const void *img, unsigned char *o, size_t li, size_t lo)
{
	return image_op(VACCEL_OP_IMAGE_POSE, s, img, o, li, lo);
}
int rpc_image_depth(vaccel_session *s, const void *img, unsigned char *o, size_t li, size_t lo)
{
	return image_op(VACCEL_OP_IMAGE_DEPTH, s, img, o, li, lo);
}

int rpc_sgemm(vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda, float *b,
	      int64_t ldb, float beta, float *c, int64_t ldc)
{
	if (m < 0 || n < 0 || k < 0 || lda < 0 || ldb < 0 || ldc < 0 || !a || !b || !c)
		return VACCEL_EINVAL;
	// Row-major: A is m rows of lda, B is k rows of ldb, C is m rows of ldc.
	const uint64_t sa = static_cast<uint64_t>(m) * static_cast<uint64_t>(lda) * sizeof(float);
	const uint64_t sb = static_cast<uint64_t>(k) * static_cast<uint64_t>(ldb) * sizeof(float);
	const uint64_t sc = static_cast<uint64_t>(m) * static_cast<uint64_t>(ldc) * sizeof(float);
	return State::get().genop(sess,
				  {op_code(VACCEL_OP_BLAS_SGEMM), in_arg(VACCEL_ARG_INT64, &m, 8),
				   in_arg(VACCEL_ARG_INT64, &n, 8), in_arg(VACCEL_ARG_INT64, &k, 8),
				   in_arg(VACCEL_ARG_FLOAT32, &alpha, 4), in_arg(VACCEL_ARG_FLOAT32_ARRAY, a, sa),
				   in_arg(VACCEL_ARG_INT64, &lda, 8), in_arg(VACCEL_ARG_FLOAT32_ARRAY, b, sb),
				   in_arg(VACCEL_ARG_INT64, &ldb, 8), in_arg(VACCEL_ARG_FLOAT32, &beta, 4),
				   in_arg(VACCEL_ARG_INT64, &ldc, 8)},
				  {inout_arg(VACCEL_ARG_FLOAT32_ARRAY, c, sc)});
}

int rpc_minmax(vaccel_session *sess, const double *indata, int ndata, int low, int high, double *outdata, double *min,
	       double *max)
{
	if (!indata || ndata < 0 || !outdata || !min || !max)
		return VACCEL_EINVAL;
	const uint64_t bytes = static_cast<uint64_t>(ndata) * sizeof(double);
	return State::get().genop(
		sess,
		{op_code(VACCEL_OP_MINMAX), in_arg(VACCEL_ARG_RAW, indata, bytes),
		 in_arg(VACCEL_ARG_RAW, &ndata, sizeof(int)), in_arg(VACCEL_ARG_RAW, &low, sizeof(int)),
		 in_arg(VACCEL_ARG_RAW, &high, sizeof(int))},
		{out_arg(VACCEL_ARG_RAW, outdata, bytes), out_arg(VACCEL_ARG_RAW, min, sizeof(double)),
		 out_arg(VACCEL_ARG_RAW, max, sizeof(double))});
}

int rpc_fpga_arraycopy(vaccel_session *sess, int a[], int out_a[], size_t len_a)
{
	if (!a || !out_a)
		return VACCEL_EINVAL;
	return State::get().genop(sess,
				  {op_code(VACCEL_OP_FPGA_ARRAYCOPY), in_arg(VACCEL_ARG_RAW, a, len_a * sizeof(int))},
				  {out_arg(VACCEL_ARG_RAW, out_a, len_a * sizeof(int))});
}

int rpc_fpga_mmult(vaccel_session *sess, float a[], float b[], float c[], size_t len_a)
{
	if (!a || !b || !c)
		return VACCEL_EINVAL;
	const uint64_t n = len_a * sizeof(float);
	return State::get().genop(
		sess, {op_code(VACCEL_OP_FPGA_MMULT), in_arg(VACCEL_ARG_RAW, a, n), in_arg(VACCEL_ARG_RAW, b, n)},
		{out_arg(VACCEL_ARG_RAW, c, n)});
}

int rpc_fpga_parallel(vaccel_session *sess, float a[], float b[], float add_out[], float mult_out[], size_t len_a)
{
	if (!a || !b || !add_out || !mult_out)
		return VACCEL_EINVAL;
	const uint64_t n = len_a * sizeof(float);
	return State::get().genop(
		sess, {op_code(VACCEL_OP_FPGA_PARALLEL), in_arg(VACCEL_ARG_RAW, a, n), in_arg(VACCEL_ARG_RAW, b, n)},
		{out_arg(VACCEL_ARG_RAW, add_out, n), out_arg(VACCEL_ARG_RAW, mult_out, n)});
}

int rpc_fpga_vadd(vaccel_session *sess, float a[], float b[], float c[], size_t len_a, size_t len_b)
{
	if (!a || !b || !c)
		return VACCEL_EINVAL;
	return State::get().genop(sess,
				  {op_code(VACCEL_OP_FPGA_VECTORADD), in_arg(VACCEL_ARG_RAW, a, len_a * sizeof(float)),
				   in_arg(VACCEL_ARG_RAW, b, len_b * sizeof(float))},
				  {out_arg(VACCEL_ARG_RAW, c, len_a * sizeof(float))});
}

int rpc_opencv(vaccel_session *sess, vaccel_arg *read, size_t nr_read, vaccel_arg *write, size_t nr_write)
{
	if ((nr_read && !read) || (nr_write && !write))
		return VACCEL_EINVAL;
	std::vector<WireArg> r{op_code(VACCEL_OP_OPENCV)};
	for (size_t i = 0; i < nr_read; ++i)
		r.push_back(passthrough(read[i], false));
	std::vector<WireArg> w;
	for (size_t i = 0; i < nr_write; ++i)
		w.push_back(passthrough(write[i], true));
	return State::get().genop(sess, r, w);
}

} // namespace

// Tensor ops live in rpc_tensors.cpp.
int rpc_tf_model_load(vaccel_session *, vaccel_resource *, vaccel_tf_status *);
int rpc_tf_model_unload(vaccel_session *, vaccel_resource *, vaccel_tf_status *);
int rpc_tf_model_run(vaccel_session *, const vaccel_resource *, const vaccel_tf_buffer *, const vaccel_tf_node *,
		     vaccel_tf_tensor *const *, int, const vaccel_tf_node *, vaccel_tf_tensor **, int,
		     vaccel_tf_status *);
int rpc_tflite_model_load(vaccel_session *, vaccel_resource *);
int rpc_tflite_model_unload(vaccel_session *, vaccel_resource *);
int rpc_tflite_model_run(vaccel_session *, const vaccel_resource *, vaccel_tflite_tensor *const *, int,
			 vaccel_tflite_tensor **, int, uint8_t *);
int rpc_torch_model_load(vaccel_session *, vaccel_resource *);
int rpc_torch_model_run(vaccel_session *, const vaccel_resource *, const vaccel_torch_buffer *,
			vaccel_torch_tensor *const *, int, vaccel_torch_tensor **, int);

static struct vaccel_op rpc_ops[] = {
	VACCEL_OP_INIT(rpc_ops[0], VACCEL_OP_NOOP, rpc_noop),
	VACCEL_OP_INIT(rpc_ops[1], VACCEL_OP_EXEC, rpc_exec),
	VACCEL_OP_INIT(rpc_ops[2], VACCEL_OP_EXEC_WITH_RESOURCE, rpc_exec_with_resource),
	VACCEL_OP_INIT(rpc_ops[3], VACCEL_OP_IMAGE_CLASSIFY, rpc_image_classify),
	VACCEL_OP_INIT(rpc_ops[4], VACCEL_OP_IMAGE_DETECT, rpc_image_detect),
	VACCEL_OP_INIT(rpc_ops[5], VACCEL_OP_IMAGE_SEGMENT, rpc_image_segment),
	VACCEL_OP_INIT(rpc_ops[6], VACCEL_OP_IMAGE_POSE, rpc_image_pose),
	VACCEL_OP_INIT(rpc_ops[7], VACCEL_OP_IMAGE_DEPTH, rpc_image_depth),
	VACCEL_OP_INIT(rpc_ops[8], VACCEL_OP_TF_MODEL_LOAD, rpc_tf_model_load),
	VACCEL_OP_INIT(rpc_ops[9], VACCEL_OP_TF_MODEL_UNLOAD, rpc_tf_model_unload),
	VACCEL_OP_INIT(rpc_ops[10], VACCEL_OP_TF_MODEL_RUN, rpc_tf_model_run),
	VACCEL_OP_INIT(rpc_ops[11], VACCEL_OP_TFLITE_MODEL_LOAD, rpc_tflite_model_load),
	VACCEL_OP_INIT(rpc_ops[12], VACCEL_OP_TFLITE_MODEL_UNLOAD, rpc_tflite_model_unload),
	VACCEL_OP_INIT(rpc_ops[13], VACCEL_OP_TFLITE_MODEL_RUN, rpc_tflite_model_run),
	VACCEL_OP_INIT(rpc_ops[14], VACCEL_OP_TORCH_MODEL_LOAD, rpc_torch_model_load),
	VACCEL_OP_INIT(rpc_ops[15], VACCEL_OP_TORCH_MODEL_RUN, rpc_torch_model_run),
	VACCEL_OP_INIT(rpc_ops[16], VACCEL_OP_BLAS_SGEMM, rpc_sgemm),
	VACCEL_OP_INIT(rpc_ops[17], VACCEL_OP_FPGA_ARRAYCOPY, rpc_fpga_arraycopy),
	VACCEL_OP_INIT(rpc_ops[18], VACCEL_OP_FPGA_MMULT, rpc_fpga_mmult),
	VACCEL_OP_INIT(rpc_ops[19], VACCEL_OP_FPGA_PARALLEL, rpc_fpga_parallel),
	VACCEL_OP_INIT(rpc_ops[20], VACCEL_OP_FPGA_VECTORADD, rpc_fpga_vadd),
	VACCEL_OP_INIT(rpc_ops[21], VACCEL_OP_MINMAX, rpc_minmax),
	VACCEL_OP_INIT(rpc_ops[22], VACCEL_OP_OPENCV, rpc_opencv),
};

static int rpc_init(void)
{
	vaccel::rpc::set_log_sink(log_to_vaccel);
	const struct vaccel_config *cfg = vaccel_config();
	int level = cfg ? static_cast<int>(cfg->log_level) : 1;
	vaccel::rpc::set_log_level(static_cast<vaccel::rpc::LogLevel>(std::clamp(level, 1, 4)));
	return vaccel_plugin_register_ops(rpc_ops, sizeof(rpc_ops) / sizeof(rpc_ops[0]));
}

static int rpc_fini(void)
{
	State::get().reset_client();
	vaccel::rpc::set_log_sink(nullptr);
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "rpc", .version = VACCEL_VERSION, .vaccel_version = VACCEL_VERSION, .init = rpc_init,
	      .fini = rpc_fini, .is_virtio = true, .type = VACCEL_PLUGIN_REMOTE, .session_init = rpc_session_init,
	      .session_release = rpc_session_release, .session_update = nullptr,
	      .resource_register = rpc_resource_register, .resource_unregister = rpc_resource_unregister,
	      .resource_sync = rpc_resource_sync)
