// SPDX-License-Identifier: Apache-2.0
// Internal config helpers (core.cpp uses them during bootstrap).
#pragma once

struct vaccel_config;

namespace vaccel::core {

// vaccel_config_init_from_env with control over the deprecation warnings
// (bootstrap parses before the log is configured, then re-parses to warn).
int config_init_from_env(struct vaccel_config *cfg, bool warn);

// True if env variable `name` is set to a false value ("0", "false", ...).
bool env_flag_disabled(const char *name);

} // namespace vaccel::core
