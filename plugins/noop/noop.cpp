// SPDX-License-Identifier: Apache-2.0
// noop plugin (libvaccel-noop.so): a debug backend that implements every
// operation of vAccel 0.8 without doing real work. It logs its arguments at
// debug level (VACCEL_LOG_LEVEL=4) and returns the reference's dummy results:
//   - image ops write "This is a dummy classification tag!" /
//     "This is a dummy imgname!" into the caller's buffers;
//   - exec, exec_with_resource and opencv copy each read arg into the write
//     arg with the same index (as much as fits), so apps see their input back;
//   - TF/TFLite/Torch runs return copies of the input tensors as outputs;
//   - minmax copies and reports the real min/max; the fpga ops write the
//     reference noop's dummy results (arraycopy copies, mmult writes 9.1,
//     parallel writes a+b and 1.0, vadd writes a+b), each over len_a
//     elements (vadd: min(len_a, len_b)); the other numeric ops leave their
//     outputs untouched.
// It lets applications, bindings and transports be tested without hardware.

#include <vaccel.h>
#include <vaccel/op_schema.hpp>

#include "boundary.hpp"

#include <vaccel/cpp/tensor_kind.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <span>
#include <string_view>

// Every op runs behind the plugin kit's boundary (op table below), so none lets an exception out.
constexpr char kName[] = "noop";

namespace {

constexpr std::string_view kDummyTag = "This is a dummy classification tag!";
constexpr std::string_view kDummyImgname = "This is a dummy imgname!";
constexpr const char *kStatusMessage = "Operation handled by noop plugin";

// Session ids are int64; printf wants a fixed type.
long long sess_id(const vaccel_session *sess)
{
	return sess != nullptr ? static_cast<long long>(sess->id) : 0LL;
}

long long res_id(const vaccel_resource *res)
{
	return res != nullptr ? static_cast<long long>(res->id) : 0LL;
}

// Writes `text` NUL-terminated into a caller buffer, truncating if needed.
void copy_text(unsigned char *dst, size_t len, std::string_view text)
{
	if (dst == nullptr || len == 0)
		return;
	const size_t n = std::min(len - 1, text.size());
	std::memcpy(dst, text.data(), n);
	dst[n] = '\0';
}

// Echoes read[i] into write[i] for every index both sides have, copying as
// many bytes as the write buffer holds. Why: apps and transports can check
// that their arguments made the round trip.
void echo_args(std::span<const vaccel_arg> read, std::span<vaccel_arg> write)
{
	const size_t n = std::min(read.size(), write.size());
	for (size_t i = 0; i < n; ++i) {
		if (read[i].buf == nullptr || write[i].buf == nullptr)
			continue;
		std::memcpy(write[i].buf, read[i].buf, std::min(read[i].size, write[i].size));
	}
}

void log_args(const char *what, std::span<const vaccel_arg> args)
{
	if (!vaccel_log_enabled(VACCEL_LOG_DEBUG))
		return;
	for (size_t i = 0; i < args.size(); ++i)
		vaccel_debug("[noop] %s[%zu]: type %s size %zu", what, i, vaccel_arg_type_to_str(args[i].type),
			     args[i].size);
}

std::span<const vaccel_arg> as_span(const vaccel_arg *args, size_t n)
{
	return args != nullptr ? std::span<const vaccel_arg>(args, n) : std::span<const vaccel_arg>();
}

std::span<vaccel_arg> as_mut_span(vaccel_arg *args, size_t n)
{
	return args != nullptr ? std::span<vaccel_arg>(args, n) : std::span<vaccel_arg>();
}

void log_resource(const char *what, const vaccel_resource *res)
{
	if (!vaccel_log_enabled(VACCEL_LOG_DEBUG) || res == nullptr)
		return;
	vaccel_debug("[noop] %s: resource %lld type %s with %zu blob(s)", what, res_id(res),
		     vaccel_resource_type_to_str(res->type), res->nr_blobs);
	for (size_t i = 0; i < res->nr_blobs && res->blobs != nullptr; ++i) {
		const vaccel_blob *b = res->blobs[i];
		if (b != nullptr)
			vaccel_debug("[noop]   blob[%zu]: %s (%zu bytes)", i,
				     b->name != nullptr ? b->name : "(unnamed)", b->size);
	}
}

// ---- generic ----------------------------------------------------------------

int noop_noop(vaccel_session *sess)
{
	vaccel_debug("[noop] Calling no-op for session %lld", sess_id(sess));
	return VACCEL_OK;
}

int noop_exec(vaccel_session *sess, const char *library, const char *fn_symbol, vaccel_arg *read, size_t nr_read,
	      vaccel_arg *write, size_t nr_write)
{
	vaccel_debug("[noop] Calling exec for session %lld", sess_id(sess));
	vaccel_debug("[noop] library: %s symbol: %s nr_read: %zu nr_write: %zu",
		     library != nullptr ? library : "(null)", fn_symbol != nullptr ? fn_symbol : "(null)", nr_read,
		     nr_write);
	log_args("read", as_span(read, nr_read));
	log_args("write", as_span(write, nr_write));
	echo_args(as_span(read, nr_read), as_mut_span(write, nr_write));
	return VACCEL_OK;
}

int noop_exec_with_resource(vaccel_session *sess, vaccel_resource *resource, const char *fn_symbol, vaccel_arg *read,
			    size_t nr_read, vaccel_arg *write, size_t nr_write)
{
	vaccel_debug("[noop] Calling exec_with_resource for session %lld", sess_id(sess));
	log_resource("library", resource);
	vaccel_debug("[noop] symbol: %s nr_read: %zu nr_write: %zu", fn_symbol != nullptr ? fn_symbol : "(null)",
		     nr_read, nr_write);
	log_args("read", as_span(read, nr_read));
	log_args("write", as_span(write, nr_write));
	echo_args(as_span(read, nr_read), as_mut_span(write, nr_write));
	return VACCEL_OK;
}

int noop_opencv(vaccel_session *sess, vaccel_arg *read, size_t nr_read, vaccel_arg *write, size_t nr_write)
{
	vaccel_debug("[noop] Calling opencv for session %lld: nr_read: %zu nr_write: %zu", sess_id(sess), nr_read,
		     nr_write);
	log_args("read", as_span(read, nr_read));
	log_args("write", as_span(write, nr_write));
	echo_args(as_span(read, nr_read), as_mut_span(write, nr_write));
	return VACCEL_OK;
}

// ---- image ops --------------------------------------------------------------

int noop_image_classify(vaccel_session *sess, const void *img, unsigned char *out_text, unsigned char *out_imgname,
			size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	vaccel_debug("[noop] Calling image classification for session %lld", sess_id(sess));
	vaccel_debug("[noop] image %p (%zu bytes), out_text len %zu, out_imgname len %zu", img, len_img, len_out_text,
		     len_out_imgname);
	copy_text(out_text, len_out_text, kDummyTag);
	copy_text(out_imgname, len_out_imgname, kDummyImgname);
	return VACCEL_OK;
}

// Detection, segmentation, pose and depth share one shape.
int image_imgname_op(const char *what, vaccel_session *sess, const void *img, unsigned char *out_imgname,
		     size_t len_img, size_t len_out_imgname)
{
	vaccel_debug("[noop] Calling image %s for session %lld", what, sess_id(sess));
	vaccel_debug("[noop] image %p (%zu bytes), out_imgname len %zu", img, len_img, len_out_imgname);
	copy_text(out_imgname, len_out_imgname, kDummyImgname);
	return VACCEL_OK;
}

int noop_image_detect(vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		      size_t len_out_imgname)
{
	return image_imgname_op("detection", sess, img, out_imgname, len_img, len_out_imgname);
}

int noop_image_segment(vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		       size_t len_out_imgname)
{
	return image_imgname_op("segmentation", sess, img, out_imgname, len_img, len_out_imgname);
}

int noop_image_pose(vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		    size_t len_out_imgname)
{
	return image_imgname_op("pose estimation", sess, img, out_imgname, len_img, len_out_imgname);
}

int noop_image_depth(vaccel_session *sess, const void *img, unsigned char *out_imgname, size_t len_img,
		     size_t len_out_imgname)
{
	return image_imgname_op("depth estimation", sess, img, out_imgname, len_img, len_out_imgname);
}

// ---- tensor echo --------------------------------------------------------------
// Each framework has its own tensor struct and allocate/delete pair; the echo
// logic is written once over vaccel::TensorKind (vaccel/cpp/tensor_kind.hpp).

// out[i] = copy of in[i]. On failure no output is left allocated.
template <typename Tensor>
int echo_tensors(const char *what, Tensor *const *in, int nr_in, Tensor **out, int nr_out)
{
	using Kind = vaccel::TensorKind<Tensor>;
	if (nr_out < 0 || nr_in < 0 || nr_out > nr_in || (nr_out > 0 && (in == nullptr || out == nullptr))) {
		vaccel_error("[noop] %s: cannot echo %d input tensor(s) into %d output(s)", what, nr_in, nr_out);
		return VACCEL_EINVAL;
	}
	for (int i = 0; i < nr_out; ++i) {
		out[i] = nullptr;
		const Tensor *src = in[i];
		int ret = src != nullptr ? Kind::allocate(&out[i], src->nr_dims, src->dims, src->data_type, src->size)
					 : VACCEL_EINVAL;
		if (ret == VACCEL_OK && src->size > 0 && src->data != nullptr)
			std::memcpy(out[i]->data, src->data, src->size);
		if (ret != VACCEL_OK) {
			vaccel_error("[noop] %s: could not copy input tensor %d (error %d)", what, i, ret);
			for (int j = 0; j < i; ++j) {
				Kind::destroy(out[j]);
				out[j] = nullptr;
			}
			return ret;
		}
		vaccel_debug("[noop] %s: output[%d] = input[%d] (%lld dims, %zu bytes)", what, i, i,
			     static_cast<long long>(src->nr_dims), src->size);
	}
	return VACCEL_OK;
}

// ---- TensorFlow -----------------------------------------------------------------

int set_tf_status(vaccel_tf_status *status)
{
	return status != nullptr ? vaccel_tf_status_init(status, 0, kStatusMessage) : VACCEL_OK;
}

int noop_tf_model_load(vaccel_session *sess, vaccel_resource *model, vaccel_tf_status *status)
{
	vaccel_debug("[noop] Calling tf model load for session %lld", sess_id(sess));
	log_resource("model", model);
	return set_tf_status(status);
}

int noop_tf_model_unload(vaccel_session *sess, vaccel_resource *model, vaccel_tf_status *status)
{
	vaccel_debug("[noop] Calling tf model unload for session %lld", sess_id(sess));
	log_resource("model", model);
	return set_tf_status(status);
}

int noop_tf_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_tf_buffer *run_options,
		      const vaccel_tf_node *in_nodes, vaccel_tf_tensor *const *in, int nr_inputs,
		      const vaccel_tf_node *out_nodes, vaccel_tf_tensor **out, int nr_outputs, vaccel_tf_status *status)
{
	vaccel_debug("[noop] Calling tf model run for session %lld", sess_id(sess));
	log_resource("model", model);
	vaccel_debug("[noop] run options: %zu bytes, %d input(s), %d output(s)",
		     run_options != nullptr ? run_options->size : 0, nr_inputs, nr_outputs);
	for (int i = 0; in_nodes != nullptr && i < nr_inputs; ++i)
		vaccel_debug("[noop] input node[%d]: %s:%d", i,
			     in_nodes[i].name != nullptr ? in_nodes[i].name : "(null)", in_nodes[i].id);
	for (int i = 0; out_nodes != nullptr && i < nr_outputs; ++i)
		vaccel_debug("[noop] output node[%d]: %s:%d", i,
			     out_nodes[i].name != nullptr ? out_nodes[i].name : "(null)", out_nodes[i].id);
	const int ret = echo_tensors("tf model run", in, nr_inputs, out, nr_outputs);
	if (ret != VACCEL_OK)
		return ret;
	return set_tf_status(status);
}

// ---- TensorFlow Lite ------------------------------------------------------------

int noop_tflite_model_load(vaccel_session *sess, vaccel_resource *model)
{
	vaccel_debug("[noop] Calling tflite model load for session %lld", sess_id(sess));
	log_resource("model", model);
	return VACCEL_OK;
}

int noop_tflite_model_unload(vaccel_session *sess, vaccel_resource *model)
{
	vaccel_debug("[noop] Calling tflite model unload for session %lld", sess_id(sess));
	log_resource("model", model);
	return VACCEL_OK;
}

int noop_tflite_model_run(vaccel_session *sess, const vaccel_resource *model, vaccel_tflite_tensor *const *in,
			  int nr_inputs, vaccel_tflite_tensor **out, int nr_outputs, uint8_t *status)
{
	vaccel_debug("[noop] Calling tflite model run for session %lld: %d input(s), %d output(s)", sess_id(sess),
		     nr_inputs, nr_outputs);
	log_resource("model", model);
	const int ret = echo_tensors("tflite model run", in, nr_inputs, out, nr_outputs);
	if (status != nullptr)
		*status = ret == VACCEL_OK ? 0 : 1;
	return ret;
}

// ---- Torch ----------------------------------------------------------------------

int noop_torch_model_load(vaccel_session *sess, vaccel_resource *model)
{
	vaccel_debug("[noop] Calling torch model load for session %lld", sess_id(sess));
	log_resource("model", model);
	return VACCEL_OK;
}

int noop_torch_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_torch_buffer *run_options,
			 vaccel_torch_tensor *const *in, int nr_inputs, vaccel_torch_tensor **out, int nr_outputs)
{
	vaccel_debug("[noop] Calling torch model run for session %lld: %d input(s), %d output(s)", sess_id(sess),
		     nr_inputs, nr_outputs);
	log_resource("model", model);
	vaccel_debug("[noop] run options: %zu bytes", run_options != nullptr ? run_options->size : 0);
	return echo_tensors("torch model run", in, nr_inputs, out, nr_outputs);
}

// Deprecated op: returns an M x N float tensor of zeros (the shape the real
// op would produce) so callers can exercise their output handling.
int noop_torch_sgemm(vaccel_session *sess, vaccel_torch_tensor **in_a, vaccel_torch_tensor **in_b,
		     vaccel_torch_tensor **in_c, int m, int n, int k, vaccel_torch_tensor **out)
{
	vaccel_debug("[noop] Calling torch sgemm for session %lld: M %d N %d K %d (A %p B %p C %p)", sess_id(sess), m,
		     n, k, static_cast<void *>(in_a), static_cast<void *>(in_b), static_cast<void *>(in_c));
	if (out == nullptr || m <= 0 || n <= 0) {
		vaccel_error("[noop] torch sgemm: invalid output or dimensions (M %d N %d)", m, n);
		return VACCEL_EINVAL;
	}
	const int64_t dims[2] = {m, n};
	const size_t bytes = static_cast<size_t>(m) * static_cast<size_t>(n) * sizeof(float);
	return vaccel_torch_tensor_allocate(out, 2, dims, VACCEL_TORCH_FLOAT, bytes);
}

// ---- BLAS, FPGA, minmax -----------------------------------------------------------

int noop_sgemm(vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a, int64_t lda, float *b,
	       int64_t ldb, float beta, float *c, int64_t ldc)
{
	vaccel_debug("[noop] Calling sgemm for session %lld", sess_id(sess));
	vaccel_debug("[noop] m: %" PRId64 " n: %" PRId64 " k: %" PRId64 " alpha: %f beta: %f", m, n, k,
		     static_cast<double>(alpha), static_cast<double>(beta));
	vaccel_debug("[noop] a: %p lda: %" PRId64 " b: %p ldb: %" PRId64 " c: %p ldc: %" PRId64, static_cast<void *>(a),
		     lda, static_cast<void *>(b), ldb, static_cast<void *>(c), ldc);
	return VACCEL_OK;
}

int noop_fpga_arraycopy(vaccel_session *sess, int a[], int out_a[], size_t len_a)
{
	vaccel_debug("[noop] Calling fpga arraycopy for session %lld: len %zu", sess_id(sess), len_a);
	if (a != nullptr && out_a != nullptr && len_a > 0)
		std::memcpy(out_a, a, len_a * sizeof(int));
	return VACCEL_OK;
}

int noop_fpga_mmult(vaccel_session *sess, float a[], float b[], float c[], size_t len_a)
{
	vaccel_debug("[noop] Calling fpga mmult for session %lld: a %p b %p c %p len %zu", sess_id(sess),
		     static_cast<void *>(a), static_cast<void *>(b), static_cast<void *>(c), len_a);
	if (c != nullptr)
		std::fill_n(c, len_a, 9.1f);
	return VACCEL_OK;
}

int noop_fpga_parallel(vaccel_session *sess, float a[], float b[], float add_output[], float mult_output[],
		       size_t len_a)
{
	vaccel_debug("[noop] Calling fpga parallel for session %lld: a %p b %p add %p mult %p len %zu", sess_id(sess),
		     static_cast<void *>(a), static_cast<void *>(b), static_cast<void *>(add_output),
		     static_cast<void *>(mult_output), len_a);
	for (size_t i = 0; add_output != nullptr && a != nullptr && b != nullptr && i < len_a; ++i)
		add_output[i] = a[i] + b[i];
	if (mult_output != nullptr)
		std::fill_n(mult_output, len_a, 1.0f);
	return VACCEL_OK;
}

int noop_fpga_vadd(vaccel_session *sess, float a[], float b[], float c[], size_t len_a, size_t len_b)
{
	vaccel_debug("[noop] Calling fpga vector add for session %lld: a %p b %p c %p len_a %zu len_b %zu",
		     sess_id(sess), static_cast<void *>(a), static_cast<void *>(b), static_cast<void *>(c), len_a,
		     len_b);
	const size_t n = std::min(len_a, len_b);
	for (size_t i = 0; c != nullptr && a != nullptr && b != nullptr && i < n; ++i)
		c[i] = a[i] + b[i];
	return VACCEL_OK;
}

int noop_minmax(vaccel_session *sess, const double *indata, int ndata, int low_threshold, int high_threshold,
		double *outdata, double *min, double *max)
{
	vaccel_debug("[noop] Calling minmax for session %lld: ndata %d low %d high %d", sess_id(sess), ndata,
		     low_threshold, high_threshold);
	if (indata == nullptr || ndata <= 0)
		return VACCEL_OK;
	const std::span<const double> in(indata, static_cast<size_t>(ndata));
	if (outdata != nullptr)
		std::copy(in.begin(), in.end(), outdata);
	const auto [lo, hi] = std::minmax_element(in.begin(), in.end());
	if (min != nullptr)
		*min = *lo;
	if (max != nullptr)
		*max = *hi;
	return VACCEL_OK;
}

// ECHO (extension op, vaccel/op_schema.hpp): out = in.
int noop_echo(vaccel_session *sess, const void *in, unsigned char *out, size_t len_in, size_t len_out)
{
	vaccel_debug("[noop] Calling echo for session %lld: %zu bytes", sess_id(sess), len_in);
	if (len_out < len_in) {
		vaccel_error("[noop] echo: output (%zu bytes) smaller than input (%zu)", len_out, len_in);
		return VACCEL_EINVAL;
	}
	std::memcpy(out, in, len_in);
	return VACCEL_OK;
}

} // namespace

// ---- registration -------------------------------------------------------------------

static struct vaccel_op noop_ops[] = {
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_NOOP, noop_noop),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_EXEC, noop_exec),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_EXEC_WITH_RESOURCE, noop_exec_with_resource),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_IMAGE_CLASSIFY, noop_image_classify),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_IMAGE_DETECT, noop_image_detect),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_IMAGE_SEGMENT, noop_image_segment),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_IMAGE_POSE, noop_image_pose),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_IMAGE_DEPTH, noop_image_depth),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TF_MODEL_LOAD, noop_tf_model_load),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TF_MODEL_UNLOAD, noop_tf_model_unload),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TF_MODEL_RUN, noop_tf_model_run),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TFLITE_MODEL_LOAD, noop_tflite_model_load),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TFLITE_MODEL_UNLOAD, noop_tflite_model_unload),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TFLITE_MODEL_RUN, noop_tflite_model_run),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TORCH_MODEL_LOAD, noop_torch_model_load),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TORCH_MODEL_RUN, noop_torch_model_run),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_TORCH_SGEMM, noop_torch_sgemm),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_BLAS_SGEMM, noop_sgemm),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_FPGA_ARRAYCOPY, noop_fpga_arraycopy),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_FPGA_MMULT, noop_fpga_mmult),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_FPGA_PARALLEL, noop_fpga_parallel),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_FPGA_VECTORADD, noop_fpga_vadd),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_MINMAX, noop_minmax),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_OPENCV, noop_opencv),
};

static_assert(sizeof(noop_ops) / sizeof(noop_ops[0]) == VACCEL_OP_MAX, "the noop plugin implements every op type");

// Extension ops have codes outside vaccel_op_type_t, so the boundary names them by a string.
constexpr char kEcho[] = "ECHO";
static struct vaccel_op noop_extension_ops[] = {
	VACCEL_OP_INIT(noop_extension_ops[0], static_cast<vaccel_op_type_t>(vaccel::schema::kOpEcho),
		       static_cast<vaccel::schema::EchoFn *>(vaccel::plugin::at_boundary<kName, kEcho, noop_echo>)),
};

static int noop_init(void)
{
	if (int ret = vaccel_plugin_register_ops(noop_extension_ops, 1))
		return ret;
	return vaccel_plugin_register_ops(noop_ops, sizeof(noop_ops) / sizeof(noop_ops[0]));
}

static int noop_fini(void)
{
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "noop", .version = VACCEL_VERSION, .vaccel_version = VACCEL_VERSION, .init = noop_init,
	      .fini = noop_fini, .is_virtio = false, .type = VACCEL_PLUGIN_DEBUG)
