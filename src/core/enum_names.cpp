// SPDX-License-Identifier: Apache-2.0
// String forms of every public enum: X_to_str ("VACCEL_OP_NOOP"),
// X_to_base_str ("NOOP") and X_name (lower-case "noop" into a caller
// buffer). Static tables only: thread-safe, no allocation.
#include <cstring>
#include <string_view>

#include "vaccel.h"

namespace {

constexpr const char *unknown_str = "UNKNOWN";

struct EnumName {
	long value;
	const char *full;  // e.g. "VACCEL_OP_NOOP"
	size_t prefix_len; // length of the "VACCEL_OP_" part
};

template <size_t N>
const EnumName *find(const EnumName (&table)[N], long value) noexcept
{
	for (const auto &entry : table)
		if (entry.value == value)
			return &entry;
	return nullptr;
}

template <size_t N>
const char *to_str(const EnumName (&table)[N], long value) noexcept
{
	const EnumName *e = find(table, value);
	return e != nullptr ? e->full : unknown_str;
}

template <size_t N>
const char *to_base_str(const EnumName (&table)[N], long value) noexcept
{
	const EnumName *e = find(table, value);
	return e != nullptr ? e->full + e->prefix_len : unknown_str;
}

// Lower-case base name into buf; NULL if buf is NULL or too small.
template <size_t N>
char *to_name(const EnumName (&table)[N], long value, char *buf, size_t size) noexcept
{
	if (buf == nullptr)
		return nullptr;
	const std::string_view base = to_base_str(table, value);
	if (base.size() + 1 > size)
		return nullptr;
	for (size_t i = 0; i < base.size(); ++i) {
		const char c = base[i];
		buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
	}
	buf[base.size()] = '\0';
	return buf;
}

// Prefix spelled with a trailing underscore inside the macro argument.
#define OP(name)                                                                                                       \
	{                                                                                                              \
		VACCEL_OP_##name, "VACCEL_OP_" #name, sizeof("VACCEL_OP_") - 1                                         \
	}
constexpr EnumName op_types[] = {
	OP(NOOP),
	OP(EXEC),
	OP(EXEC_WITH_RESOURCE),
	OP(IMAGE_CLASSIFY),
	OP(IMAGE_DETECT),
	OP(IMAGE_SEGMENT),
	OP(IMAGE_POSE),
	OP(IMAGE_DEPTH),
	OP(TF_MODEL_LOAD),
	OP(TF_MODEL_UNLOAD),
	OP(TF_MODEL_RUN),
	OP(TFLITE_MODEL_LOAD),
	OP(TFLITE_MODEL_UNLOAD),
	OP(TFLITE_MODEL_RUN),
	OP(TORCH_MODEL_LOAD),
	OP(TORCH_MODEL_RUN),
	OP(TORCH_SGEMM),
	OP(BLAS_SGEMM),
	OP(FPGA_ARRAYCOPY),
	OP(FPGA_MMULT),
	OP(FPGA_PARALLEL),
	OP(FPGA_VECTORADD),
	OP(MINMAX),
	OP(OPENCV),
};

#define ARG(name)                                                                                                      \
	{                                                                                                              \
		VACCEL_ARG_##name, "VACCEL_ARG_" #name, sizeof("VACCEL_ARG_") - 1                                      \
	}
constexpr EnumName arg_types[] = {
	ARG(RAW),           ARG(INT8),    ARG(INT8_ARRAY),    ARG(INT16),  ARG(INT16_ARRAY),  ARG(INT32),
	ARG(INT32_ARRAY),   ARG(INT64),   ARG(INT64_ARRAY),   ARG(UINT8),  ARG(UINT8_ARRAY),  ARG(UINT16),
	ARG(UINT16_ARRAY),  ARG(UINT32),  ARG(UINT32_ARRAY),  ARG(UINT64), ARG(UINT64_ARRAY), ARG(FLOAT32),
	ARG(FLOAT32_ARRAY), ARG(FLOAT64), ARG(FLOAT64_ARRAY), ARG(BOOL),   ARG(BOOL_ARRAY),   ARG(CHAR),
	ARG(CHAR_ARRAY),    ARG(UCHAR),   ARG(UCHAR_ARRAY),   ARG(STRING), ARG(BUFFER),       ARG(CUSTOM),
};

#define RES(name)                                                                                                      \
	{                                                                                                              \
		VACCEL_RESOURCE_##name, "VACCEL_RESOURCE_" #name, sizeof("VACCEL_RESOURCE_") - 1                       \
	}
constexpr EnumName resource_types[] = {RES(LIB), RES(DATA), RES(MODEL)};

#define BLOB(name)                                                                                                     \
	{                                                                                                              \
		VACCEL_BLOB_##name, "VACCEL_BLOB_" #name, sizeof("VACCEL_BLOB_") - 1                                   \
	}
constexpr EnumName blob_types[] = {BLOB(FILE), BLOB(BUFFER), BLOB(MAPPED)};

#define PATH(name)                                                                                                     \
	{                                                                                                              \
		VACCEL_PATH_##name, "VACCEL_PATH_" #name, sizeof("VACCEL_PATH_") - 1                                   \
	}
constexpr EnumName path_types[] = {PATH(LOCAL_FILE), PATH(LOCAL_DIR), PATH(REMOTE_FILE)};

#define LOG(name)                                                                                                      \
	{                                                                                                              \
		VACCEL_LOG_##name, "VACCEL_LOG_" #name, sizeof("VACCEL_LOG_") - 1                                      \
	}
// TRACE (an extension) shares the value 5 with VACCEL_LOG_MAX.
constexpr EnumName log_levels[] = {LOG(ERROR), LOG(WARN), LOG(INFO), LOG(DEBUG), LOG(TRACE)};

// Single-bit values (and ALL); combinations of bits are "UNKNOWN".
#define PLUGIN(name)                                                                                                   \
	{                                                                                                              \
		VACCEL_PLUGIN_##name, "VACCEL_PLUGIN_" #name, sizeof("VACCEL_PLUGIN_") - 1                             \
	}
constexpr EnumName plugin_types[] = {
	PLUGIN(CPU),    PLUGIN(GPU),     PLUGIN(FPGA),  PLUGIN(SOFTWARE), PLUGIN(TENSORFLOW), PLUGIN(TORCH),
	PLUGIN(JETSON), PLUGIN(GENERIC), PLUGIN(DEBUG), PLUGIN(REMOTE),   PLUGIN(ALL),
};

} // namespace

#define VACCEL_ENUM_STR_FUNCS_DEF(enum_t, prefix, table)                                                               \
	const char *prefix##_to_str(enum_t value)                                                                      \
	{                                                                                                              \
		return to_str(table, static_cast<long>(value));                                                        \
	}                                                                                                              \
	const char *prefix##_to_base_str(enum_t value)                                                                 \
	{                                                                                                              \
		return to_base_str(table, static_cast<long>(value));                                                   \
	}                                                                                                              \
	char *prefix##_name(enum_t value, char *buf, size_t size)                                                      \
	{                                                                                                              \
		return to_name(table, static_cast<long>(value), buf, size);                                            \
	}

VACCEL_ENUM_STR_FUNCS_DEF(vaccel_op_type_t, vaccel_op_type, op_types)
VACCEL_ENUM_STR_FUNCS_DEF(vaccel_arg_type_t, vaccel_arg_type, arg_types)
VACCEL_ENUM_STR_FUNCS_DEF(vaccel_resource_type_t, vaccel_resource_type, resource_types)
VACCEL_ENUM_STR_FUNCS_DEF(vaccel_blob_type_t, vaccel_blob_type, blob_types)
VACCEL_ENUM_STR_FUNCS_DEF(vaccel_path_type_t, vaccel_path_type, path_types)
VACCEL_ENUM_STR_FUNCS_DEF(vaccel_log_level_t, vaccel_log_level, log_levels)
VACCEL_ENUM_STR_FUNCS_DEF(vaccel_plugin_type_t, vaccel_plugin_type, plugin_types)
