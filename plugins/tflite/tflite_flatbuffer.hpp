// SPDX-License-Identifier: Apache-2.0
// The tflite plugin's one bounds-checked reader of .tflite flatbuffers.
//
// A model comes from a client, so its bytes are hostile: every uoffset, vtable, vector length,
// buffer size, tensor index and shape is checked against the buffer before use, and a refusal
// says what was wrong. Two entry points share the reader:
//   - read_operator_codes: only Model.operator_codes (the Arm NN path uses it to refuse custom
//     operators such as the Edge TPU's with a useful message);
//   - read_model: the first subgraph's tensors, buffers and operators with the builtin options the
//     XNNPACK front end uses (tflite_xnn.cpp), as plain values and spans into the caller's bytes.
// Field slots follow tensorflow/lite/schema/schema.fbs (a union takes two slots).
// Thread safety: pure functions over caller-owned bytes; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vaccel::tflite {

// One operator code of a .tflite flatbuffer, as stored in Model.operator_codes.
struct OperatorCode {
	int32_t builtin = 0;    // BuiltinOperator; 32 = CUSTOM
	std::string custom;     // custom_code (custom operators only)
	size_t slot_offset = 0; // file offset of this entry's uoffset in the operator_codes vector
};

// Reads Model.operator_codes.  Returns false with `error` set if the bytes are not a TFLite
// flatbuffer or the vector is corrupt.
bool read_operator_codes(const uint8_t *data, size_t size, std::vector<OperatorCode> &out, std::string &error);

// TensorType values of the schema.
enum class FbType : int8_t { Float32 = 0, Float16 = 1, Int32 = 2, UInt8 = 3, Int64 = 4, Bool = 6, Int16 = 7, Int8 = 9 };

// A byte range inside the model buffer (size 0: no data).
struct FbSpan {
	const uint8_t *data = nullptr;
	size_t size = 0;
};

struct FbTensor {
	std::string name;
	std::vector<int32_t> shape; // every dim >= 1, element count and byte size checked
	int8_t type = 0;            // FbType value (other values are kept; the front end refuses them)
	FbSpan data;                // constant data (size == element count x element size), or empty
	std::vector<float> scales;  // quantisation: one scale (per tensor) or one per channel
	std::vector<int64_t> zero_points;
	int32_t quantized_dimension = 0;
	size_t elements = 0;
};

// The builtin options the XNNPACK front end reads, with the schema's defaults.
struct FbOptions {
	uint8_t type = 0;   // BuiltinOptions union type as stored
	int8_t padding = 0; // 0 SAME, 1 VALID
	int32_t stride_w = 0, stride_h = 0;
	int32_t dilation_w = 1, dilation_h = 1;
	int32_t depth_multiplier = 0;
	int32_t filter_w = 0, filter_h = 0;
	int8_t activation = 0;          // ActivationFunctionType: 0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6
	bool keep_dims = false;         // ReducerOptions / FullyConnectedOptions.keep_num_dims
	int32_t axis = 0;               // ConcatenationOptions
	float beta = 0.0F;              // SoftmaxOptions
	std::vector<int32_t> new_shape; // ReshapeOptions
};

struct FbOperator {
	int32_t builtin = 0;         // resolved through operator_codes
	std::string custom;          // custom_code of a CUSTOM operator
	std::vector<int32_t> inputs; // tensor indices (checked < tensors.size()) or -1 (absent)
	std::vector<int32_t> outputs;
	FbOptions options;
};

struct FbModel {
	size_t subgraphs = 0;
	std::vector<FbTensor> tensors; // of subgraph 0
	std::vector<FbOperator> operators;
	std::vector<int32_t> inputs;
	std::vector<int32_t> outputs;
};

// Upper bounds on what a model may declare, to refuse absurd sizes before allocating.
inline constexpr size_t kMaxDims = 8;
inline constexpr size_t kMaxTensorBytes = size_t{1} << 31;
// What the reader copies out of a model (names, shapes, quantisation, operator index vectors, one
// struct per tensor/operator/buffer/code) is at most kMaxCopyFactor x its size + kCopySlackBytes:
// flatbuffer offsets may point many entries at one table or vector, which would otherwise make a
// small file cost gigabytes (refused with an error naming this cap).
inline constexpr size_t kMaxCopyFactor = 4;
inline constexpr size_t kCopySlackBytes = size_t{1} << 20;

// Parses the whole model structure of subgraph 0.  Spans point into `data`, which must outlive
// the result.  False with `error` naming the corrupt part.
bool read_model(const uint8_t *data, size_t size, FbModel &out, std::string &error);

// Size in bytes of one element of a TensorType, 0 if unknown.
size_t fb_type_size(int8_t type);

// Name of a BuiltinOperator code for log lines ("CONV_2D", "builtin 97" when unknown).
std::string builtin_name(int32_t code);

} // namespace vaccel::tflite
