// SPDX-License-Identifier: Apache-2.0
#pragma once

struct vaccel_blob;

namespace vaccel::core {
// Marks a blob's file as created by vAccel (removed on release).
int blob_set_path_owned(vaccel_blob *blob, bool owned);
} // namespace vaccel::core
