/* SPDX-License-Identifier: Apache-2.0 */
/* A purpose-built plugin for the core tests, compiled several times with
 * different definitions (see tests/core/CMakeLists.txt):
 *   VTEST_NAME          plugin name (string)
 *   VTEST_TYPE          vaccel_plugin_type_t bits
 *   VTEST_VIRTIO        1 = transport plugin with session/resource hooks
 *   VTEST_VACCEL_VERSION the vaccel_version it claims
 *   VTEST_INIT_RC       what init() returns (0 = success)
 *   VTEST_OPS_SUBSET    1 = registers only NOOP and IMAGE_CLASSIFY
 *   VTEST_NO_SYMBOL     1 = does not export `vaccel_plugin`
 *   VTEST_NO_NAME       1 = leaves info.name NULL
 * Every op does real, checkable work (sgemm multiplies, exec doubles an
 * int32, classify reports the image size) and records what it received. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vaccel.h>

#include "vtest_record.h"

/* The OPS_SUBSET / NO_SYMBOL variants leave some ops and hooks unregistered. */
#pragma GCC diagnostic ignored "-Wunused-function"

#ifndef VTEST_NAME
#define VTEST_NAME "vtest"
#endif
#ifndef VTEST_TYPE
#define VTEST_TYPE VACCEL_PLUGIN_CPU
#endif
#ifndef VTEST_VIRTIO
#define VTEST_VIRTIO 0
#endif
#ifndef VTEST_VACCEL_VERSION
#define VTEST_VACCEL_VERSION VACCEL_VERSION
#endif
#ifndef VTEST_INIT_RC
#define VTEST_INIT_RC 0
#endif

static struct vtest_record record;
static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((visibility("default"))) const struct vtest_record *vtest_get_record(void)
{
	return &record;
}

__attribute__((visibility("default"))) void vtest_reset_record(void)
{
	pthread_mutex_lock(&record_lock);
	unsigned init_calls = record.init_calls;
	memset(&record, 0, sizeof(record));
	record.init_calls = init_calls;
	record.last_op = -1;
	pthread_mutex_unlock(&record_lock);
}

static void note_op(int op, struct vaccel_session *sess, size_t nr_read, size_t nr_write)
{
	pthread_mutex_lock(&record_lock);
	if (op >= 0 && op < VTEST_MAX_OPS)
		record.op_calls[op]++;
	record.last_op = op;
	record.last_session_id = sess ? sess->id : -1;
	record.last_nr_read = nr_read;
	record.last_nr_write = nr_write;
	pthread_mutex_unlock(&record_lock);
}

static void note_text(char *dst, const char *src)
{
	pthread_mutex_lock(&record_lock);
	snprintf(dst, VTEST_TEXT, "%s", src ? src : "(null)");
	pthread_mutex_unlock(&record_lock);
}

static void write_text(unsigned char *out, size_t len, const char *text)
{
	if (out && len)
		snprintf((char *)out, len, "%s", text);
}

/* ---- ops ---------------------------------------------------------------- */

static int op_noop(struct vaccel_session *sess)
{
	note_op(VACCEL_OP_NOOP, sess, 0, 0);
	return VACCEL_OK;
}

/* "Doubles" read[0] (int32) into write[0], like the reference test lib. */
static int double_first_arg(struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read < 1 || nr_write < 1)
		return VACCEL_OK;
	if (read[0].size != sizeof(int32_t) || write[0].size != sizeof(int32_t))
		return VACCEL_OK;
	int32_t in;
	memcpy(&in, read[0].buf, sizeof(in));
	int32_t out = in * 2;
	memcpy(write[0].buf, &out, sizeof(out));
	return VACCEL_OK;
}

static int op_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol, struct vaccel_arg *read,
		   size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	note_op(VACCEL_OP_EXEC, sess, nr_read, nr_write);
	note_text(record.last_library, library);
	note_text(record.last_symbol, fn_symbol);
	return double_first_arg(read, nr_read, write, nr_write);
}

static int op_exec_with_resource(struct vaccel_session *sess, struct vaccel_resource *res, const char *fn_symbol,
				 struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	note_op(VACCEL_OP_EXEC_WITH_RESOURCE, sess, nr_read, nr_write);
	pthread_mutex_lock(&record_lock);
	record.last_resource_id = res ? res->id : -1;
	pthread_mutex_unlock(&record_lock);
	note_text(record.last_symbol, fn_symbol);
	return double_first_arg(read, nr_read, write, nr_write);
}

static int op_classify(struct vaccel_session *sess, const void *img, unsigned char *out_text,
		       unsigned char *out_imgname, size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	(void)img;
	note_op(VACCEL_OP_IMAGE_CLASSIFY, sess, 1, 2);
	char text[64];
	snprintf(text, sizeof(text), "vtest-tag %zu bytes", len_img);
	write_text(out_text, len_out_text, text);
	write_text(out_imgname, len_out_imgname, "vtest-classify.png");
	return VACCEL_OK;
}

#define VTEST_IMAGE_OP(fn, op, label)                                                                                  \
	static int fn(struct vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,        \
		      size_t len_out_imgname)                                                                          \
	{                                                                                                              \
		(void)img;                                                                                             \
		note_op(op, sess, 1, 1);                                                                               \
		char text[64];                                                                                         \
		snprintf(text, sizeof(text), "vtest-" label " %zu bytes", len_img);                                    \
		write_text(out_imgname, len_out_imgname, text);                                                        \
		return VACCEL_OK;                                                                                      \
	}
VTEST_IMAGE_OP(op_detect, VACCEL_OP_IMAGE_DETECT, "detect")
VTEST_IMAGE_OP(op_segment, VACCEL_OP_IMAGE_SEGMENT, "segment")
VTEST_IMAGE_OP(op_pose, VACCEL_OP_IMAGE_POSE, "pose")
VTEST_IMAGE_OP(op_depth, VACCEL_OP_IMAGE_DEPTH, "depth")

static int op_tf_load(struct vaccel_session *sess, struct vaccel_resource *model, struct vaccel_tf_status *status)
{
	note_op(VACCEL_OP_TF_MODEL_LOAD, sess, 0, 0);
	pthread_mutex_lock(&record_lock);
	record.last_resource_id = model ? model->id : -1;
	pthread_mutex_unlock(&record_lock);
	return status ? vaccel_tf_status_init(status, 0, "vtest loaded") : VACCEL_OK;
}

static int op_tf_unload(struct vaccel_session *sess, struct vaccel_resource *model, struct vaccel_tf_status *status)
{
	(void)model;
	note_op(VACCEL_OP_TF_MODEL_UNLOAD, sess, 0, 0);
	return status ? vaccel_tf_status_init(status, 0, "vtest unloaded") : VACCEL_OK;
}

/* Echoes input i into output i (fresh tensors owned by the caller). */
static int op_tf_run(struct vaccel_session *sess, const struct vaccel_resource *model,
		     const struct vaccel_tf_buffer *run_options, const struct vaccel_tf_node *in_nodes,
		     struct vaccel_tf_tensor *const *in, int nr_in, const struct vaccel_tf_node *out_nodes,
		     struct vaccel_tf_tensor **out, int nr_out, struct vaccel_tf_status *status)
{
	(void)model, (void)run_options, (void)in_nodes, (void)out_nodes;
	note_op(VACCEL_OP_TF_MODEL_RUN, sess, (size_t)nr_in, (size_t)nr_out);
	for (int i = 0; i < nr_out; i++) {
		const struct vaccel_tf_tensor *src = in[i < nr_in ? i : 0];
		int ret = vaccel_tf_tensor_allocate(&out[i], src->nr_dims, src->dims, src->data_type, src->size);
		if (ret)
			return ret;
		if (src->size)
			memcpy(out[i]->data, src->data, src->size);
	}
	return status ? vaccel_tf_status_init(status, 0, "vtest ran") : VACCEL_OK;
}

static int op_tflite_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	(void)model;
	note_op(VACCEL_OP_TFLITE_MODEL_LOAD, sess, 0, 0);
	return VACCEL_OK;
}

static int op_tflite_unload(struct vaccel_session *sess, struct vaccel_resource *model)
{
	(void)model;
	note_op(VACCEL_OP_TFLITE_MODEL_UNLOAD, sess, 0, 0);
	return VACCEL_OK;
}

static int op_tflite_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			 struct vaccel_tflite_tensor *const *in, int nr_in, struct vaccel_tflite_tensor **out,
			 int nr_out, uint8_t *status)
{
	(void)model;
	note_op(VACCEL_OP_TFLITE_MODEL_RUN, sess, (size_t)nr_in, (size_t)nr_out);
	for (int i = 0; i < nr_out; i++) {
		const struct vaccel_tflite_tensor *src = in[i < nr_in ? i : 0];
		int ret = vaccel_tflite_tensor_allocate(&out[i], src->nr_dims, src->dims, src->data_type, src->size);
		if (ret)
			return ret;
		if (src->size)
			memcpy(out[i]->data, src->data, src->size);
	}
	if (status)
		*status = 0;
	return VACCEL_OK;
}

static int op_torch_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	(void)model;
	note_op(VACCEL_OP_TORCH_MODEL_LOAD, sess, 0, 0);
	return VACCEL_OK;
}

static int op_torch_run(struct vaccel_session *sess, const struct vaccel_resource *model,
			const struct vaccel_torch_buffer *run_options, struct vaccel_torch_tensor *const *in, int nr_in,
			struct vaccel_torch_tensor **out, int nr_out)
{
	(void)model, (void)run_options;
	note_op(VACCEL_OP_TORCH_MODEL_RUN, sess, (size_t)nr_in, (size_t)nr_out);
	for (int i = 0; i < nr_out; i++) {
		const struct vaccel_torch_tensor *src = in[i < nr_in ? i : 0];
		int ret = vaccel_torch_tensor_allocate(&out[i], src->nr_dims, src->dims, src->data_type, src->size);
		if (ret)
			return ret;
		if (src->size)
			memcpy(out[i]->data, src->data, src->size);
	}
	return VACCEL_OK;
}

/* out = A(MxK) * B(KxN), float tensors; C is ignored like the reference. */
static int op_torch_sgemm(struct vaccel_session *sess, struct vaccel_torch_tensor **in_a,
			  struct vaccel_torch_tensor **in_b, struct vaccel_torch_tensor **in_c, int m, int n, int k,
			  struct vaccel_torch_tensor **out)
{
	(void)in_c;
	note_op(VACCEL_OP_TORCH_SGEMM, sess, 3, 1);
	const float *a = in_a[0]->data, *b = in_b[0]->data;
	int64_t dims[2] = {m, n};
	int ret = vaccel_torch_tensor_allocate(out, 2, dims, VACCEL_TORCH_FLOAT, (size_t)m * (size_t)n * sizeof(float));
	if (ret)
		return ret;
	float *o = out[0]->data;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			float acc = 0;
			for (int p = 0; p < k; p++)
				acc += a[i * k + p] * b[p * n + j];
			o[i * n + j] = acc;
		}
	return VACCEL_OK;
}

static int op_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda,
		    float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
	note_op(VACCEL_OP_BLAS_SGEMM, sess, 10, 1);
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			float acc = 0;
			for (int64_t p = 0; p < k; p++)
				acc += a[i * lda + p] * b[p * ldb + j];
			c[i * ldc + j] = alpha * acc + beta * c[i * ldc + j];
		}
	return VACCEL_OK;
}

static int op_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[], size_t len_a)
{
	note_op(VACCEL_OP_FPGA_ARRAYCOPY, sess, 1, 1);
	memcpy(out_a, a, len_a * sizeof(int));
	return VACCEL_OK;
}

static int op_fpga_mmult(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a)
{
	note_op(VACCEL_OP_FPGA_MMULT, sess, 2, 1);
	for (size_t i = 0; i < len_a; i++)
		c[i] = a[i] * b[i];
	return VACCEL_OK;
}

static int op_fpga_parallel(struct vaccel_session *sess, float a[], float b[], float add_out[], float mult_out[],
			    size_t len_a)
{
	note_op(VACCEL_OP_FPGA_PARALLEL, sess, 2, 2);
	for (size_t i = 0; i < len_a; i++) {
		add_out[i] = a[i] + b[i];
		mult_out[i] = a[i] * b[i];
	}
	return VACCEL_OK;
}

static int op_fpga_vadd(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a, size_t len_b)
{
	note_op(VACCEL_OP_FPGA_VECTORADD, sess, 2, 1);
	size_t n = len_a < len_b ? len_a : len_b;
	for (size_t i = 0; i < n; i++)
		c[i] = a[i] + b[i];
	return VACCEL_OK;
}

static int op_minmax(struct vaccel_session *sess, const double *in, int n, int low, int high, double *out, double *min,
		     double *max)
{
	(void)low, (void)high;
	note_op(VACCEL_OP_MINMAX, sess, 4, 3);
	if (n <= 0)
		return VACCEL_EINVAL;
	*min = *max = in[0];
	for (int i = 0; i < n; i++) {
		out[i] = in[i];
		if (in[i] < *min)
			*min = in[i];
		if (in[i] > *max)
			*max = in[i];
	}
	return VACCEL_OK;
}

static int op_opencv(struct vaccel_session *sess, struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
		     size_t nr_write)
{
	note_op(VACCEL_OP_OPENCV, sess, nr_read, nr_write);
	return double_first_arg(read, nr_read, write, nr_write);
}

#if defined(VTEST_OPS_SUBSET) && VTEST_OPS_SUBSET
static struct vaccel_op ops[] = {
	VACCEL_OP_INIT(ops[0], VACCEL_OP_NOOP, op_noop),
	VACCEL_OP_INIT(ops[1], VACCEL_OP_IMAGE_CLASSIFY, op_classify),
};
#else
static struct vaccel_op ops[] = {
	VACCEL_OP_INIT(ops[0], VACCEL_OP_NOOP, op_noop),
	VACCEL_OP_INIT(ops[1], VACCEL_OP_EXEC, op_exec),
	VACCEL_OP_INIT(ops[2], VACCEL_OP_EXEC_WITH_RESOURCE, op_exec_with_resource),
	VACCEL_OP_INIT(ops[3], VACCEL_OP_IMAGE_CLASSIFY, op_classify),
	VACCEL_OP_INIT(ops[4], VACCEL_OP_IMAGE_DETECT, op_detect),
	VACCEL_OP_INIT(ops[5], VACCEL_OP_IMAGE_SEGMENT, op_segment),
	VACCEL_OP_INIT(ops[6], VACCEL_OP_IMAGE_POSE, op_pose),
	VACCEL_OP_INIT(ops[7], VACCEL_OP_IMAGE_DEPTH, op_depth),
	VACCEL_OP_INIT(ops[8], VACCEL_OP_TF_MODEL_LOAD, op_tf_load),
	VACCEL_OP_INIT(ops[9], VACCEL_OP_TF_MODEL_UNLOAD, op_tf_unload),
	VACCEL_OP_INIT(ops[10], VACCEL_OP_TF_MODEL_RUN, op_tf_run),
	VACCEL_OP_INIT(ops[11], VACCEL_OP_TFLITE_MODEL_LOAD, op_tflite_load),
	VACCEL_OP_INIT(ops[12], VACCEL_OP_TFLITE_MODEL_UNLOAD, op_tflite_unload),
	VACCEL_OP_INIT(ops[13], VACCEL_OP_TFLITE_MODEL_RUN, op_tflite_run),
	VACCEL_OP_INIT(ops[14], VACCEL_OP_TORCH_MODEL_LOAD, op_torch_load),
	VACCEL_OP_INIT(ops[15], VACCEL_OP_TORCH_MODEL_RUN, op_torch_run),
	VACCEL_OP_INIT(ops[16], VACCEL_OP_TORCH_SGEMM, op_torch_sgemm),
	VACCEL_OP_INIT(ops[17], VACCEL_OP_BLAS_SGEMM, op_sgemm),
	VACCEL_OP_INIT(ops[18], VACCEL_OP_FPGA_ARRAYCOPY, op_fpga_arraycopy),
	VACCEL_OP_INIT(ops[19], VACCEL_OP_FPGA_MMULT, op_fpga_mmult),
	VACCEL_OP_INIT(ops[20], VACCEL_OP_FPGA_PARALLEL, op_fpga_parallel),
	VACCEL_OP_INIT(ops[21], VACCEL_OP_FPGA_VECTORADD, op_fpga_vadd),
	VACCEL_OP_INIT(ops[22], VACCEL_OP_MINMAX, op_minmax),
	VACCEL_OP_INIT(ops[23], VACCEL_OP_OPENCV, op_opencv),
};
#endif

/* ---- transport hooks ------------------------------------------------------ */

static __attribute__((unused)) int hook_session_init(struct vaccel_session *sess, uint32_t flags)
{
	pthread_mutex_lock(&record_lock);
	record.session_init_calls++;
	record.last_session_flags = flags;
	pthread_mutex_unlock(&record_lock);
	sess->remote_id = 1000 + sess->id;
	return VACCEL_OK;
}

static __attribute__((unused)) int hook_session_release(struct vaccel_session *sess)
{
	(void)sess;
	pthread_mutex_lock(&record_lock);
	record.session_release_calls++;
	pthread_mutex_unlock(&record_lock);
	return VACCEL_OK;
}

static __attribute__((unused)) int hook_session_update(struct vaccel_session *sess, uint32_t flags)
{
	(void)sess;
	pthread_mutex_lock(&record_lock);
	record.session_update_calls++;
	record.last_session_flags = flags;
	pthread_mutex_unlock(&record_lock);
	return VACCEL_OK;
}

static __attribute__((unused)) int hook_resource_register(struct vaccel_resource *res, struct vaccel_session *sess)
{
	(void)sess;
	pthread_mutex_lock(&record_lock);
	record.resource_register_calls++;
	record.last_resource_id = res->id;
	record.last_register_nr_blobs = res->nr_blobs;
	pthread_mutex_unlock(&record_lock);
	if (VTEST_VIRTIO && res->remote_id == 0)
		res->remote_id = 5000 + res->id;
	return VACCEL_OK;
}

static __attribute__((unused)) int hook_resource_unregister(struct vaccel_resource *res, struct vaccel_session *sess)
{
	(void)res, (void)sess;
	pthread_mutex_lock(&record_lock);
	record.resource_unregister_calls++;
	pthread_mutex_unlock(&record_lock);
	return VACCEL_OK;
}

static __attribute__((unused)) int hook_resource_sync(struct vaccel_resource *res, struct vaccel_session *sess)
{
	(void)res, (void)sess;
	pthread_mutex_lock(&record_lock);
	record.resource_sync_calls++;
	pthread_mutex_unlock(&record_lock);
	return VACCEL_OK;
}

static int init(void)
{
	pthread_mutex_lock(&record_lock);
	record.init_calls++;
	record.last_op = -1;
	pthread_mutex_unlock(&record_lock);
	if (VTEST_INIT_RC != 0)
		return VTEST_INIT_RC;
#if defined(VTEST_SEED_MACROS) && VTEST_SEED_MACROS
	/* Seed-era registration: one op at a time through the old names. */
	for (size_t i = 0; i + 1 < sizeof(ops) / sizeof(ops[0]); i++) {
		int ret = register_plugin_function(&ops[i]);
		if (ret)
			return ret;
	}
	return register_plugin_functions(&ops[sizeof(ops) / sizeof(ops[0]) - 1], 1);
#else
	return vaccel_plugin_register_ops(ops, sizeof(ops) / sizeof(ops[0]));
#endif
}

static int fini(void)
{
	pthread_mutex_lock(&record_lock);
	record.fini_calls++;
	pthread_mutex_unlock(&record_lock);
	return VACCEL_OK;
}

#if defined(VTEST_NO_NAME) && VTEST_NO_NAME
#define VTEST_INFO_NAME NULL
#else
#define VTEST_INFO_NAME VTEST_NAME
#endif

#if defined(VTEST_NO_SYMBOL) && VTEST_NO_SYMBOL
/* Everything a plugin has except the exported `vaccel_plugin` symbol. */
__attribute__((visibility("hidden"))) struct vaccel_plugin vaccel_this_plugin;
__attribute__((visibility("default"))) int vtest_not_a_plugin = 1;
static void *keep_referenced[] __attribute__((used)) = {(void *)init,
							(void *)fini,
							(void *)hook_session_init,
							(void *)hook_session_release,
							(void *)hook_session_update,
							(void *)hook_resource_register,
							(void *)hook_resource_unregister,
							(void *)hook_resource_sync};
#elif defined(VTEST_SEED_MACROS) && VTEST_SEED_MACROS
VACCEL_MODULE(.name = VTEST_INFO_NAME, .version = "0.0.9", .vaccel_version = VTEST_VACCEL_VERSION, .init = init,
	      .fini = fini, .is_virtio = false, .type = VTEST_TYPE)
#else
VACCEL_PLUGIN(.name = VTEST_INFO_NAME, .version = "1.2.3", .vaccel_version = VTEST_VACCEL_VERSION, .init = init,
	      .fini = fini, .is_virtio = VTEST_VIRTIO, .type = VTEST_TYPE,
	      .session_init = VTEST_VIRTIO ? hook_session_init : NULL,
	      .session_release = VTEST_VIRTIO ? hook_session_release : NULL,
	      .session_update = VTEST_VIRTIO ? hook_session_update : NULL, .resource_register = hook_resource_register,
	      .resource_unregister = hook_resource_unregister, .resource_sync = hook_resource_sync)
#endif
