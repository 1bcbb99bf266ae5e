// SPDX-License-Identifier: Apache-2.0
// libvaccel-rpc.so: transport plugin forwarding sessions, resources and every op to a
// vaccel-agent (docs/protocol.md). Selected by VACCEL_PLUGIN_REMOTE sessions or as sole plugin.
#include "rpc_ops.hpp"
#include "rpc_state.hpp"
#include "rpc_tensors.hpp"

#include "boundary.hpp"
#include "log.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using vaccel::rpcplugin::State;
namespace v1 = vaccel::rpc::v1;
namespace vp = vaccel::plugin;

// Every op and hook runs behind the plugin kit's boundary (the op table and the descriptor below).
using vaccel::rpcplugin::kName;
constexpr char kInit[] = "init";
constexpr char kSessionInit[] = "session init";
constexpr char kSessionRelease[] = "session release";
constexpr char kRegister[] = "resource register";
constexpr char kUnregister[] = "resource unregister";
constexpr char kSync[] = "resource sync";
constexpr char kFini[] = "fini";

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

} // namespace

// Flat-arg ops are registered from the op schema (rpc_ops.cpp); these are the model ops.
static struct vaccel_op rpc_ops[] = {
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TF_MODEL_LOAD, rpc_tf_model_load),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TF_MODEL_UNLOAD, rpc_tf_model_unload),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TF_MODEL_RUN, rpc_tf_model_run),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TFLITE_MODEL_LOAD, rpc_tflite_model_load),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TFLITE_MODEL_UNLOAD, rpc_tflite_model_unload),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TFLITE_MODEL_RUN, rpc_tflite_model_run),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TORCH_MODEL_LOAD, rpc_torch_model_load),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TORCH_MODEL_RUN, rpc_torch_model_run),
};

static int rpc_init_impl()
{
	vaccel::rpc::set_log_sink(log_to_vaccel);
	const struct vaccel_config *cfg = vaccel_config();
	int level = cfg ? static_cast<int>(cfg->log_level) : 1;
	vaccel::rpc::set_log_level(static_cast<vaccel::rpc::LogLevel>(std::clamp(level, 1, 4)));
	if (int ret = vaccel::rpcplugin::register_schema_ops())
		return ret;
	return vaccel_plugin_register_ops(rpc_ops, sizeof(rpc_ops) / sizeof(rpc_ops[0]));
}

static int rpc_init(void)
{
	return vp::at_boundary<kName, kInit, rpc_init_impl>();
}

static int rpc_fini_impl()
{
	State::get().reset_client();
	vaccel::rpc::set_log_sink(nullptr);
	return VACCEL_OK;
}

static int rpc_fini(void)
{
	return vp::at_boundary<kName, kFini, rpc_fini_impl>();
}

VACCEL_PLUGIN(.name = "rpc", .version = VACCEL_VERSION, .vaccel_version = VACCEL_VERSION, .init = rpc_init,
	      .fini = rpc_fini, .is_virtio = true, .type = VACCEL_PLUGIN_REMOTE,
	      .session_init = vp::at_boundary<kName, kSessionInit, rpc_session_init>,
	      .session_release = vp::at_boundary<kName, kSessionRelease, rpc_session_release>,
	      .session_update = nullptr, .resource_register = vp::at_boundary<kName, kRegister, rpc_resource_register>,
	      .resource_unregister = vp::at_boundary<kName, kUnregister, rpc_resource_unregister>,
	      .resource_sync = vp::at_boundary<kName, kSync, rpc_resource_sync>)
