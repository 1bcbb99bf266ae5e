// SPDX-License-Identifier: Apache-2.0
// Private header of plugin.cpp (never installed): the plugin registry (the loaded plugins, in load
// order) as the rest of libvaccel sees it, and the barrier around calls into a plugin's hooks.
#pragma once

#include <string>

#include "vaccel/error.h"
#include "vaccel/log.h"

struct vaccel_plugin;

namespace vaccel::core {

// Chooses the plugin serving a new session with `flags` (session.h rules).
// nullptr if none matches; `why` gets a human-readable reason.
struct vaccel_plugin *plugin_select(unsigned int flags, std::string &why);
// Calls every plugin's fini and dlcloses them (reverse load order).
void plugins_unload_all();

// Calls a plugin hook (session_init, resource_register, ...). A C++ plugin
// that lets an exception escape gets VACCEL_EBACKEND instead of unwinding
// through the runtime's bookkeeping.
template <typename Hook, typename... Args>
int call_hook(const char *plugin_name, const char *what, Hook hook, Args... args) noexcept
{
	try {
		return hook(args...);
	} catch (...) {
		vaccel_error("Plugin %s %s threw an exception", plugin_name, what);
		return VACCEL_EBACKEND;
	}
}

} // namespace vaccel::core
