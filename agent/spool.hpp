// SPDX-License-Identifier: Apache-2.0
// The agent's spool: where received resources are written, under --workdir (docs/protocol.md §6).
// Tenants' files must not outlive the agent that received them, crash included: each agent
// spools into its own locked directory (common/owned_dir.hpp) and removes, at start, those
// whose agent is gone.
#pragma once

#include "owned_dir.hpp"

#include <string>

namespace vaccel::agent {

inline constexpr const char *kSpoolPrefix = "vaccel-agent-spool.";

// Removes the spools of dead agents under `workdir`, then creates this agent's (0700).
// Returns 0 or an errno (logged).
int open_spool(const std::string &workdir, common::OwnedDir &spool);

// Creates dir and any missing parents below the spool, each 0700 whatever the umask.
// Returns 0 or an errno.
int make_private_dirs(const std::string &spool, const std::string &relative);

} // namespace vaccel::agent
