// SPDX-License-Identifier: Apache-2.0
// The rpc plugin's flat-arg ops: one encoder, driven by the op schema
// (include/vaccel/op_schema.hpp), turns each op's typed call into a GENOP request
// (docs/protocol.md, "One encoding for ops"). Model ops are in rpc_tensors.cpp.
#pragma once

namespace vaccel::rpcplugin {

// The plugin's name in log lines and at its C-ABI boundary (plugins/common/boundary.hpp).
inline constexpr char kName[] = "rpc";

// Registers an encoder for every op of the schema as this plugin's op (from init()).
// Returns VACCEL_OK or the registration's error.
int register_schema_ops();

} // namespace vaccel::rpcplugin
