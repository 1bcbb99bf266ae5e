/* SPDX-License-Identifier: Apache-2.0 */
/* sgemm: 512x512x512 single-precision GEMM through the typed vaccel_sgemm().
 *   sgemm [iterations] [out_file]   (see sgemm_example.h) */
#define _POSIX_C_SOURCE 200809L

#include "sgemm_example.h"

int main(int argc, char *argv[])
{
	return run_sgemm_example(argc, argv, false);
}
