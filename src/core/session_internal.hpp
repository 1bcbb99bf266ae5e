// SPDX-License-Identifier: Apache-2.0
// Private header of session.cpp (never installed): what bootstrap and cleanup (core.cpp) do to sessions.
#pragma once

namespace vaccel::core {

// Recycles the session id pool when no session is live (a fresh bootstrap starts ids at 1).
void sessions_reset_pool();
// Releases every live session (vaccel_cleanup()).
void sessions_release_all();

} // namespace vaccel::core
