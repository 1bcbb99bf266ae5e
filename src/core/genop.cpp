// SPDX-License-Identifier: Apache-2.0
// vaccel_genop: one entry point for every op, the op code and the op's
// arguments travelling as typed args (the layouts of vAccel 0.8, see
// docs/api.md). Each unpacker validates counts, types and sizes
// (VACCEL_EINVAL) and calls the typed API function, which then does the
// op's own validation, plugin lookup and profiling.
//
// Seed-era compatibility: applications built for vaccelrt pass untyped
// (RAW) args. A RAW arg is accepted wherever a typed one is expected as long
// as its size fits, the op code may be a RAW 1..4 byte little-endian
// integer, and for IMAGE_CLASSIFY two RAW write args keep the seed-era order
// (out_text, out_imgname) while typed ones use the 0.8 order
// (out_imgname, out_text).
#include <array>
#include <cinttypes>
#include <cstdint>
#include <cstring>
#include <limits>

#include "arg_internal.hpp"
#include "op_common.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using namespace vaccel::ops;

namespace {

// Sequential reader over one arg vector (read or write) of a genop call.
class ArgReader {
public:
	ArgReader(vaccel_arg *args, size_t count, const char *op, const char *dir) noexcept
	    : args_(args), count_(count), op_(op), dir_(dir)
	{
	}

	size_t position() const noexcept { return pos_; }
	size_t remaining() const noexcept { return count_ - pos_; }
	vaccel_arg *rest() noexcept { return remaining() > 0 ? args_ + pos_ : nullptr; }
	const vaccel_arg &peek() const noexcept { return args_[pos_]; }

	// A scalar of `type` (or RAW) with exactly sizeof(T) bytes.
	template <typename T>
	int scalar(vaccel_arg_type_t type, T *out) noexcept
	{
		vaccel_arg *arg = next(type);
		if (arg == nullptr)
			return VACCEL_EINVAL;
		if (arg->size != sizeof(T) || arg->buf == nullptr)
			return bad_size(arg, sizeof(T));
		std::memcpy(out, arg->buf, sizeof(T));
		return VACCEL_OK;
	}

	// An array of T of `type` (or RAW): whole elements, non-empty.
	template <typename T>
	int array(vaccel_arg_type_t type, T **out, size_t *count) noexcept
	{
		vaccel_arg *arg = next(type);
		if (arg == nullptr)
			return VACCEL_EINVAL;
		if (arg->buf == nullptr || arg->size == 0 || arg->size % sizeof(T) != 0)
			return bad_size(arg, sizeof(T));
		// The op reads and writes the elements in place: a misaligned buffer would be
		// undefined behaviour there (packed args are the caller's to align).
		if (reinterpret_cast<uintptr_t>(arg->buf) % alignof(T) != 0) {
			vaccel_error("genop %s: %s arg %zu is not aligned for its %zu-byte elements", op_, dir_,
				     pos_ - 1, alignof(T));
			return VACCEL_EINVAL;
		}
		*out = static_cast<T *>(arg->buf);
		*count = arg->size / sizeof(T);
		return VACCEL_OK;
	}

	// A NUL-terminated STRING (or RAW) arg.
	int string(const char **out) noexcept
	{
		vaccel_arg *arg = next(VACCEL_ARG_STRING);
		if (arg == nullptr)
			return VACCEL_EINVAL;
		if (arg->buf == nullptr || arg->size == 0 || std::memchr(arg->buf, '\0', arg->size) == nullptr) {
			vaccel_error("genop %s: %s arg %zu is not a NUL-terminated string", op_, dir_, pos_ - 1);
			return VACCEL_EINVAL;
		}
		*out = static_cast<const char *>(arg->buf);
		return VACCEL_OK;
	}

	// Non-empty bytes of `type` (or RAW).
	int bytes(vaccel_arg_type_t type, void **out, size_t *size) noexcept
	{
		vaccel_arg *arg = next(type);
		if (arg == nullptr)
			return VACCEL_EINVAL;
		if (arg->buf == nullptr || arg->size == 0)
			return bad_size(arg, 1);
		*out = arg->buf;
		*size = arg->size;
		return VACCEL_OK;
	}

private:
	vaccel_arg *next(vaccel_arg_type_t type) noexcept
	{
		if (pos_ >= count_) {
			vaccel_error("genop %s: missing %s arg %zu", op_, dir_, pos_);
			return nullptr;
		}
		vaccel_arg *arg = &args_[pos_];
		if (arg->type != type && arg->type != VACCEL_ARG_RAW) {
			vaccel_error("genop %s: %s arg %zu has type %s, expected %s", op_, dir_, pos_,
				     vaccel_arg_type_to_str(arg->type), vaccel_arg_type_to_str(type));
			return nullptr;
		}
		pos_++;
		return arg;
	}

	int bad_size(const vaccel_arg *arg, size_t unit) noexcept
	{
		vaccel_error("genop %s: %s arg %zu has a bad size %zu (unit %zu bytes)", op_, dir_, pos_ - 1, arg->size,
			     unit);
		return VACCEL_EINVAL;
	}

	vaccel_arg *args_;
	size_t count_;
	size_t pos_ = 0;
	const char *op_;
	const char *dir_;
};

// Read and write args of one genop call, after the op code.
struct GenopArgs {
	vaccel_session *sess;
	ArgReader read;
	ArgReader write;
	const char *op;
};

int wrong_count(const GenopArgs &g, const char *dir, size_t got, const char *expected) noexcept
{
	vaccel_error("genop %s: wrong number of %s args: %zu (expected %s)", g.op, dir, got, expected);
	return VACCEL_EINVAL;
}

// Exact arg counts of fixed layouts.
int expect_counts(GenopArgs &g, size_t nr_read, size_t nr_write) noexcept
{
	static constexpr std::array<const char *, 11> numbers{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
	if (g.read.remaining() != nr_read)
		return wrong_count(g, "read", g.read.remaining(), numbers[nr_read]);
	if (g.write.remaining() != nr_write)
		return wrong_count(g, "write", g.write.remaining(), numbers[nr_write]);
	return VACCEL_OK;
}

int unpack_noop(GenopArgs &g)
{
	if (int ret = expect_counts(g, 0, 0))
		return ret;
	return vaccel_noop(g.sess);
}

int unpack_exec(GenopArgs &g)
{
	if (g.read.remaining() < 2)
		return wrong_count(g, "read", g.read.remaining(), "at least 2");
	const char *library = nullptr;
	const char *symbol = nullptr;
	if (int ret = g.read.string(&library))
		return ret;
	if (int ret = g.read.string(&symbol))
		return ret;
	return vaccel_exec(g.sess, library, symbol, g.read.rest(), g.read.remaining(), g.write.rest(),
			   g.write.remaining());
}

int unpack_exec_with_resource(GenopArgs &g)
{
	if (g.read.remaining() < 2)
		return wrong_count(g, "read", g.read.remaining(), "at least 2");
	int64_t resource_id = 0;
	const char *symbol = nullptr;
	if (int ret = g.read.scalar(VACCEL_ARG_INT64, &resource_id))
		return ret;
	if (int ret = g.read.string(&symbol))
		return ret;
	vaccel_resource *resource = nullptr;
	if (vaccel_resource_get_by_id(&resource, resource_id) != VACCEL_OK || resource == nullptr) {
		vaccel_error("genop %s: no resource with id %" PRId64, g.op, resource_id);
		return VACCEL_EINVAL;
	}
	return vaccel_exec_with_resource(g.sess, resource, symbol, g.read.rest(), g.read.remaining(), g.write.rest(),
					 g.write.remaining());
}

int unpack_image_classify(GenopArgs &g)
{
	if (int ret = expect_counts(g, 1, 2))
		return ret;
	void *img = nullptr;
	size_t len_img = 0;
	if (int ret = g.read.bytes(VACCEL_ARG_BUFFER, &img, &len_img))
		return ret;
	// Seed-era (untyped) callers put out_text first; 0.8 puts out_imgname first.
	const bool seed_order = g.write.peek().type == VACCEL_ARG_RAW;
	unsigned char *first = nullptr, *second = nullptr;
	size_t len_first = 0, len_second = 0;
	if (int ret = g.write.array(VACCEL_ARG_UCHAR_ARRAY, &first, &len_first))
		return ret;
	if (int ret = g.write.array(VACCEL_ARG_UCHAR_ARRAY, &second, &len_second))
		return ret;
	if (seed_order)
		return vaccel_image_classification(g.sess, img, first, second, len_img, len_first, len_second);
	return vaccel_image_classification(g.sess, img, second, first, len_img, len_second, len_first);
}

using ImageFn = int(vaccel_session *, const void *, unsigned char *, size_t, size_t);

int unpack_image(GenopArgs &g, ImageFn *fn)
{
	if (int ret = expect_counts(g, 1, 1))
		return ret;
	void *img = nullptr;
	size_t len_img = 0;
	unsigned char *out_imgname = nullptr;
	size_t len_out = 0;
	if (int ret = g.read.bytes(VACCEL_ARG_BUFFER, &img, &len_img))
		return ret;
	if (int ret = g.write.array(VACCEL_ARG_UCHAR_ARRAY, &out_imgname, &len_out))
		return ret;
	return fn(g.sess, img, out_imgname, len_img, len_out);
}

// Floats needed by a row-major rows x cols matrix with leading dimension ld.
bool matrix_fits(int64_t rows, int64_t cols, int64_t ld, size_t available) noexcept
{
	if (rows <= 0 || cols <= 0 || ld < cols)
		return true; // left to vaccel_sgemm's own validation
	const auto r = static_cast<unsigned __int128>(rows);
	const auto needed = (r - 1) * static_cast<unsigned __int128>(ld) + static_cast<unsigned __int128>(cols);
	return needed <= available;
}

int unpack_sgemm(GenopArgs &g)
{
	if (int ret = expect_counts(g, 10, 1))
		return ret;
	int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
	float alpha = 0, beta = 0;
	float *a = nullptr, *b = nullptr, *c = nullptr;
	size_t len_a = 0, len_b = 0, len_c = 0;
	ArgReader &r = g.read;
	int ret = r.scalar(VACCEL_ARG_INT64, &m);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_INT64, &n);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_INT64, &k);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_FLOAT32, &alpha);
	if (ret == 0)
		ret = r.array(VACCEL_ARG_FLOAT32_ARRAY, &a, &len_a);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_INT64, &lda);
	if (ret == 0)
		ret = r.array(VACCEL_ARG_FLOAT32_ARRAY, &b, &len_b);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_INT64, &ldb);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_FLOAT32, &beta);
	if (ret == 0)
		ret = r.scalar(VACCEL_ARG_INT64, &ldc);
	if (ret == 0)
		ret = g.write.array(VACCEL_ARG_FLOAT32_ARRAY, &c, &len_c);
	if (ret != 0)
		return ret;
	// The plugin trusts the dimensions: make sure the buffers hold them.
	if (!matrix_fits(m, k, lda, len_a) || !matrix_fits(k, n, ldb, len_b) || !matrix_fits(m, n, ldc, len_c)) {
		vaccel_error("genop %s: matrix buffers too small for m=%" PRId64 " n=%" PRId64 " k=%" PRId64, g.op, m,
			     n, k);
		return VACCEL_EINVAL;
	}
	return vaccel_sgemm(g.sess, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int unpack_minmax(GenopArgs &g)
{
	if (int ret = expect_counts(g, 4, 3))
		return ret;
	double *indata = nullptr, *outdata = nullptr;
	size_t len_in = 0, len_out = 0;
	int ndata = 0, low = 0, high = 0;
	double *min = nullptr, *max = nullptr;
	size_t len_min = 0, len_max = 0;
	int ret = g.read.array(VACCEL_ARG_FLOAT64_ARRAY, &indata, &len_in);
	if (ret == 0)
		ret = g.read.scalar(VACCEL_ARG_INT32, &ndata);
	if (ret == 0)
		ret = g.read.scalar(VACCEL_ARG_INT32, &low);
	if (ret == 0)
		ret = g.read.scalar(VACCEL_ARG_INT32, &high);
	if (ret == 0)
		ret = g.write.array(VACCEL_ARG_FLOAT64_ARRAY, &outdata, &len_out);
	if (ret == 0)
		ret = g.write.array(VACCEL_ARG_FLOAT64, &min, &len_min);
	if (ret == 0)
		ret = g.write.array(VACCEL_ARG_FLOAT64, &max, &len_max);
	if (ret != 0)
		return ret;
	if (ndata <= 0 || static_cast<size_t>(ndata) > len_in || static_cast<size_t>(ndata) > len_out || len_min != 1 ||
	    len_max != 1) {
		vaccel_error("genop %s: ndata=%d does not match the buffers (in %zu, out %zu)", g.op, ndata, len_in,
			     len_out);
		return VACCEL_EINVAL;
	}
	return vaccel_minmax(g.sess, indata, ndata, low, high, outdata, min, max);
}

int unpack_fpga_arraycopy(GenopArgs &g)
{
	if (int ret = expect_counts(g, 1, 1))
		return ret;
	int *a = nullptr, *out = nullptr;
	size_t len_a = 0, len_out = 0;
	int ret = g.read.array(VACCEL_ARG_INT32_ARRAY, &a, &len_a);
	if (ret == 0)
		ret = g.write.array(VACCEL_ARG_INT32_ARRAY, &out, &len_out);
	if (ret != 0)
		return ret;
	if (len_out < len_a)
		return invalid_arg("genop fpga_arraycopy", "output smaller than input");
	return vaccel_fpga_arraycopy(g.sess, a, out, len_a);
}

// Two float inputs of equal length (a, b) and `nr_out` float outputs.
int read_float_pair(GenopArgs &g, size_t nr_out, float **a, size_t *len_a, float **b, size_t *len_b, float **outs,
		    bool same_len)
{
	if (int ret = expect_counts(g, 2, nr_out))
		return ret;
	int ret = g.read.array(VACCEL_ARG_FLOAT32_ARRAY, a, len_a);
	if (ret == 0)
		ret = g.read.array(VACCEL_ARG_FLOAT32_ARRAY, b, len_b);
	for (size_t i = 0; ret == 0 && i < nr_out; ++i) {
		size_t len = 0;
		ret = g.write.array(VACCEL_ARG_FLOAT32_ARRAY, &outs[i], &len);
		if (ret == 0 && len < *len_a)
			ret = invalid_arg(g.op, "output smaller than input");
	}
	if (ret == 0 && same_len && *len_b < *len_a)
		ret = invalid_arg(g.op, "input b smaller than input a");
	return ret;
}

int unpack_fpga_mmult(GenopArgs &g)
{
	float *a = nullptr, *b = nullptr, *outs[1] = {};
	size_t len_a = 0, len_b = 0;
	if (int ret = read_float_pair(g, 1, &a, &len_a, &b, &len_b, outs, true))
		return ret;
	return vaccel_fpga_mmult(g.sess, a, b, outs[0], len_a);
}

int unpack_fpga_parallel(GenopArgs &g)
{
	float *a = nullptr, *b = nullptr, *outs[2] = {};
	size_t len_a = 0, len_b = 0;
	if (int ret = read_float_pair(g, 2, &a, &len_a, &b, &len_b, outs, true))
		return ret;
	return vaccel_fpga_parallel(g.sess, a, b, outs[0], outs[1], len_a);
}

int unpack_fpga_vadd(GenopArgs &g)
{
	float *a = nullptr, *b = nullptr, *outs[1] = {};
	size_t len_a = 0, len_b = 0;
	if (int ret = read_float_pair(g, 1, &a, &len_a, &b, &len_b, outs, false))
		return ret;
	return vaccel_fpga_vadd(g.sess, a, b, outs[0], len_a, len_b);
}

int unpack_opencv(GenopArgs &g)
{
	return vaccel_opencv(g.sess, g.read.rest(), g.read.remaining(), g.write.rest(), g.write.remaining());
}

// read[0]: UINT8 op code, or a seed-era RAW integer of 1..4 bytes.
int read_op_code(const vaccel_arg &arg, unsigned *op) noexcept
{
	const bool typed = arg.type == VACCEL_ARG_UINT8 && arg.size == 1;
	const bool legacy = arg.type == VACCEL_ARG_RAW && arg.size >= 1 && arg.size <= 4;
	if (arg.buf == nullptr || !(typed || legacy)) {
		vaccel_error("genop: read[0] must be the op type as a UINT8 arg (got %s, %zu "
			     "bytes)",
			     vaccel_arg_type_to_str(arg.type), arg.size);
		return VACCEL_EINVAL;
	}
	const auto *bytes = static_cast<const unsigned char *>(arg.buf);
	unsigned value = 0;
	for (size_t i = arg.size; i-- > 0;) // little-endian, as the guests send it
		value = (value << 8) | bytes[i];
	*op = value;
	return VACCEL_OK;
}

bool reachable_only_by_dedicated_api(vaccel_op_type_t op) noexcept
{
	switch (op) {
	case VACCEL_OP_TF_MODEL_LOAD:
	case VACCEL_OP_TF_MODEL_UNLOAD:
	case VACCEL_OP_TF_MODEL_RUN:
	case VACCEL_OP_TFLITE_MODEL_LOAD:
	case VACCEL_OP_TFLITE_MODEL_UNLOAD:
	case VACCEL_OP_TFLITE_MODEL_RUN:
	case VACCEL_OP_TORCH_MODEL_LOAD:
	case VACCEL_OP_TORCH_MODEL_RUN:
	case VACCEL_OP_TORCH_SGEMM:
		return true;
	default:
		return false;
	}
}

int dispatch(vaccel_op_type_t op, GenopArgs &g)
{
	switch (op) {
	case VACCEL_OP_NOOP:
		return unpack_noop(g);
	case VACCEL_OP_EXEC:
		return unpack_exec(g);
	case VACCEL_OP_EXEC_WITH_RESOURCE:
		return unpack_exec_with_resource(g);
	case VACCEL_OP_IMAGE_CLASSIFY:
		return unpack_image_classify(g);
	case VACCEL_OP_IMAGE_DETECT:
		return unpack_image(g, vaccel_image_detection);
	case VACCEL_OP_IMAGE_SEGMENT:
		return unpack_image(g, vaccel_image_segmentation);
	case VACCEL_OP_IMAGE_POSE:
		return unpack_image(g, vaccel_image_pose);
	case VACCEL_OP_IMAGE_DEPTH:
		return unpack_image(g, vaccel_image_depth);
	case VACCEL_OP_BLAS_SGEMM:
		return unpack_sgemm(g);
	case VACCEL_OP_FPGA_ARRAYCOPY:
		return unpack_fpga_arraycopy(g);
	case VACCEL_OP_FPGA_MMULT:
		return unpack_fpga_mmult(g);
	case VACCEL_OP_FPGA_PARALLEL:
		return unpack_fpga_parallel(g);
	case VACCEL_OP_FPGA_VECTORADD:
		return unpack_fpga_vadd(g);
	case VACCEL_OP_MINMAX:
		return unpack_minmax(g);
	case VACCEL_OP_OPENCV:
		return unpack_opencv(g);
	default:
		vaccel_error("genop: %s is not reachable through genop", g.op);
		return VACCEL_ENOTSUP;
	}
}

} // namespace

int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read, int nr_read, struct vaccel_arg *write,
		 int nr_write)
{
	VACCEL_OPS_TRY
	if (int ret = check_session(sess, "vaccel_genop"))
		return ret;
	if (read == nullptr || nr_read < 1)
		return invalid_arg("vaccel_genop", "no op type (read[0]) given");
	if (nr_write < 0 || (write == nullptr && nr_write > 0))
		return invalid_arg("vaccel_genop", "bad write args");
	unsigned code = 0;
	if (int ret = read_op_code(read[0], &code))
		return ret;
	if (code >= static_cast<unsigned>(VACCEL_OP_MAX)) {
		vaccel_error("genop: invalid op type %u", code);
		return VACCEL_EINVAL;
	}
	const auto op = static_cast<vaccel_op_type_t>(code);
	const char *op_name = vaccel_op_type_to_str(op);
	if (reachable_only_by_dedicated_api(op)) {
		vaccel_error("genop: %s is not reachable through genop (use its API function)", op_name);
		return VACCEL_ENOTSUP;
	}
	VACCEL_OPS_DEBUG("session:%" PRId64 " genop %s (%d read, %d write args)", sess->id, op_name, nr_read - 1,
			 nr_write);
	GenopArgs g{sess, ArgReader(read + 1, static_cast<size_t>(nr_read - 1), op_name, "read"),
		    ArgReader(write, static_cast<size_t>(nr_write), op_name, "write"), op_name};
	return dispatch(op, g);
	VACCEL_OPS_CATCH("vaccel_genop")
}
