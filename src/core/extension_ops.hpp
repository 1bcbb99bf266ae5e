// SPDX-License-Identifier: Apache-2.0
// Extension ops (op codes schema::kFirstExtensionOp..kExtensionOpEnd, include/vaccel/op_schema.hpp):
// ops that vAccel 0.8 does not number. A plugin registers them with vaccel_plugin_register_ops
// like any op; they are kept here, outside struct vaccel_plugin, whose ops array has the
// 0.8 size (plugins built for 0.8 define that struct, so it cannot grow). Only genop reaches
// them. All functions are thread-safe (one mutex; extension ops are not on a hot path).
#pragma once

#include "vaccel.h"

namespace vaccel::core {

// True if `code` is an extension op code.
bool is_extension_op(long long code) noexcept;

// Makes `op` the implementation of extension op `code` (op->type, read without loading an
// out-of-range enum value) for op->owner.
// Returns VACCEL_OK or VACCEL_ENOMEM.
int register_extension_op(vaccel_op *op, long long code) noexcept;

// The function `plugin` registered for extension op `code`, or nullptr.
void *find_extension_op(const vaccel_plugin *plugin, unsigned code) noexcept;

// Forgets every extension op of `plugin` (it is being unloaded).
void forget_extension_ops(const vaccel_plugin *plugin) noexcept;

} // namespace vaccel::core
