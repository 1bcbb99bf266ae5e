// SPDX-License-Identifier: Apache-2.0
// vAccel plugin "torch": TORCH_MODEL_LOAD, TORCH_MODEL_RUN, IMAGE_CLASSIFY and the deprecated
// TORCH_SGEMM on Debian's libtorch 1.13.
//
// This file is the C ABI boundary: it checks every argument and runs every entry point inside the
// plugin kit's boundary() (plugins/common/boundary.hpp), which maps engine failures to VACCEL_E*
// codes with a log line and lets no exception escape.  libtorch itself is only touched in
// torch_engine.cpp; labels and the IMAGE_CLASSIFY pipeline come from the kit (labels.hpp,
// classifier.hpp).
#include <vaccel.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "boundary.hpp"
#include "classifier.hpp"
#include "image.hpp"
#include "labels.hpp"
#include "resource_cache.hpp"
#include "torch_engine.hpp"
#include "torch_malloc.hpp"
#include "torch_preprocess.hpp"

namespace {

namespace engine = vaccel::torch_engine;
namespace image = vaccel::image;
using engine::EngineError;
using engine::ErrorKind;
using vaccel::plugin::ResourceCache;
using vaccel::torch_plugin::Preprocess;
namespace vp = vaccel::plugin;

constexpr char kName[] = "torch";

constexpr int kMaxThreads = 256;

// ---- plugin-wide state --------------------------------------------------------------------

// Everything the plugin keeps between calls.  Each member is internally synchronised or guarded
// by the mutex next to it.
struct PluginState {
	ResourceCache<const engine::Model> models;
	// The session's DATA resource, else the file named by VACCEL_TORCH_LABELS.
	vp::LabelsProvider labels{"VACCEL_TORCH_LABELS"};

	// Preprocessing read from the environment in init(); a bad variable is reported per call.
	std::mutex config_mu;
	Preprocess preprocess;
	std::string preprocess_error;
};

// Heap-allocated and never destroyed: the core may call fini() from its own library destructor
// at exit, after this plugin's static objects would already have been destroyed.
PluginState &state()
{
	static auto *const s = new PluginState();
	return *s;
}

// Set by an atexit handler (which runs before any library destructor).  At exit, fini() leaves
// the loaded modules alone: libtorch's own globals may already be gone by then.
std::atomic<bool> g_process_exiting{false};

// Failures are thrown as the kit's Failure (EngineError is one); boundary() maps them.
using vp::fail;

// ---- resources -----------------------------------------------------------------------------

const vaccel_blob *first_blob(const vaccel_resource *res, const char *what)
{
	if (res->nr_blobs == 0 || res->blobs == nullptr || res->blobs[0] == nullptr)
		fail(ErrorKind::NotFound,
		     std::string(what) + " resource " + std::to_string(res->id) + " has no file or data");
	if (res->nr_blobs > 1)
		vaccel_debug("[torch] %s resource %lld has %zu files; using the first", what,
			     static_cast<long long>(res->id), res->nr_blobs);
	return res->blobs[0];
}

std::shared_ptr<const engine::Model> load_model(const vaccel_resource *res)
{
	const vaccel_blob *blob = first_blob(res, "MODEL");
	if (blob->data != nullptr && blob->size > 0)
		return engine::Model::load_memory(blob->data, blob->size);
	if (blob->path != nullptr)
		return engine::Model::load_file(blob->path);
	fail(ErrorKind::NotFound, "MODEL resource " + std::to_string(res->id) + " has an empty blob");
}

std::shared_ptr<const engine::Model> model_of(const vaccel_resource *res, const vaccel_session *sess)
{
	if (res->type != VACCEL_RESOURCE_MODEL)
		fail(ErrorKind::InvalidInput, "resource " + std::to_string(res->id) + " is not a MODEL resource");
	return state().models.get_or_load(res->id, sess->id, [&] {
		auto model = load_model(res);
		vaccel_info("[torch] loaded model of resource %lld: %s", static_cast<long long>(res->id),
			    model->engine_note().c_str());
		return model;
	});
}

// ---- tensors -------------------------------------------------------------------------------

// The tensor's data_type as a plain integer.  C callers may store any int in the enum, and in C++
// loading an out-of-range enum value is undefined, so read its bytes instead.
int raw_dtype(const vaccel_torch_tensor *t)
{
	std::underlying_type_t<vaccel_torch_data_type> raw{};
	static_assert(sizeof(raw) == sizeof(t->data_type));
	std::memcpy(&raw, &t->data_type, sizeof(raw));
	return static_cast<int>(raw);
}

std::vector<engine::TensorView> views_of(vaccel_torch_tensor *const *in, int nr_in)
{
	std::vector<engine::TensorView> views;
	views.reserve(static_cast<size_t>(nr_in));
	for (int i = 0; i < nr_in; ++i) {
		const vaccel_torch_tensor *t = in[i];
		const std::string which = "input tensor " + std::to_string(i);
		if (t == nullptr)
			fail(ErrorKind::InvalidInput, which + " is NULL");
		const int dtype = raw_dtype(t);
		if (!engine::is_valid_dtype(dtype))
			fail(ErrorKind::InvalidInput, which + " has invalid data type " + std::to_string(dtype));
		if (t->nr_dims < 0 || t->nr_dims > 64 || (t->nr_dims > 0 && t->dims == nullptr))
			fail(ErrorKind::InvalidInput,
			     which + " has invalid dims (nr_dims = " + std::to_string(t->nr_dims) + ")");
		engine::TensorView v;
		v.data = t->data;
		v.size = t->size;
		v.dims.assign(t->dims, t->dims + t->nr_dims);
		v.dtype = static_cast<engine::DType>(dtype);
		views.push_back(std::move(v));
	}
	return views;
}

// Hands one engine tensor over to a new vaccel_torch_tensor (which then owns the bytes).
vaccel_torch_tensor *to_vaccel_tensor(engine::OwnedTensor &t)
{
	vaccel_torch_tensor *out = nullptr;
	// vAccel 0.8 has no 0-d tensors (nr_dims 0 is EINVAL): a scalar output
	// travels as shape [1].
	if (t.dims.empty())
		t.dims.push_back(1);
	const int ret = vaccel_torch_tensor_new(&out, static_cast<int64_t>(t.dims.size()), t.dims.data(),
						static_cast<vaccel_torch_data_type>(t.dtype));
	if (ret != VACCEL_OK || out == nullptr)
		throw std::bad_alloc();
	if (vaccel_torch_tensor_set_data(out, t.data.get(), t.size) != VACCEL_OK) {
		vaccel_torch_tensor_delete(out);
		throw std::bad_alloc();
	}
	t.data.release();
	out->owned = true;
	return out;
}

void publish_outputs(std::vector<engine::OwnedTensor> &results, vaccel_torch_tensor **out, int nr_out)
{
	std::vector<vaccel_torch_tensor *> made;
	made.reserve(static_cast<size_t>(nr_out)); // push_back below then cannot throw
	try {
		for (int i = 0; i < nr_out; ++i)
			made.push_back(to_vaccel_tensor(results[static_cast<size_t>(i)]));
	} catch (...) {
		for (auto *t : made)
			vaccel_torch_tensor_delete(t);
		throw;
	}
	for (int i = 0; i < nr_out; ++i)
		out[i] = made[static_cast<size_t>(i)];
}

// ---- ops -----------------------------------------------------------------------------------

int torch_model_load(vaccel_session *sess, vaccel_resource *model) noexcept
{
	return vp::boundary(kName, "model load", [&] {
		if (sess == nullptr || model == nullptr)
			fail(ErrorKind::InvalidInput, "session or model resource is NULL");
		model_of(model, sess);
		return VACCEL_OK;
	});
}

int torch_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_torch_buffer *run_options,
		    vaccel_torch_tensor *const *in, int nr_in, vaccel_torch_tensor **out, int nr_out) noexcept
{
	return vp::boundary(kName, "model run", [&] {
		if (sess == nullptr || model == nullptr)
			fail(ErrorKind::InvalidInput, "session or model resource is NULL");
		if (nr_in < 0 || (nr_in > 0 && in == nullptr))
			fail(ErrorKind::InvalidInput, "bad input tensor array (nr_in = " + std::to_string(nr_in) + ")");
		if (nr_out < 1 || out == nullptr)
			fail(ErrorKind::InvalidInput,
			     "bad output tensor array (nr_out = " + std::to_string(nr_out) + ")");
		if (run_options != nullptr && run_options->size > 0)
			vaccel_debug("[torch] model run: run_options (%zu bytes) ignored", run_options->size);
		const auto views = views_of(in, nr_in);
		const auto net = model_of(model, sess);
		auto results = net->run(views, static_cast<size_t>(nr_out));
		if (results.size() < static_cast<size_t>(nr_out))
			fail(ErrorKind::InvalidInput, "model produced " + std::to_string(results.size()) +
							      " output tensor(s) but " + std::to_string(nr_out) +
							      " were requested");
		publish_outputs(results, out, nr_out);
		return VACCEL_OK;
	});
}

// IMAGE_CLASSIFY through the kit's pipeline; the engine steps are crop/resize/normalise to an
// NCHW float tensor and run_float + softmax.
int classify_impl(const vp::ClassifyCall &call)
{
	if (const int rc = vp::check_classify_call(kName, call); rc != VACCEL_OK)
		return rc;
	Preprocess pre;
	{
		std::lock_guard lock(state().config_mu);
		if (!state().preprocess_error.empty())
			fail(ErrorKind::InvalidInput, state().preprocess_error);
		pre = state().preprocess;
	}
	vaccel_resource *res = nullptr;
	if (const int rc = vp::session_model_resource(kName, "pt", call.sess, res); rc != VACCEL_OK)
		return rc;
	const auto net = model_of(res, call.sess);
	std::shared_ptr<image::Labels> labels;
	std::string error;
	if (const int rc = state().labels.get(call.sess, labels, error); rc != VACCEL_OK) {
		vaccel_error("[torch] %s", error.c_str());
		return rc;
	}
	return vp::classify_image(
		kName, call, *labels,
		[&](const image::Image &img) { return vaccel::torch_plugin::make_input(img, pre); },
		[&](const vaccel::torch_plugin::InputTensor &input) {
			const auto logits = net->run_float(input.data, input.dims);
			if (logits.empty())
				fail(ErrorKind::Backend, "model produced an empty score tensor");
			return image::softmax(logits);
		});
}

int torch_classify(vaccel_session *sess, const void *img, unsigned char *out_text, unsigned char *out_imgname,
		   size_t len_img, size_t len_out_text, size_t len_out_imgname) noexcept
{
	return vp::boundary(kName, "image classify", [&] {
		return classify_impl({sess, img, len_img, out_text, len_out_text, out_imgname, len_out_imgname});
	});
}

const float *float_data(vaccel_torch_tensor **t, const char *name, int64_t rows, int64_t cols)
{
	if (t == nullptr || *t == nullptr)
		fail(ErrorKind::InvalidInput, std::string("sgemm: ") + name + " is NULL");
	const vaccel_torch_tensor *x = *t;
	if (raw_dtype(x) != VACCEL_TORCH_FLOAT)
		fail(ErrorKind::InvalidInput, std::string("sgemm: ") + name + " is not FLOAT");
	const size_t need = static_cast<size_t>(rows) * static_cast<size_t>(cols) * sizeof(float);
	if (x->data == nullptr || x->size != need)
		fail(ErrorKind::InvalidInput, std::string("sgemm: ") + name + " holds " + std::to_string(x->size) +
						      " bytes, expected " + std::to_string(need));
	return static_cast<const float *>(x->data);
}

// Deprecated reference op: out = A (MxK) * B (KxN) + C (MxN); C may be NULL (then out = A * B).
int torch_sgemm(vaccel_session *sess, vaccel_torch_tensor **in_a, vaccel_torch_tensor **in_b,
		vaccel_torch_tensor **in_c, int m, int n, int k, vaccel_torch_tensor **out) noexcept
{
	return vp::boundary(kName, "sgemm", [&] {
		if (sess == nullptr || out == nullptr)
			fail(ErrorKind::InvalidInput, "sgemm: session or output is NULL");
		if (m <= 0 || n <= 0 || k <= 0)
			fail(ErrorKind::InvalidInput, "sgemm: M, N, K must be positive");
		const float *a = float_data(in_a, "A", m, k);
		const float *b = float_data(in_b, "B", k, n);
		const float *c = (in_c == nullptr || *in_c == nullptr) ? nullptr : float_data(in_c, "C", m, n);
		auto result = engine::sgemm(a, b, c, m, n, k);
		*out = to_vaccel_tensor(result);
		return VACCEL_OK;
	});
}

// BLAS_SGEMM (reference vaccel_sgemm semantics) on libtorch, so that a session bound to this
// plugin can also multiply matrices (a session talks to one plugin only).
int torch_blas_sgemm(vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda,
		     float *b, int64_t ldb, float beta, float *c, int64_t ldc) noexcept
{
	return vp::boundary(kName, "blas sgemm", [&] {
		if (sess == nullptr)
			fail(ErrorKind::InvalidInput, "blas sgemm: session is NULL");
		if (m <= 0 || n <= 0 || k <= 0)
			fail(ErrorKind::InvalidInput, "blas sgemm: m, n, k must be positive (got " + std::to_string(m) +
							      ", " + std::to_string(n) + ", " + std::to_string(k) +
							      ")");
		if (lda < k || ldb < n || ldc < n)
			fail(ErrorKind::InvalidInput,
			     "blas sgemm: leading dimensions too small (lda=" + std::to_string(lda) +
				     " < k, ldb=" + std::to_string(ldb) + " or ldc=" + std::to_string(ldc) + " < n)");
		if (a == nullptr || b == nullptr || c == nullptr)
			fail(ErrorKind::InvalidInput, "blas sgemm: a matrix is NULL");
		engine::sgemm_strided(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return VACCEL_OK;
	});
}

// ---- resource hooks and lifecycle ----------------------------------------------------------

int torch_resource_register(vaccel_resource *res, vaccel_session *sess) noexcept
{
	// Models load lazily (on TORCH_MODEL_LOAD or first use): a session may hold MODEL
	// resources meant for other ops, and registration should not pay libtorch's load time.
	(void)res;
	(void)sess;
	return VACCEL_OK;
}

int torch_resource_unregister(vaccel_resource *res, vaccel_session *sess) noexcept
{
	if (res == nullptr || sess == nullptr)
		return VACCEL_EINVAL;
	return vp::boundary(kName, "resource unregister", [&] {
		state().models.forget(res->id, sess->id);
		state().labels.forget(res->id, sess->id);
		return VACCEL_OK;
	});
}

int threads_from_env()
{
	const char *env = std::getenv("VACCEL_TORCH_THREADS");
	if (env == nullptr || *env == '\0')
		return 1;
	int n = 0;
	const char *end = env + std::strlen(env);
	auto [ptr, ec] = std::from_chars(env, end, n);
	if (ec != std::errc() || ptr != end || n < 1 || n > kMaxThreads) {
		vaccel_warn("[torch] VACCEL_TORCH_THREADS='%s' is not an integer in 1..%d; using 1", env, kMaxThreads);
		return 1;
	}
	return n;
}

void mark_process_exiting()
{
	g_process_exiting.store(true);
}

int torch_init() noexcept
{
	return vp::boundary(kName, "init", [&] {
		static std::once_flag exit_hook;
		std::call_once(exit_hook, [] { std::atexit(mark_process_exiting); });
		// Before libtorch allocates anything of ours (engines.md §4.2: 60 ms -> 11 ms).
		const auto tuning = vaccel::torch_plugin::apply_malloc_tuning();
		if (tuning.state == vaccel::torch_plugin::MallocTuning::Failed)
			vaccel_warn("[torch] %s", tuning.message.c_str());
		else
			vaccel_info("[torch] %s", tuning.message.c_str());
		vaccel_debug("[torch] quantized engine: %s", engine::select_quantized_engine().c_str());
		engine::set_threads(threads_from_env());
		engine::set_notice_sink([](const char *text) { vaccel_info("[torch] %s", text); });
		{
			std::lock_guard lock(state().config_mu);
			state().preprocess = Preprocess{};
			state().preprocess_error.clear();
			if (!vaccel::torch_plugin::preprocess_from_env(state().preprocess, state().preprocess_error))
				vaccel_error("[torch] %s (IMAGE_CLASSIFY will fail until it is fixed)",
					     state().preprocess_error.c_str());
		}
		vaccel_debug("[torch] libtorch intra-op threads: %d", engine::threads());
		static vaccel_op ops[] = {
			VACCEL_OP_INIT(ops[0], VACCEL_OP_TORCH_MODEL_LOAD, torch_model_load),
			VACCEL_OP_INIT(ops[1], VACCEL_OP_TORCH_MODEL_RUN, torch_model_run),
			VACCEL_OP_INIT(ops[2], VACCEL_OP_IMAGE_CLASSIFY, torch_classify),
			VACCEL_OP_INIT(ops[3], VACCEL_OP_TORCH_SGEMM, torch_sgemm),
			VACCEL_OP_INIT(ops[4], VACCEL_OP_BLAS_SGEMM, torch_blas_sgemm),
		};
		return vaccel_plugin_register_ops(ops, sizeof(ops) / sizeof(ops[0]));
	});
}

int torch_fini() noexcept
{
	return vp::boundary(kName, "fini", [&] {
		if (g_process_exiting.load()) {
			vaccel_debug("[torch] fini at process exit: leaving loaded models to the OS");
			return VACCEL_OK;
		}
		state().models.clear();
		state().labels.clear();
		return VACCEL_OK;
	});
}

} // namespace

extern "C" {
VACCEL_PLUGIN(.name = "torch", .version = "0.1.0", .vaccel_version = VACCEL_VERSION, .init = torch_init,
	      .fini = torch_fini, .is_virtio = false,
	      .type = static_cast<vaccel_plugin_type_t>(VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_TORCH),
	      .session_init = nullptr, .session_release = nullptr, .session_update = nullptr,
	      .resource_register = torch_resource_register, .resource_unregister = torch_resource_unregister,
	      .resource_sync = nullptr)
}
