// SPDX-License-Identifier: Apache-2.0
// Private header of prof.cpp (never installed).
#pragma once

namespace vaccel::core {

// Sets the profiling switch (atomic); read by vaccel_prof_enabled().
void prof_set_enabled(bool enabled) noexcept;

} // namespace vaccel::core
