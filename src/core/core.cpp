// SPDX-License-Identifier: Apache-2.0
// Library lifecycle: bootstrap/cleanup, the run directory, the active config
// and the shared-object constructor/destructor.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "checked_mutex.hpp"
#include "config_internal.hpp"
#include "owned_dir.hpp"
#include "core_internal.hpp"
#include "log_internal.hpp"
#include "net_internal.hpp"
#include "object_store.hpp"
#include "plugin_internal.hpp"
#include "prof_internal.hpp"
#include "resource_internal.hpp"
#include "session_internal.hpp"
#include "utils_internal.hpp"
#include "ops/op_common.hpp"
#include "vaccel.h"

namespace {

struct Runtime {
	// bootstrap/cleanup; plugin init may re-enter; the *_locked functions assert it (debug builds)
	vaccel::common::CheckedMutex<std::recursive_mutex> lifecycle_mutex;
	std::atomic<bool> initialized{false};
	std::string rundir;
	vaccel::common::OwnedDir rundir_lock; // holds rundir while this process lives
	struct vaccel_config config {
		nullptr, VACCEL_LOG_ERROR, nullptr, false, false
	};
};

// Never destroyed: the library destructor runs after static destructors.
Runtime &runtime()
{
	static auto *r = new Runtime;
	return *r;
}

// Run directories are <parent>/run.<6 random chars>, locked while their process lives
// (common/owned_dir.hpp): a process that crashed leaves its files (tenants' models, on an
// agent) only until the next bootstrap of this user, which removes them.
constexpr const char *kRundirPrefix = "run.";

// Creates <parent>/run.<6 random chars> (0700, locked); parent is created (0700) if missing
// and must belong to us, so another user cannot pre-create it.
int make_unique_dir(const std::string &parent, vaccel::common::OwnedDir &out)
{
	if (int ret = vaccel::core::make_dir(parent))
		return ret;
	struct stat st {};
	if (stat(parent.c_str(), &st) != 0 || st.st_uid != getuid()) {
		vaccel_error("Run directory parent %s is not owned by uid %u", parent.c_str(),
			     static_cast<unsigned>(getuid()));
		return VACCEL_EACCES;
	}
	if (size_t n = vaccel::common::remove_abandoned_dirs(parent, kRundirPrefix))
		vaccel_info("Removed %zu run director%s of processes that are gone", n, n == 1 ? "y" : "ies");
	if (int err = out.create(parent, kRundirPrefix)) {
		vaccel_error("Could not create run directory under %s: %s", parent.c_str(), strerror(err));
		return err;
	}
	return VACCEL_OK;
}

// /run/user/<uid>/vaccel/<random> when /run/user/<uid> is writable, else
// ${TMPDIR:-/tmp}/vaccel-<uid>/<random>.
int create_rundir(vaccel::common::OwnedDir &out)
{
	const std::string uid = std::to_string(getuid());
	const std::string run_user = "/run/user/" + uid;
	if (access(run_user.c_str(), W_OK) == 0 && make_unique_dir(run_user + "/vaccel", out) == VACCEL_OK)
		return VACCEL_OK;
	const char *tmp = getenv("TMPDIR");
	std::string base = (tmp && *tmp) ? tmp : "/tmp";
	return make_unique_dir(base + "/vaccel-" + uid, out);
}

// `release_objects`: release live sessions/resources properly (explicit
// vaccel_cleanup()). The library destructor passes false: at exit the
// application's session/resource structs may live on a stack that is gone,
// so they are forgotten instead of dereferenced; their files go with the
// rundir and the plugins' fini() drops any plugin/remote state.
// REQUIRES: rt.lifecycle_mutex held.
int cleanup_locked(Runtime &rt, bool release_objects = true)
{
	rt.lifecycle_mutex.assert_held();
	if (!rt.initialized.load())
		return VACCEL_OK;
	vaccel_debug("Cleaning up vAccel");
	if (release_objects) {
		vaccel::core::sessions_release_all();
		vaccel::core::resources_release_all();
	}
	vaccel::core::objects_forget_all();
	vaccel::ops::print_and_reset_op_regions();
	vaccel::core::plugins_unload_all();
	vaccel::core::remove_tree(rt.rundir);
	rt.rundir_lock.release();
	rt.initialized.store(false);
	rt.rundir.clear();
	vaccel_config_release(&rt.config);
	vaccel_log_shutdown();
	return VACCEL_OK;
}

// REQUIRES: rt.lifecycle_mutex held.
int bootstrap_locked(Runtime &rt, const struct vaccel_config *cfg)
{
	rt.lifecycle_mutex.assert_held();
	// Copy first: `cfg` may be the active config that cleanup frees.
	struct vaccel_config copy {};
	if (int ret = vaccel_config_init_from(&copy, cfg))
		return ret;
	cleanup_locked(rt);
	rt.config = copy;

	vaccel::core::log_configure(rt.config.log_level, rt.config.log_file);
	vaccel::core::prof_set_enabled(rt.config.profiling_enabled);
	vaccel::core::net_global_init();

	if (int ret = create_rundir(rt.rundir_lock)) {
		vaccel_error("vAccel bootstrap failed: no run directory");
		vaccel_config_release(&rt.config);
		return ret;
	}
	rt.rundir = rt.rundir_lock.path();
	vaccel::core::sessions_reset_pool();
	vaccel::core::resources_reset_pool();
	rt.initialized.store(true);

	vaccel_debug("Initializing vAccel %s", VACCEL_VERSION);
	vaccel_debug("Rundir: %s", rt.rundir.c_str());
	vaccel_config_print_debug(&rt.config);

	if (rt.config.plugins && *rt.config.plugins)
		return vaccel_plugin_parse_and_load(rt.config.plugins);
	return VACCEL_OK;
}

} // namespace

namespace vaccel::core {

bool runtime_initialized() noexcept
{
	return runtime().initialized.load(std::memory_order_acquire);
}

std::string runtime_rundir()
{
	auto &rt = runtime();
	std::lock_guard lock(rt.lifecycle_mutex);
	return rt.initialized.load() ? rt.rundir : std::string();
}

} // namespace vaccel::core

extern "C" {

int vaccel_bootstrap_with_config(const struct vaccel_config *config)
{
	return vaccel::core::guard(__func__, [&] {
		if (!config)
			return static_cast<int>(VACCEL_EINVAL);
		auto &rt = runtime();
		std::lock_guard lock(rt.lifecycle_mutex);
		return bootstrap_locked(rt, config);
	});
}

int vaccel_bootstrap(void)
{
	return vaccel::core::guard(__func__, [] {
		struct vaccel_config cfg {};
		// Parse quietly: the log is not configured yet. Deprecation warnings
		// are emitted once the configured log level is in effect.
		if (int ret = vaccel::core::config_init_from_env(&cfg, false))
			return ret;
		auto &rt = runtime();
		std::lock_guard lock(rt.lifecycle_mutex);
		int ret = bootstrap_locked(rt, &cfg);
		vaccel_config_release(&cfg);
		struct vaccel_config again {};
		if (vaccel::core::config_init_from_env(&again, true) == VACCEL_OK)
			vaccel_config_release(&again);
		return ret;
	});
}

int vaccel_cleanup(void)
{
	return vaccel::core::guard(__func__, [] {
		auto &rt = runtime();
		std::lock_guard lock(rt.lifecycle_mutex);
		return cleanup_locked(rt);
	});
}

int vaccel_rundir_after_fork(const char *parent)
{
	return vaccel::core::guard(__func__, [&] {
		if (!parent || !*parent)
			return static_cast<int>(VACCEL_EINVAL);
		auto &rt = runtime();
		std::lock_guard lock(rt.lifecycle_mutex);
		if (!rt.initialized.load())
			return static_cast<int>(VACCEL_OK);
		// Our copy of the parent's lock fd: closing it leaves the parent's lock (flock belongs
		// to the open file description, which the parent still holds) and its directory alone.
		rt.rundir_lock.release();
		if (int ret = make_unique_dir(parent, rt.rundir_lock)) {
			rt.rundir.clear();
			rt.initialized.store(false);
			return ret;
		}
		rt.rundir = rt.rundir_lock.path();
		vaccel_debug("Rundir after fork: %s", rt.rundir.c_str());
		return static_cast<int>(VACCEL_OK);
	});
}

bool vaccel_is_initialized(void)
{
	return vaccel::core::runtime_initialized();
}

const char *vaccel_rundir(void)
{
	auto &rt = runtime();
	return rt.initialized.load(std::memory_order_acquire) ? rt.rundir.c_str() : nullptr;
}

const struct vaccel_config *vaccel_config(void)
{
	auto &rt = runtime();
	return rt.initialized.load(std::memory_order_acquire) ? &rt.config : nullptr;
}

} // extern "C"

namespace {

__attribute__((constructor)) void vaccel_library_constructor()
{
	if (vaccel::core::env_flag_disabled("VACCEL_BOOTSTRAP_ENABLED"))
		return;
	// Failures (e.g. a plugin that cannot be loaded) are logged by bootstrap;
	// unlike the reference we never exit(): the application keeps running.
	vaccel_bootstrap();
}

__attribute__((destructor)) void vaccel_library_destructor()
{
	if (vaccel::core::env_flag_disabled("VACCEL_CLEANUP_ENABLED"))
		return;
	vaccel::core::guard(__func__, [] {
		auto &rt = runtime();
		std::lock_guard lock(rt.lifecycle_mutex);
		return cleanup_locked(rt, false);
	});
}

} // namespace
