/* SPDX-License-Identifier: Apache-2.0 */
/* Deprecated FPGA demo operations (kept for compatibility). */
#ifndef VACCEL_OPS_FPGA_H
#define VACCEL_OPS_FPGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../arg.h"
#include "../resource.h"
#include "../session.h"

#ifdef __cplusplus
extern "C" {
#endif

int vaccel_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[], size_t len_a) __attribute__((deprecated));
int vaccel_fpga_mmult(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a)
	__attribute__((deprecated));
int vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[], float add_output[], float mult_output[],
			 size_t len_a) __attribute__((deprecated));
int vaccel_fpga_vadd(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a, size_t len_b)
	__attribute__((deprecated));

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_OPS_FPGA_H */
