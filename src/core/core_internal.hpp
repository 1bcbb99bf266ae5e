// SPDX-License-Identifier: Apache-2.0
// Private header of core.cpp (never installed): what the rest of libvaccel may ask about the
// runtime's lifecycle (bootstrap, vaccel_init/vaccel_cleanup).
#pragma once

#include <string>

namespace vaccel::core {

// True between a successful bootstrap and cleanup (single atomic load).
bool runtime_initialized() noexcept;

// Top-level rundir ("" when not initialised).
std::string runtime_rundir();

} // namespace vaccel::core
