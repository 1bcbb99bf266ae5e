// SPDX-License-Identifier: Apache-2.0
// Internal helpers shared by arg.cpp, arg_array.cpp and genop.cpp.
#pragma once

#include "vaccel.h"

namespace vaccel::args {

bool valid_arg_type(vaccel_arg_type_t type) noexcept;

// Makes `arg` an owned copy of buf[0..size) (malloc'd). VACCEL_ENOMEM.
int init_copy(vaccel_arg *arg, const void *buf, size_t size, vaccel_arg_type_t type, uint32_t custom_type_id) noexcept;

// Frees an owned buffer and zeroes the arg.
void release_arg(vaccel_arg *arg) noexcept;

} // namespace vaccel::args
