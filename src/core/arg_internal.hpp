// SPDX-License-Identifier: Apache-2.0
// Internal helpers shared by arg.cpp, arg_array.cpp, arg_array_typed.cpp and genop.cpp.
#pragma once

#include "vaccel.h"

namespace vaccel::args {

bool valid_arg_type(vaccel_arg_type_t type) noexcept;

// Makes `arg` an owned copy of buf[0..size) (malloc'd). VACCEL_ENOMEM.
int init_copy(vaccel_arg *arg, const void *buf, size_t size, vaccel_arg_type_t type, uint32_t custom_type_id) noexcept;

// Frees an owned buffer and zeroes the arg.
void release_arg(vaccel_arg *arg) noexcept;

// vaccel_arg_array's cursor and append helpers (arg_array.cpp), used by its typed families
// (arg_array_typed.cpp).

// Appends `arg` at the end, growing owned (or still empty) storage. VACCEL_ENOSPC on a full
// wrapped array, VACCEL_ENOMEM.
int append(vaccel_arg_array *a, const vaccel_arg &arg) noexcept;

// Appends a borrowed (owned=false) arg over buf[0..size).
int append_borrowed(vaccel_arg_array *a, void *buf, size_t size, vaccel_arg_type_t type,
		    uint32_t custom_id = 0) noexcept;

// The arg at the cursor, or nullptr with *err set (VACCEL_EINVAL, VACCEL_ERANGE).
vaccel_arg *at_cursor(vaccel_arg_array *a, int *err) noexcept;

// Copies size bytes into the arg at the cursor (which must have type `expected` or RAW, and be
// large enough) and advances; logs under `what` and returns VACCEL_EINVAL/ERANGE otherwise.
int write_at_cursor(vaccel_arg_array *a, vaccel_arg_type_t expected, const void *value, size_t size,
		    const char *what) noexcept;

// Arg at the cursor with an exact type check (not advanced), or nullptr with *err set.
vaccel_arg *typed_at_cursor(vaccel_arg_array *a, vaccel_arg_type_t type, int *err, const char *what) noexcept;

} // namespace vaccel::args
