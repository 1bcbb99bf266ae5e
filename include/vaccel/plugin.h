/* SPDX-License-Identifier: Apache-2.0 */
/* Plugin ABI (vAccel 0.8). A plugin is a shared object, by convention
 * libvaccel-<name>.so, exporting the data symbol `vaccel_plugin`
 * (const struct vaccel_plugin *), normally defined with VACCEL_PLUGIN():
 *
 *   static struct vaccel_op ops[] = {
 *       VACCEL_OP_INIT(ops[0], VACCEL_OP_NOOP, my_noop),
 *   };
 *   static int init(void) { return vaccel_plugin_register_ops(ops, 1); }
 *   static int fini(void) { return VACCEL_OK; }
 *   VACCEL_PLUGIN(.name = "mine", .version = "1.0", .vaccel_version = VACCEL_VERSION,
 *                 .init = init, .fini = fini, .type = VACCEL_PLUGIN_CPU)
 *
 * From C++ the designated initialisers must follow the field order of
 * struct vaccel_plugin_info. An op's `func` has the parameters of the
 * matching API function (e.g. vaccel_noop(struct vaccel_session *)).
 *
 * Lifetime: fini() runs from vaccel_cleanup() or, at process exit, from
 * libvaccel's destructor, which runs after the plugin's own C++ static
 * objects have been destroyed. State that fini() touches should therefore
 * live on the heap (the bundled plugins do this).
 *
 * Concurrency: libvaccel takes no lock around a plugin's ops, so a plugin
 * must be thread-safe:
 *  - two ops of ONE session may run at the same time: an application may
 *    call them from two threads, and vaccel-agent does so for a
 *    multi-threaded client (its data-path requests, genop and the
 *    TF/TFLite/Torch model runs, overlap on the connection's worker pool);
 *  - ops and hooks of DIFFERENT sessions may run at the same time (two
 *    threads of an application; vaccel-agent with --isolation thread serves
 *    every connection on a thread of one process);
 *  - the hooks of one resource (resource_register, resource_unregister,
 *    resource_sync) never overlap each other, whatever the session: libvaccel
 *    serialises them per resource; hooks of different resources may overlap;
 *  - session_release runs after the application's (or the agent's) last op
 *    of that session returned: releasing a session while one of its ops is
 *    running is the caller's bug, and vaccel-agent never does it (its control
 *    requests wait for the tenant's ops in flight);
 *  - init() runs before any session can be bound to the plugin; fini() runs
 *    once vaccel_cleanup() has released every session (at process exit the
 *    sessions are forgotten, not released, so fini() drops what is left).
 *
 * Ops (struct vaccel_op, registered by init()): `func` has the signature of
 * the API function named below and must honour its contract (see its header).
 * libvaccel has already checked the session (non-NULL, bound to this plugin)
 * and, for model and LIB resources, their type and registration with the
 * session; everything else in the arguments is the plugin's to validate.
 * Each returns VACCEL_OK or a vAccel error code; no C++ exception may escape.
 *   NOOP               vaccel_noop: does nothing (a dispatch probe).
 *   EXEC               vaccel_exec: calls fn_symbol of library with the args.
 *   EXEC_WITH_RESOURCE vaccel_exec_with_resource: same, library from a LIB resource.
 *   IMAGE_CLASSIFY     vaccel_image_classification: top class text and an image name.
 *   IMAGE_DETECT       vaccel_image_detection: writes an output image name.
 *   IMAGE_SEGMENT      vaccel_image_segmentation: writes an output image name.
 *   IMAGE_POSE         vaccel_image_pose: writes an output image name.
 *   IMAGE_DEPTH        vaccel_image_depth: writes an output image name.
 *   TF_MODEL_LOAD      vaccel_tf_model_load: loads a MODEL resource; status filled.
 *   TF_MODEL_UNLOAD    vaccel_tf_model_unload: forgets a loaded model; status filled.
 *   TF_MODEL_RUN       vaccel_tf_model_run: runs a loaded model; allocates the outputs.
 *   TFLITE_MODEL_LOAD  vaccel_tflite_model_load: loads a MODEL resource.
 *   TFLITE_MODEL_UNLOAD vaccel_tflite_model_unload: forgets a loaded model.
 *   TFLITE_MODEL_RUN   vaccel_tflite_model_run: runs it; allocates the outputs, sets *status.
 *   TORCH_MODEL_LOAD   vaccel_torch_model_load: loads a TorchScript MODEL resource.
 *   TORCH_MODEL_RUN    vaccel_torch_model_run: runs it; allocates the outputs.
 *   TORCH_SGEMM        vaccel_torch_sgemm: out = A * B (+ C) on torch tensors (deprecated).
 *   BLAS_SGEMM         vaccel_sgemm: C = alpha * A * B + beta * C, row-major.
 *   FPGA_ARRAYCOPY     vaccel_fpga_arraycopy: out_a = a (deprecated).
 *   FPGA_MMULT         vaccel_fpga_mmult: c = a x b (deprecated).
 *   FPGA_PARALLEL      vaccel_fpga_parallel: element-wise sum and product (deprecated).
 *   FPGA_VECTORADD     vaccel_fpga_vadd: c = a + b (deprecated).
 *   MINMAX             vaccel_minmax: outdata, *min and *max from indata and the thresholds (deprecated).
 *   OPENCV             vaccel_opencv: a plugin-defined OpenCV op over read/write args. */
#ifndef VACCEL_PLUGIN_H
#define VACCEL_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "list.h"
#include "op.h"
#include "utils/enum.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_session;
struct vaccel_resource;

/* X-macro list of the enum's 0.8 items (see utils/enum.h). */
#define VACCEL_PLUGIN_TYPE_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                 \
	VACCEL_ENUM_ITEM(CPU, 0x0001, VACCEL_PLUGIN)                                                                   \
	VACCEL_ENUM_ITEM(GPU, 0x0002, VACCEL_PLUGIN)                                                                   \
	VACCEL_ENUM_ITEM(FPGA, 0x0004, VACCEL_PLUGIN)                                                                  \
	VACCEL_ENUM_ITEM(SOFTWARE, 0x0008, VACCEL_PLUGIN)                                                              \
	VACCEL_ENUM_ITEM(TENSORFLOW, 0x0010, VACCEL_PLUGIN)                                                            \
	VACCEL_ENUM_ITEM(TORCH, 0x0020, VACCEL_PLUGIN)                                                                 \
	VACCEL_ENUM_ITEM(JETSON, 0x0040, VACCEL_PLUGIN)                                                                \
	VACCEL_ENUM_ITEM(GENERIC, 0x0080, VACCEL_PLUGIN)                                                               \
	VACCEL_ENUM_ITEM(DEBUG, 0x0100, VACCEL_PLUGIN)                                                                 \
	VACCEL_ENUM_ITEM(REMOTE, 0x4000, VACCEL_PLUGIN)                                                                \
	VACCEL_ENUM_ITEM(ALL, 0xffff, VACCEL_PLUGIN)

typedef enum vaccel_plugin_type {
	VACCEL_PLUGIN_CPU = 0x0001,
	VACCEL_PLUGIN_GPU = 0x0002,
	VACCEL_PLUGIN_FPGA = 0x0004,
	VACCEL_PLUGIN_SOFTWARE = 0x0008,
	VACCEL_PLUGIN_TENSORFLOW = 0x0010,
	VACCEL_PLUGIN_TORCH = 0x0020,
	VACCEL_PLUGIN_JETSON = 0x0040,
	VACCEL_PLUGIN_GENERIC = 0x0080,
	VACCEL_PLUGIN_DEBUG = 0x0100,
	VACCEL_PLUGIN_REMOTE = 0x4000, /* session flag: use a transport plugin */
	VACCEL_PLUGIN_ALL = 0xffff,
	VACCEL_PLUGIN_MAX /* 0x10000, as in vAccel 0.8 */
} vaccel_plugin_type_t;

const char *vaccel_plugin_type_to_str(vaccel_plugin_type_t value);
const char *vaccel_plugin_type_to_base_str(vaccel_plugin_type_t value);
char *vaccel_plugin_type_name(vaccel_plugin_type_t value, char *buf, size_t size);

/* Seed-era name. */
#define VACCEL_REMOTE VACCEL_PLUGIN_REMOTE

struct vaccel_plugin_info {
	const char *name;           /* required */
	const char *version;        /* required */
	const char *vaccel_version; /* required unless version checks are ignored */
	int (*init)(void);          /* required: registers ops */
	int (*fini)(void);          /* required: frees everything; no call follows */
	bool is_virtio;             /* transport ("remote") plugin */
	vaccel_plugin_type_t type;  /* bitmask used for session hints */
	/* Optional hooks (NULL: nothing to do). Each returns VACCEL_OK or an
	 * error code; concurrency as described at the top of this header. */
	/* A session bound to this plugin was created; an error fails vaccel_session_init. */
	int (*session_init)(struct vaccel_session *sess, uint32_t flags);
	/* The session is being released (its resources already unregistered). */
	int (*session_release)(struct vaccel_session *sess);
	/* vaccel_session_update changed the session's hint to `flags`. */
	int (*session_update)(struct vaccel_session *sess, uint32_t flags);
	/* `res` (its blobs ready) is being registered with `sess`; an error refuses it.
	 * A transport plugin sets res->remote_id. */
	int (*resource_register)(struct vaccel_resource *res, struct vaccel_session *sess);
	/* `res` was unregistered from `sess` (the link is already gone). */
	int (*resource_unregister)(struct vaccel_resource *res, struct vaccel_session *sess);
	/* vaccel_resource_sync: refresh `res`'s BUFFER blobs from the remote side. */
	int (*resource_sync)(struct vaccel_resource *res, struct vaccel_session *sess);
};

struct vaccel_op {
	vaccel_op_type_t type;
	void *func;
	struct vaccel_plugin *owner;
};

struct vaccel_plugin {
	void *dl_handle;
	vaccel_list_entry entry;
	struct vaccel_op *ops[VACCEL_OP_MAX];
	struct vaccel_plugin_info *info;
};

/* Each plugin's own descriptor, defined by VACCEL_PLUGIN(). */
extern struct vaccel_plugin vaccel_this_plugin __attribute__((visibility("hidden")));

#define VACCEL_OP_INIT(name, op_type, op_func)                                                                         \
	{                                                                                                              \
		(op_type), (void *)(op_func), &vaccel_this_plugin                                                      \
	}

#define VACCEL_PLUGIN(...)                                                                                             \
	_Pragma("GCC diagnostic push")                                                                                 \
		_Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"") static struct vaccel_plugin_info    \
			vaccel_this_plugin_info = {__VA_ARGS__};                                                       \
	_Pragma("GCC diagnostic pop") __attribute__((                                                                  \
		visibility("hidden"))) struct vaccel_plugin vaccel_this_plugin = {                                     \
		NULL, {&vaccel_this_plugin.entry, &vaccel_this_plugin.entry}, {NULL}, &vaccel_this_plugin_info};       \
	__attribute__((visibility("default"))) const struct vaccel_plugin *vaccel_plugin = &vaccel_this_plugin;

/* Seed-era macro name. */
#define VACCEL_MODULE(...) VACCEL_PLUGIN(__VA_ARGS__)

/* Registers `nr_ops` ops for the plugin that owns ops[0] (called from the
 * plugin's init). Later entries of the same type replace earlier ones.
 * VACCEL_EINVAL on NULL/empty/ownerless ops, bad op type or
 * nr_ops > VACCEL_OP_MAX. Thread-safe. */
int vaccel_plugin_register_ops(struct vaccel_op *ops, size_t nr_ops);

static inline int vaccel_plugin_register_op(struct vaccel_op *op)
{
	return vaccel_plugin_register_ops(op, 1);
}

/* Seed-era names. */
static inline int register_plugin_function(struct vaccel_op *op)
{
	return vaccel_plugin_register_ops(op, 1);
}
static inline int register_plugin_functions(struct vaccel_op *ops, size_t nr_ops)
{
	return vaccel_plugin_register_ops(ops, nr_ops);
}

/* Loads one plugin at run time: a path, or a file name searched like
 * dlopen() does. VACCEL_ENOENT (cannot dlopen), VACCEL_ELIBBAD (no
 * vaccel_plugin symbol), VACCEL_EEXIST (already loaded), VACCEL_EINVAL
 * (missing name/version/init/fini, or incompatible vaccel_version major),
 * or the plugin's init error. Every failure is logged with path and reason
 * and leaves the runtime unchanged. */
int vaccel_plugin_load(const char *lib);

/* Loads a ':'-separated list in order. Every entry is attempted; returns
 * VACCEL_OK or the first error. */
int vaccel_plugin_parse_and_load(const char *lib_list);

/* Number of plugins currently loaded. */
size_t vaccel_plugin_count(void);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_PLUGIN_H */
