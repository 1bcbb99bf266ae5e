// SPDX-License-Identifier: Apache-2.0
// Plugin registry: run-time loading (dlopen), validation of the plugin
// descriptor and version, op registration and per-session plugin selection.
//
// Failures never terminate the process: each is logged once as
// "Could not load plugin <path>: <reason>" and leaves the registry as it was.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "extension_ops.hpp"
#include "plugin_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel.h"

namespace {

struct PluginRegistry {
	std::shared_mutex mutex;             // guards `loaded` and `loading`
	std::vector<vaccel_plugin *> loaded; // load order = selection order
	vaccel_plugin *loading = nullptr;    // plugin whose init() is running
	std::mutex load_mutex;               // serialises load/unload sequences
};

// Never destroyed: the library destructor may still need it.
PluginRegistry &registry()
{
	static auto *r = new PluginRegistry;
	return *r;
}

struct Version {
	int major = 0, minor = 0, patch = 0;
	std::string extra;
};

// Parses "X.Y.Z[extra]" with an optional leading 'v'.
bool parse_version(const char *text, Version &out)
{
	if (!text)
		return false;
	if (*text == 'v' || *text == 'V')
		++text;
	int consumed = 0;
	if (sscanf(text, "%d.%d.%d%n", &out.major, &out.minor, &out.patch, &consumed) != 3)
		return false;
	if (out.major < 0 || out.minor < 0 || out.patch < 0)
		return false;
	out.extra = text + consumed;
	return true;
}

bool version_ignored()
{
	const struct vaccel_config *cfg = vaccel_config();
	return cfg && cfg->version_ignore;
}

// VACCEL_OK, or VACCEL_EINVAL with `why` filled.
int check_version(const vaccel_plugin_info *info, std::string &why)
{
	if (version_ignored())
		return VACCEL_OK;
	if (!info->vaccel_version) {
		why = "missing vaccel_version (set VACCEL_VERSION_IGNORE=1 to skip the check)";
		return VACCEL_EINVAL;
	}
	Version lib, plug;
	parse_version(VACCEL_VERSION, lib);
	if (!parse_version(info->vaccel_version, plug)) {
		why = std::string("unparsable vaccel_version '") + info->vaccel_version + "'";
		return VACCEL_EINVAL;
	}
	if (plug.major != lib.major) {
		why = std::string("built for vAccel ") + info->vaccel_version +
		      ", incompatible with this vAccel " VACCEL_VERSION " (major version differs)";
		return VACCEL_EINVAL;
	}
	if (plug.minor != lib.minor || plug.patch != lib.patch || plug.extra != lib.extra)
		vaccel_warn("Plugin %s was built for vAccel %s; it may be incompatible with vAccel %s", info->name,
			    info->vaccel_version, VACCEL_VERSION);
	return VACCEL_OK;
}

// VACCEL_OK, or VACCEL_EINVAL with `why` naming the missing field.
int check_required_fields(const vaccel_plugin_info *info, std::string &why)
{
	if (!info) {
		why = "plugin descriptor has no info";
		return VACCEL_EINVAL;
	}
	const char *missing = nullptr;
	if (!info->name || !*info->name)
		missing = "name";
	else if (!info->version)
		missing = "version";
	else if (!info->init)
		missing = "init";
	else if (!info->fini)
		missing = "fini";
	if (missing) {
		why = std::string("required plugin info field '") + missing + "' is missing";
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

// REQUIRES: reg.mutex held, shared (`held`) or exclusive. A shared_mutex cannot name its holders,
// so the caller's lock is passed in and checked (debug builds).
template <typename Lock>
bool already_loaded_locked(const PluginRegistry &reg, const Lock &held, const vaccel_plugin *plugin)
{
	assert(held.owns_lock() && held.mutex() == &reg.mutex && "REQUIRES: registry lock held");
	(void)held;
	return std::any_of(reg.loaded.begin(), reg.loaded.end(), [&](const vaccel_plugin *p) {
		return p == plugin || strcmp(p->info->name, plugin->info->name) == 0;
	});
}

// Runs a plugin's init/fini; a C++ plugin that lets an exception escape is
// treated as a backend failure instead of unwinding through the registry.
int call_plugin_hook(const char *name, const char *what, int (*hook)(void)) noexcept
{
	try {
		return hook();
	} catch (...) {
		vaccel_error("Plugin %s %s() threw an exception", name, what);
		return VACCEL_EBACKEND;
	}
}

int fail_load(const char *lib, void *handle, int code, const std::string &why)
{
	vaccel_error("Could not load plugin %s: %s", lib, why.c_str());
	if (handle)
		dlclose(handle);
	return code;
}

// Directory holding libvaccel.so itself (plugins are installed next to it).
std::string own_library_dir()
{
	Dl_info info{};
	if (dladdr(reinterpret_cast<void *>(&vaccel_plugin_load), &info) == 0 || !info.dli_fname)
		return {};
	std::string path = info.dli_fname;
	size_t slash = path.rfind('/');
	return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// dlopen with RTLD_NOW, so unresolved symbols are reported here rather than
// as a crash at the first op. A bare file name that the dynamic linker
// cannot find is also looked up next to libvaccel.so.
void *open_library(const char *lib, std::string &error)
{
	dlerror();
	void *handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (handle)
		return handle;
	const char *err = dlerror();
	error = err ? err : "dlopen failed";
	if (strchr(lib, '/'))
		return nullptr;
	std::string dir = own_library_dir();
	if (dir.empty())
		return nullptr;
	std::string candidate = dir + "/" + lib;
	if (access(candidate.c_str(), F_OK) != 0)
		return nullptr;
	handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		err = dlerror();
		error = err ? err : "dlopen failed";
	}
	return handle;
}

int load_one(const char *lib)
{
	auto &reg = registry();
	std::lock_guard load_lock(reg.load_mutex);

	std::string open_error;
	void *handle = open_library(lib, open_error);
	if (!handle)
		return fail_load(lib, nullptr, VACCEL_ENOENT, open_error);

	dlerror();
	void *sym = dlsym(handle, "vaccel_plugin");
	auto *const *slot = static_cast<vaccel_plugin *const *>(sym);
	if (!sym || !*slot)
		return fail_load(lib, handle, VACCEL_ELIBBAD, "no `vaccel_plugin` symbol (not a vAccel plugin?)");
	vaccel_plugin *plugin = *slot;

	std::string why;
	if (int ret = check_required_fields(plugin->info, why))
		return fail_load(lib, handle, ret, why);
	{
		std::shared_lock lock(reg.mutex);
		if (already_loaded_locked(reg, lock, plugin))
			return fail_load(lib, handle, VACCEL_EEXIST,
					 std::string("plugin '") + plugin->info->name + "' is already loaded");
	}
	if (int ret = check_version(plugin->info, why))
		return fail_load(lib, handle, ret, why);

	plugin->dl_handle = handle;
	std::fill(std::begin(plugin->ops), std::end(plugin->ops), nullptr);
	{
		std::unique_lock lock(reg.mutex);
		reg.loading = plugin;
	}
	int ret = call_plugin_hook(plugin->info->name, "init", plugin->info->init);
	{
		std::unique_lock lock(reg.mutex);
		reg.loading = nullptr;
		if (ret == VACCEL_OK)
			reg.loaded.push_back(plugin);
	}
	if (ret != VACCEL_OK) {
		if (ret < 0)
			ret = -ret;
		plugin->dl_handle = nullptr;
		return fail_load(lib, handle, ret, "plugin init() failed with error " + std::to_string(ret));
	}

	vaccel_info("Registered plugin %s %s", plugin->info->name, plugin->info->version);
	if (plugin->info->is_virtio)
		vaccel_info("%s is a VirtIO module", plugin->info->name);
	return VACCEL_OK;
}

} // namespace

namespace vaccel::core {

vaccel_plugin *plugin_select(unsigned int flags, std::string &why)
{
	auto &reg = registry();
	std::shared_lock lock(reg.mutex);
	char hex[32];
	snprintf(hex, sizeof(hex), "0x%x", flags);

	if (reg.loaded.empty()) {
		why = std::string("no loaded plugin can serve flags ") + hex +
		      " (no plugin is loaded; set VACCEL_PLUGINS)";
		return nullptr;
	}
	if (flags & VACCEL_PLUGIN_REMOTE) {
		for (auto *p : reg.loaded)
			if (p->info->is_virtio)
				return p;
		why = std::string("no loaded plugin can serve flags ") + hex +
		      " (VACCEL_PLUGIN_REMOTE needs a transport plugin)";
		return nullptr;
	}
	unsigned int type_bits = flags & ~static_cast<unsigned int>(VACCEL_PLUGIN_REMOTE);
	if (type_bits) {
		for (auto *p : reg.loaded)
			if (static_cast<unsigned int>(p->info->type) & type_bits)
				return p;
		// vAccel 0.8: the hint is a preference; fall back to the rule for no
		// hint (the C++ layer's vaccel::Session::strict() refuses instead).
		vaccel_debug("No loaded plugin has a type in flags %s; using the default plugin", hex);
	}
	if (reg.loaded.size() == 1)
		return reg.loaded.front();
	for (auto *p : reg.loaded)
		if (!p->info->is_virtio)
			return p;
	why = std::string("no loaded plugin can serve flags ") + hex +
	      " (only transport plugins are loaded; use VACCEL_PLUGIN_REMOTE)";
	return nullptr;
}

void plugins_unload_all()
{
	auto &reg = registry();
	std::lock_guard load_lock(reg.load_mutex);
	std::vector<vaccel_plugin *> plugins;
	{
		std::unique_lock lock(reg.mutex);
		plugins.swap(reg.loaded);
	}
	for (auto it = plugins.rbegin(); it != plugins.rend(); ++it) {
		vaccel_plugin *p = *it;
		const char *name = p->info->name;
		vaccel_debug("Unregistering plugin %s", name);
		if (int ret = call_plugin_hook(name, "fini", p->info->fini))
			vaccel_warn("Plugin %s fini() returned %d", name, ret);
		std::fill(std::begin(p->ops), std::end(p->ops), nullptr);
		vaccel::core::forget_extension_ops(p);
		void *handle = p->dl_handle;
		p->dl_handle = nullptr;
		if (handle)
			dlclose(handle);
	}
}

} // namespace vaccel::core

extern "C" {

int vaccel_plugin_register_ops(struct vaccel_op *ops, size_t nr_ops)
{
	return vaccel::core::guard(__func__, [&] {
		if (!ops || nr_ops == 0 || nr_ops > VACCEL_OP_MAX) {
			vaccel_error("Cannot register plugin ops: invalid ops array or count %zu", nr_ops);
			return static_cast<int>(VACCEL_EINVAL);
		}
		vaccel_plugin *owner = ops[0].owner;
		if (!owner) {
			vaccel_error("Cannot register plugin ops: ops[0] has no owner plugin");
			return static_cast<int>(VACCEL_EINVAL);
		}
		for (size_t i = 0; i < nr_ops; ++i) {
			const long long type = vaccel::core::enum_raw(ops[i].type);
			const bool known_type =
				(type >= 0 && type < VACCEL_OP_MAX) || vaccel::core::is_extension_op(type);
			if (!known_type || !ops[i].func) {
				vaccel_error("Cannot register plugin ops: op %zu has type %d / no function", i,
					     static_cast<int>(type));
				return static_cast<int>(VACCEL_EINVAL);
			}
		}
		auto &reg = registry();
		std::unique_lock lock(reg.mutex);
		bool known = owner == reg.loading ||
			     std::find(reg.loaded.begin(), reg.loaded.end(), owner) != reg.loaded.end();
		if (!known) {
			vaccel_error("Cannot register plugin ops: owner plugin is not being loaded");
			return static_cast<int>(VACCEL_EINVAL);
		}
		for (size_t i = 0; i < nr_ops; ++i) {
			const long long type = vaccel::core::enum_raw(ops[i].type);
			if (type < VACCEL_OP_MAX)
				owner->ops[type] = &ops[i];
			else if (int ret = vaccel::core::register_extension_op(&ops[i], type))
				return ret;
		}
		return static_cast<int>(VACCEL_OK);
	});
}

int vaccel_plugin_load(const char *lib)
{
	return vaccel::core::guard(__func__, [&] {
		if (!lib || !*lib) {
			vaccel_error("Could not load plugin: empty path");
			return static_cast<int>(VACCEL_EINVAL);
		}
		return load_one(lib);
	});
}

int vaccel_plugin_parse_and_load(const char *lib_list)
{
	return vaccel::core::guard(__func__, [&] {
		if (!lib_list)
			return static_cast<int>(VACCEL_EINVAL);
		int first_error = VACCEL_OK;
		std::string list(lib_list);
		size_t start = 0;
		while (start <= list.size()) {
			size_t end = list.find(':', start);
			if (end == std::string::npos)
				end = list.size();
			std::string entry = list.substr(start, end - start);
			if (!entry.empty()) {
				int ret = load_one(entry.c_str());
				if (ret && first_error == VACCEL_OK)
					first_error = ret;
			}
			start = end + 1;
		}
		return first_error;
	});
}

size_t vaccel_plugin_count(void)
{
	try {
		auto &reg = registry();
		std::shared_lock lock(reg.mutex);
		return reg.loaded.size();
	} catch (...) {
		vaccel::core::error_from_current_exception(__func__);
		return 0;
	}
}

} // extern "C"
