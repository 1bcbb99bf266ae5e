// SPDX-License-Identifier: Apache-2.0
// The op schema (extension, not part of vAccel 0.8): the argument layout of every op that
// travels as flat vaccel_args, written once. Each op is a type below: its genop op code, the
// C function type of its API entry point (which is also the type of a plugin's `func`), the
// API function itself (or none, for extension ops that only genop reaches), and its read and
// write args, each naming the C parameter it carries. `api` is std::nullptr_t (not a null
// function pointer) for extension ops, so that code can tell them apart at compile time.
//
// Everything that knows an op's arguments is derived from this table:
//  - vaccel_genop (src/core/genop.cpp) decodes genop args into a typed call;
//  - the rpc transport plugin (plugins/rpc/rpc_ops.cpp) encodes a typed call into genop args;
//  - docs/api.md's "genop layouts" table is checked against it by tests/core/test_op_schema.cpp.
// op_binding.hpp checks at compile time that every entry matches its C function type.
// Adding an op: one entry here (and in AllOps), the plugin that implements it, and a test.
//
// Model ops (TF, TFLite, Torch) are not here: their outputs are sized by the engine, not by
// the caller, so they are not flat args (docs/protocol.md, "One encoding for ops").
//
// Header-only constant data: no exported symbol, thread-safe by construction. C++20.
#pragma once

#include <vaccel.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace vaccel::schema {

// What an arg carries, and so how it is sized, sent and checked.
enum class Kind : uint8_t {
	scalar,   // the parameter's value: exactly `elem` bytes
	string,   // const char *: NUL-terminated, strlen + 1 bytes
	array,    // pointer to elements of `elem` bytes; count: product of the `count` params
	single,   // pointer to exactly one `elem`-byte value (an output scalar)
	matrix,   // row-major floats: count = {rows, cols, ld}; sent as rows * ld elements,
		  // accepted when it holds (rows - 1) * ld + cols
	resource, // vaccel_resource *: travels as its INT64 id
	rest,     // the caller's own vaccel_arg array (param) and count (count[0]): passed through
};

// Read args are `in`. Write args are `out` (nothing sent, the result returned) or `inout`
// (the caller's bytes sent, the result returned).
enum class Dir : uint8_t { in, out, inout };

inline constexpr uint8_t kNone = 0xff;

struct Arg {
	const char *name;
	vaccel_arg_type_t type; // what encoders send; decoders also accept RAW of a valid size
	Kind kind;
	Dir dir;
	uint8_t param; // index of the C parameter (after the session) holding the value or pointer
	uint8_t elem = 1;
	std::array<uint8_t, 3> count{kNone, kNone, kNone};
	// Decoders: this arg's element count *is* the value of count[0] (a length parameter that
	// no scalar arg carries). Otherwise the arg must hold at least the count.
	bool sets_count = false;
};

constexpr Arg scalar(const char *name, vaccel_arg_type_t type, uint8_t param, uint8_t size)
{
	return {name, type, Kind::scalar, Dir::in, param, size};
}
constexpr Arg string(const char *name, uint8_t param)
{
	return {name, VACCEL_ARG_STRING, Kind::string, Dir::in, param};
}
constexpr Arg resource(const char *name, uint8_t param)
{
	return {name, VACCEL_ARG_INT64, Kind::resource, Dir::in, param, 8};
}
constexpr Arg rest(const char *name, Dir dir, uint8_t param, uint8_t count_param)
{
	return {name, VACCEL_ARG_RAW, Kind::rest, dir, param, 1, {count_param, kNone, kNone}};
}
// An array whose length parameter only this arg determines.
constexpr Arg sized(const char *name, vaccel_arg_type_t type, Dir dir, uint8_t param, uint8_t elem, uint8_t len_param)
{
	return {name, type, Kind::array, dir, param, elem, {len_param, kNone, kNone}, true};
}
// An array that must hold at least c0 (* c1) elements.
constexpr Arg at_least(const char *name, vaccel_arg_type_t type, Dir dir, uint8_t param, uint8_t elem, uint8_t c0,
		       uint8_t c1 = kNone)
{
	return {name, type, Kind::array, dir, param, elem, {c0, c1, kNone}};
}
constexpr Arg single(const char *name, vaccel_arg_type_t type, Dir dir, uint8_t param, uint8_t elem)
{
	return {name, type, Kind::single, dir, param, elem};
}
constexpr Arg matrix(const char *name, Dir dir, uint8_t param, uint8_t rows, uint8_t cols, uint8_t ld)
{
	return {name, VACCEL_ARG_FLOAT32_ARRAY, Kind::matrix, dir, param, 4, {rows, cols, ld}};
}

// Extension op codes (genop only; plugins register them like any op, the core keeps them
// outside struct vaccel_plugin's 0.8-sized ops array). Values 64..127.
inline constexpr unsigned kFirstExtensionOp = 64;
inline constexpr unsigned kOpEcho = 64;
inline constexpr unsigned kExtensionOpEnd = 128;

// Plugin function type of ECHO: copies `in` into `out` (len_out >= len_in).
using EchoFn = int(vaccel_session *, const void *in, unsigned char *out, size_t len_in, size_t len_out);

// Defaults an op entry may override.
struct OpBase {
	// IMAGE_CLASSIFY: seed-era callers send two RAW write args in the opposite order.
	static constexpr bool raw_writes_swapped = false;
	static constexpr std::array<Arg, 0> read{};
	static constexpr std::array<Arg, 0> write{};
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" // the fpga ops are deprecated in 0.8

struct Noop : OpBase {
	static constexpr unsigned code = VACCEL_OP_NOOP;
	static constexpr const char *name = "NOOP";
	using Fn = decltype(vaccel_noop);
	static constexpr Fn *api = &vaccel_noop;
};

struct Exec : OpBase {
	static constexpr unsigned code = VACCEL_OP_EXEC;
	static constexpr const char *name = "EXEC";
	using Fn = decltype(vaccel_exec);
	static constexpr Fn *api = &vaccel_exec;
	static constexpr std::array read{string("library", 0), string("symbol", 1), rest("args", Dir::in, 2, 3)};
	static constexpr std::array write{rest("args", Dir::inout, 4, 5)};
};

struct ExecWithResource : OpBase {
	static constexpr unsigned code = VACCEL_OP_EXEC_WITH_RESOURCE;
	static constexpr const char *name = "EXEC_WITH_RESOURCE";
	using Fn = decltype(vaccel_exec_with_resource);
	static constexpr Fn *api = &vaccel_exec_with_resource;
	static constexpr std::array read{resource("resource", 0), string("symbol", 1), rest("args", Dir::in, 2, 3)};
	static constexpr std::array write{rest("args", Dir::inout, 4, 5)};
};

struct ImageClassify : OpBase {
	static constexpr unsigned code = VACCEL_OP_IMAGE_CLASSIFY;
	static constexpr const char *name = "IMAGE_CLASSIFY";
	using Fn = decltype(vaccel_image_classification);
	static constexpr Fn *api = &vaccel_image_classification;
	static constexpr bool raw_writes_swapped = true;
	// (sess, img, out_text, out_imgname, len_img, len_out_text, len_out_imgname)
	static constexpr std::array read{sized("image", VACCEL_ARG_BUFFER, Dir::in, 0, 1, 3)};
	static constexpr std::array write{sized("out_imgname", VACCEL_ARG_UCHAR_ARRAY, Dir::out, 2, 1, 5),
					  sized("out_text", VACCEL_ARG_UCHAR_ARRAY, Dir::out, 1, 1, 4)};
};

// detect, segment, pose, depth: (sess, img, out_imgname, len_img, len_out_imgname).
template <unsigned Code, auto *Api>
struct ImageOp : OpBase {
	static constexpr unsigned code = Code;
	using Fn = std::remove_pointer_t<decltype(Api)>;
	static constexpr Fn *api = Api;
	static constexpr std::array read{sized("image", VACCEL_ARG_BUFFER, Dir::in, 0, 1, 2)};
	static constexpr std::array write{sized("out_imgname", VACCEL_ARG_UCHAR_ARRAY, Dir::out, 1, 1, 3)};
};
struct ImageDetect : ImageOp<VACCEL_OP_IMAGE_DETECT, &vaccel_image_detection> {
	static constexpr const char *name = "IMAGE_DETECT";
};
struct ImageSegment : ImageOp<VACCEL_OP_IMAGE_SEGMENT, &vaccel_image_segmentation> {
	static constexpr const char *name = "IMAGE_SEGMENT";
};
struct ImagePose : ImageOp<VACCEL_OP_IMAGE_POSE, &vaccel_image_pose> {
	static constexpr const char *name = "IMAGE_POSE";
};
struct ImageDepth : ImageOp<VACCEL_OP_IMAGE_DEPTH, &vaccel_image_depth> {
	static constexpr const char *name = "IMAGE_DEPTH";
};

struct BlasSgemm : OpBase {
	static constexpr unsigned code = VACCEL_OP_BLAS_SGEMM;
	static constexpr const char *name = "BLAS_SGEMM";
	using Fn = decltype(vaccel_sgemm);
	static constexpr Fn *api = &vaccel_sgemm;
	// (sess, m0, n1, k2, alpha3, a4, lda5, b6, ldb7, beta8, c9, ldc10)
	static constexpr std::array read{
		scalar("m", VACCEL_ARG_INT64, 0, 8),      scalar("n", VACCEL_ARG_INT64, 1, 8),
		scalar("k", VACCEL_ARG_INT64, 2, 8),      scalar("alpha", VACCEL_ARG_FLOAT32, 3, 4),
		matrix("a", Dir::in, 4, 0, 2, 5),         scalar("lda", VACCEL_ARG_INT64, 5, 8),
		matrix("b", Dir::in, 6, 2, 1, 7),         scalar("ldb", VACCEL_ARG_INT64, 7, 8),
		scalar("beta", VACCEL_ARG_FLOAT32, 8, 4), scalar("ldc", VACCEL_ARG_INT64, 10, 8)};
	static constexpr std::array write{matrix("c", Dir::inout, 9, 0, 1, 10)};
};

struct FpgaArraycopy : OpBase {
	static constexpr unsigned code = VACCEL_OP_FPGA_ARRAYCOPY;
	static constexpr const char *name = "FPGA_ARRAYCOPY";
	using Fn = decltype(vaccel_fpga_arraycopy);
	static constexpr Fn *api = &vaccel_fpga_arraycopy;
	// (sess, a0, out1, len_a2)
	static constexpr std::array read{sized("a", VACCEL_ARG_INT32_ARRAY, Dir::in, 0, 4, 2)};
	static constexpr std::array write{at_least("out", VACCEL_ARG_INT32_ARRAY, Dir::out, 1, 4, 2)};
};

struct FpgaMmult : OpBase {
	static constexpr unsigned code = VACCEL_OP_FPGA_MMULT;
	static constexpr const char *name = "FPGA_MMULT";
	using Fn = decltype(vaccel_fpga_mmult);
	static constexpr Fn *api = &vaccel_fpga_mmult;
	// (sess, a0, b1, c2, len_a3)
	static constexpr std::array read{sized("a", VACCEL_ARG_FLOAT32_ARRAY, Dir::in, 0, 4, 3),
					 at_least("b", VACCEL_ARG_FLOAT32_ARRAY, Dir::in, 1, 4, 3)};
	static constexpr std::array write{at_least("c", VACCEL_ARG_FLOAT32_ARRAY, Dir::out, 2, 4, 3)};
};

struct FpgaParallel : OpBase {
	static constexpr unsigned code = VACCEL_OP_FPGA_PARALLEL;
	static constexpr const char *name = "FPGA_PARALLEL";
	using Fn = decltype(vaccel_fpga_parallel);
	static constexpr Fn *api = &vaccel_fpga_parallel;
	// (sess, a0, b1, add_out2, mult_out3, len_a4)
	static constexpr std::array read{sized("a", VACCEL_ARG_FLOAT32_ARRAY, Dir::in, 0, 4, 4),
					 at_least("b", VACCEL_ARG_FLOAT32_ARRAY, Dir::in, 1, 4, 4)};
	static constexpr std::array write{at_least("add_out", VACCEL_ARG_FLOAT32_ARRAY, Dir::out, 2, 4, 4),
					  at_least("mult_out", VACCEL_ARG_FLOAT32_ARRAY, Dir::out, 3, 4, 4)};
};

struct FpgaVectorAdd : OpBase {
	static constexpr unsigned code = VACCEL_OP_FPGA_VECTORADD;
	static constexpr const char *name = "FPGA_VECTORADD";
	using Fn = decltype(vaccel_fpga_vadd);
	static constexpr Fn *api = &vaccel_fpga_vadd;
	// (sess, a0, b1, c2, len_a3, len_b4)
	static constexpr std::array read{sized("a", VACCEL_ARG_FLOAT32_ARRAY, Dir::in, 0, 4, 3),
					 sized("b", VACCEL_ARG_FLOAT32_ARRAY, Dir::in, 1, 4, 4)};
	static constexpr std::array write{at_least("c", VACCEL_ARG_FLOAT32_ARRAY, Dir::out, 2, 4, 3)};
};

struct Minmax : OpBase {
	static constexpr unsigned code = VACCEL_OP_MINMAX;
	static constexpr const char *name = "MINMAX";
	using Fn = decltype(vaccel_minmax);
	static constexpr Fn *api = &vaccel_minmax;
	// (sess, indata0, ndata1, low2, high3, outdata4, min5, max6)
	static constexpr std::array read{at_least("in", VACCEL_ARG_FLOAT64_ARRAY, Dir::in, 0, 8, 1),
					 scalar("ndata", VACCEL_ARG_INT32, 1, 4), scalar("low", VACCEL_ARG_INT32, 2, 4),
					 scalar("high", VACCEL_ARG_INT32, 3, 4)};
	static constexpr std::array write{at_least("out", VACCEL_ARG_FLOAT64_ARRAY, Dir::out, 4, 8, 1),
					  single("min", VACCEL_ARG_FLOAT64, Dir::out, 5, 8),
					  single("max", VACCEL_ARG_FLOAT64, Dir::out, 6, 8)};
};

struct Opencv : OpBase {
	static constexpr unsigned code = VACCEL_OP_OPENCV;
	static constexpr const char *name = "OPENCV";
	using Fn = decltype(vaccel_opencv);
	static constexpr Fn *api = &vaccel_opencv;
	static constexpr std::array read{rest("args", Dir::in, 0, 1)};
	static constexpr std::array write{rest("args", Dir::inout, 2, 3)};
};

#pragma GCC diagnostic pop

// ECHO (extension, genop only, for tests of this table): out = in.
struct Echo : OpBase {
	static constexpr unsigned code = kOpEcho;
	static constexpr const char *name = "ECHO";
	using Fn = EchoFn;
	static constexpr std::nullptr_t api = nullptr; // the core calls the plugin's op directly
	// (sess, in0, out1, len_in2, len_out3)
	static constexpr std::array read{sized("in", VACCEL_ARG_BUFFER, Dir::in, 0, 1, 2)};
	static constexpr std::array write{sized("out", VACCEL_ARG_UCHAR_ARRAY, Dir::out, 1, 1, 3)};
};

template <typename... Ops>
struct OpList {
};

// Every op of the table, in op code order.
using AllOps = OpList<Noop, Exec, ExecWithResource, ImageClassify, ImageDetect, ImageSegment, ImagePose, ImageDepth,
		      BlasSgemm, FpgaArraycopy, FpgaMmult, FpgaParallel, FpgaVectorAdd, Minmax, Opencv, Echo>;

} // namespace vaccel::schema
