/* SPDX-License-Identifier: Apache-2.0 */
/* Operation types (vAccel 0.8 numbering; this number is also the genop op
 * code, sent as a UINT8 arg in read[0]). */
#ifndef VACCEL_OP_H
#define VACCEL_OP_H

#include <stddef.h>
#include "utils/enum.h"
#include "utils/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of the enum's 0.8 items (see utils/enum.h). */
#define VACCEL_OP_TYPE_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                     \
	VACCEL_ENUM_ITEM(NOOP, 0, VACCEL_OP)                                                                           \
	VACCEL_ENUM_ITEM(EXEC, VACCEL_OP)                                                                              \
	VACCEL_ENUM_ITEM(EXEC_WITH_RESOURCE, VACCEL_OP)                                                                \
	VACCEL_ENUM_ITEM(IMAGE_CLASSIFY, VACCEL_OP)                                                                    \
	VACCEL_ENUM_ITEM(IMAGE_DETECT, VACCEL_OP)                                                                      \
	VACCEL_ENUM_ITEM(IMAGE_SEGMENT, VACCEL_OP)                                                                     \
	VACCEL_ENUM_ITEM(IMAGE_POSE, VACCEL_OP)                                                                        \
	VACCEL_ENUM_ITEM(IMAGE_DEPTH, VACCEL_OP)                                                                       \
	VACCEL_ENUM_ITEM(TF_MODEL_LOAD, VACCEL_OP)                                                                     \
	VACCEL_ENUM_ITEM(TF_MODEL_UNLOAD, VACCEL_OP)                                                                   \
	VACCEL_ENUM_ITEM(TF_MODEL_RUN, VACCEL_OP)                                                                      \
	VACCEL_ENUM_ITEM(TFLITE_MODEL_LOAD, VACCEL_OP)                                                                 \
	VACCEL_ENUM_ITEM(TFLITE_MODEL_UNLOAD, VACCEL_OP)                                                               \
	VACCEL_ENUM_ITEM(TFLITE_MODEL_RUN, VACCEL_OP)                                                                  \
	VACCEL_ENUM_ITEM(TORCH_MODEL_LOAD, VACCEL_OP)                                                                  \
	VACCEL_ENUM_ITEM(TORCH_MODEL_RUN, VACCEL_OP)                                                                   \
	VACCEL_ENUM_ITEM(TORCH_SGEMM, VACCEL_OP)                                                                       \
	VACCEL_ENUM_ITEM(BLAS_SGEMM, VACCEL_OP)                                                                        \
	VACCEL_ENUM_ITEM(FPGA_ARRAYCOPY, VACCEL_OP)                                                                    \
	VACCEL_ENUM_ITEM(FPGA_MMULT, VACCEL_OP)                                                                        \
	VACCEL_ENUM_ITEM(FPGA_PARALLEL, VACCEL_OP)                                                                     \
	VACCEL_ENUM_ITEM(FPGA_VECTORADD, VACCEL_OP)                                                                    \
	VACCEL_ENUM_ITEM(MINMAX, VACCEL_OP)                                                                            \
	VACCEL_ENUM_ITEM(OPENCV, VACCEL_OP)

typedef enum vaccel_op_type {
	VACCEL_OP_NOOP = 0,
	VACCEL_OP_EXEC = 1,
	VACCEL_OP_EXEC_WITH_RESOURCE = 2,
	VACCEL_OP_IMAGE_CLASSIFY = 3,
	VACCEL_OP_IMAGE_DETECT = 4,
	VACCEL_OP_IMAGE_SEGMENT = 5,
	VACCEL_OP_IMAGE_POSE = 6,
	VACCEL_OP_IMAGE_DEPTH = 7,
	VACCEL_OP_TF_MODEL_LOAD = 8,
	VACCEL_OP_TF_MODEL_UNLOAD = 9,
	VACCEL_OP_TF_MODEL_RUN = 10,
	VACCEL_OP_TFLITE_MODEL_LOAD = 11,
	VACCEL_OP_TFLITE_MODEL_UNLOAD = 12,
	VACCEL_OP_TFLITE_MODEL_RUN = 13,
	VACCEL_OP_TORCH_MODEL_LOAD = 14,
	VACCEL_OP_TORCH_MODEL_RUN = 15,
	VACCEL_OP_TORCH_SGEMM = 16,
	VACCEL_OP_BLAS_SGEMM = 17,
	VACCEL_OP_FPGA_ARRAYCOPY = 18,
	VACCEL_OP_FPGA_MMULT = 19,
	VACCEL_OP_FPGA_PARALLEL = 20,
	VACCEL_OP_FPGA_VECTORADD = 21,
	VACCEL_OP_MINMAX = 22,
	VACCEL_OP_OPENCV = 23,
	VACCEL_OP_MAX
} vaccel_op_type_t;

VACCEL_ENUM_STR_FUNCS_DECL(vaccel_op_type_t, vaccel_op_type)

/* Lower-case base name of `op_type` (e.g. "image_classify") written into
 * `lower` (of `size` bytes, truncated to fit); returns `lower`. */
static inline char *vaccel_op_type_to_lower(vaccel_op_type_t op_type, char *lower, size_t size)
{
	(void)vaccel_str_to_lower(vaccel_op_type_to_base_str(op_type), lower, size, NULL);
	return lower;
}

/* Seed-era names, mapped to the 0.8 values (source compatibility only: the
 * numbers changed in 0.8, see docs). */
#define VACCEL_NO_OP VACCEL_OP_NOOP
#define VACCEL_BLAS_SGEMM VACCEL_OP_BLAS_SGEMM
#define VACCEL_IMG_CLASS VACCEL_OP_IMAGE_CLASSIFY
#define VACCEL_IMG_DETEC VACCEL_OP_IMAGE_DETECT
#define VACCEL_IMG_SEGME VACCEL_OP_IMAGE_SEGMENT
#define VACCEL_IMG_POSE VACCEL_OP_IMAGE_POSE
#define VACCEL_IMG_DEPTH VACCEL_OP_IMAGE_DEPTH
#define VACCEL_EXEC VACCEL_OP_EXEC
#define VACCEL_EXEC_WITH_RESOURCE VACCEL_OP_EXEC_WITH_RESOURCE
#define VACCEL_MINMAX VACCEL_OP_MINMAX
#define VACCEL_F_ARRAYCOPY VACCEL_OP_FPGA_ARRAYCOPY
#define VACCEL_F_MMULT VACCEL_OP_FPGA_MMULT
#define VACCEL_F_PARALLEL VACCEL_OP_FPGA_PARALLEL
#define VACCEL_F_VECTORADD VACCEL_OP_FPGA_VECTORADD
#define VACCEL_TORCH_JITLOAD_FORWARD VACCEL_OP_TORCH_MODEL_RUN
#define VACCEL_TORCH_SGEMM VACCEL_OP_TORCH_SGEMM
#define VACCEL_OPENCV VACCEL_OP_OPENCV
#define VACCEL_TF_SESSION_LOAD VACCEL_OP_TF_MODEL_LOAD
#define VACCEL_TF_SESSION_RUN VACCEL_OP_TF_MODEL_RUN
#define VACCEL_TF_SESSION_DELETE VACCEL_OP_TF_MODEL_UNLOAD
#define VACCEL_TFLITE_SESSION_LOAD VACCEL_OP_TFLITE_MODEL_LOAD
#define VACCEL_TFLITE_SESSION_RUN VACCEL_OP_TFLITE_MODEL_RUN
#define VACCEL_TFLITE_SESSION_DELETE VACCEL_OP_TFLITE_MODEL_UNLOAD
#define VACCEL_FUNCTIONS_NR VACCEL_OP_MAX

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OP_H */
