// SPDX-License-Identifier: Apache-2.0
// exec plugin (libvaccel-exec.so): runs a function from a shared library,
//   int fn(struct vaccel_arg *in, size_t nr_in, struct vaccel_arg *out, size_t nr_out)
// found with dlopen()/dlsym(). Serves NOOP, EXEC (library given by path, on
// the machine where the plugin runs) and EXEC_WITH_RESOURCE (library shipped
// as a LIB resource whose blobs are its dependencies first and the main
// library last).
//
// Configuration (read when the plugin is initialised):
//   VACCEL_EXEC_DLOPEN_MODE      lazy | now (default now). Dependencies that
//                                fail in one mode are retried in the other,
//                                since libraries that depend on each other
//                                may only load lazily.
//   VACCEL_EXEC_DLCLOSE_ENABLED  0/1/true/false (legacy VACCEL_EXEC_DLCLOSE).
//                                Unset: exec keeps libraries open (cached per
//                                path) and exec_with_resource closes them when
//                                the resource is unregistered from its last
//                                session. Set: applies to both.
//
// Errors: VACCEL_ENOENT library cannot be loaded, VACCEL_ENOSYS symbol not
// found, VACCEL_EBACKEND the function returned non-zero, VACCEL_EINVAL bad
// arguments. Only for trusted users: it runs arbitrary code.  Every op, init and resource hook
// runs behind the plugin kit's boundary (boundary.hpp), so an exception never leaves the plugin.

#include <vaccel.h>

#include "boundary.hpp"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

constexpr char kName[] = "exec";
constexpr char kRegister[] = "resource register";
constexpr char kUnregister[] = "resource unregister";

namespace {

using ExecFn = int (*)(struct vaccel_arg *, size_t, struct vaccel_arg *, size_t);

// ---- configuration -------------------------------------------------------------

struct Settings {
	int dlopen_mode = RTLD_NOW;
	bool dlclose_after_exec = false;
	bool dlclose_on_unregister = true;
};

int other_mode(int mode)
{
	return mode == RTLD_NOW ? RTLD_LAZY : RTLD_NOW;
}

const char *mode_name(int mode)
{
	return mode == RTLD_NOW ? "now" : "lazy";
}

// Parses 0/1/true/false (case-insensitive); nullopt when unset or invalid.
std::optional<bool> env_bool(const char *name)
{
	const char *value = std::getenv(name);
	if (value == nullptr)
		return std::nullopt;
	const std::string_view v(value);
	if (v == "1" || v == "true" || v == "TRUE" || v == "True")
		return true;
	if (v == "0" || v == "false" || v == "FALSE" || v == "False")
		return false;
	vaccel_warn("[exec] Ignoring %s=%s (expected 0, 1, true or false)", name, value);
	return std::nullopt;
}

Settings settings_from_env()
{
	Settings s;
	if (const char *mode = std::getenv("VACCEL_EXEC_DLOPEN_MODE"); mode != nullptr) {
		const std::string_view m(mode);
		if (m == "lazy" || m == "LAZY")
			s.dlopen_mode = RTLD_LAZY;
		else if (m == "now" || m == "NOW")
			s.dlopen_mode = RTLD_NOW;
		else
			vaccel_warn("[exec] Ignoring VACCEL_EXEC_DLOPEN_MODE=%s (expected lazy or now)", mode);
	}
	std::optional<bool> dlclose = env_bool("VACCEL_EXEC_DLCLOSE_ENABLED");
	if (!dlclose)
		dlclose = env_bool("VACCEL_EXEC_DLCLOSE");
	if (dlclose) {
		s.dlclose_after_exec = *dlclose;
		s.dlclose_on_unregister = *dlclose;
	}
	return s;
}

// ---- loaded libraries --------------------------------------------------------------

struct DlCloser {
	void operator()(void *handle) const
	{
		if (handle != nullptr && dlclose(handle) != 0)
			vaccel_warn("[exec] dlclose failed: %s", dlerror());
	}
};
using DlHandle = std::unique_ptr<void, DlCloser>;

// Owned file descriptor (the memfd behind a memory-only library).
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	Fd &operator=(Fd &&other) noexcept
	{
		std::swap(fd_, other.fd_);
		return *this;
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	[[nodiscard]] int get() const { return fd_; }

private:
	int fd_ = -1;
};

// One opened shared object. A library loaded from a memfd keeps the fd open
// while it is loaded: the loader knows it as "/proc/self/fd/<n>", and if the
// number were reused, a later dlopen of that name would return this library.
struct OpenedObject {
	DlHandle handle;
	Fd memfd;

	~OpenedObject() { handle.reset(); } // dlclose before the fd closes
	OpenedObject() = default;
	OpenedObject(DlHandle h, Fd f) : handle(std::move(h)), memfd(std::move(f)) {}
	OpenedObject(OpenedObject &&) noexcept = default;
	OpenedObject &operator=(OpenedObject &&) noexcept = default;
	explicit operator bool() const { return static_cast<bool>(handle); }
};

// One library with its dependencies, closed main-first (reverse load order)
// when the last user lets go of it.
class LoadedLib {
public:
	LoadedLib() = default;
	LoadedLib(const LoadedLib &) = delete;
	LoadedLib &operator=(const LoadedLib &) = delete;
	~LoadedLib()
	{
		while (!objects_.empty())
			objects_.pop_back();
	}

	void add(OpenedObject object) { objects_.push_back(std::move(object)); }
	[[nodiscard]] void *main_handle() const { return objects_.empty() ? nullptr : objects_.back().handle.get(); }

private:
	std::vector<OpenedObject> objects_;
};

// dlopen() with a log line on failure. Why the message: dlerror() tells the
// user which symbol or dependency is missing.
DlHandle open_library(const char *path, int flags)
{
	dlerror();
	DlHandle handle(dlopen(path, flags));
	if (!handle) {
		const char *why = dlerror();
		vaccel_debug("[exec] dlopen(%s, %s) failed: %s", path, (flags & RTLD_NOW) != 0 ? "now" : "lazy",
			     why != nullptr ? why : "unknown");
	}
	return handle;
}

bool write_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		const ssize_t n = write(fd, data, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		size -= static_cast<size_t>(n);
	}
	return true;
}

// Opens one blob. A memory-only blob has no file, so its bytes are put in a
// memfd and opened through /proc/self/fd (the loader needs a path).
OpenedObject open_blob(vaccel_blob *blob, int flags)
{
	const char *path = vaccel_blob_path(blob);
	if (path != nullptr)
		return {open_library(path, flags), Fd()};

	size_t size = 0;
	const uint8_t *data = vaccel_blob_data(blob, &size);
	if (data == nullptr || size == 0) {
		vaccel_error("[exec] Blob %s has neither a path nor data",
			     blob->name != nullptr ? blob->name : "(unnamed)");
		return {};
	}
	Fd fd(memfd_create(blob->name != nullptr ? blob->name : "vaccel-exec-lib", MFD_CLOEXEC));
	if (fd.get() < 0 || !write_all(fd.get(), data, size)) {
		vaccel_error("[exec] Could not copy blob %s into memory file: %s",
			     blob->name != nullptr ? blob->name : "(unnamed)", std::strerror(errno));
		return {};
	}
	const std::string proc_path = "/proc/self/fd/" + std::to_string(fd.get());
	DlHandle handle = open_library(proc_path.c_str(), flags);
	if (!handle)
		return {};
	return {std::move(handle), std::move(fd)};
}

// Loads a LIB resource: dependencies first (global scope so the main library
// can resolve against them; retried in the other mode on failure), then the
// main library (last blob).
std::shared_ptr<LoadedLib> load_resource_lib(vaccel_resource *res, int mode)
{
	auto lib = std::make_shared<LoadedLib>();
	for (size_t i = 0; i < res->nr_blobs; ++i) {
		vaccel_blob *blob = res->blobs[i];
		const bool is_main = i + 1 == res->nr_blobs;
		const char *name = blob != nullptr && blob->name != nullptr ? blob->name : "(unnamed)";
		if (blob == nullptr) {
			vaccel_error("[exec] Resource %lld has a NULL blob %zu", static_cast<long long>(res->id), i);
			return nullptr;
		}
		OpenedObject handle;
		if (is_main) {
			handle = open_blob(blob, mode);
		} else {
			handle = open_blob(blob, mode | RTLD_GLOBAL);
			if (!handle) {
				vaccel_debug("[exec] Retrying dependency %s with RTLD_%s", name,
					     other_mode(mode) == RTLD_NOW ? "NOW" : "LAZY");
				handle = open_blob(blob, other_mode(mode) | RTLD_GLOBAL);
			}
		}
		if (!handle) {
			vaccel_error("[exec] Could not load %s %s of resource %lld (mode %s)",
				     is_main ? "library" : "dependency", name, static_cast<long long>(res->id),
				     mode_name(mode));
			return nullptr;
		}
		lib->add(std::move(handle));
	}
	return lib;
}

// Resolves and calls fn_symbol. Runs outside any lock: the caller holds a
// reference to the library so it cannot be closed meanwhile.
int call_symbol(void *handle, const char *where, const char *fn_symbol, vaccel_arg *read, size_t nr_read,
		vaccel_arg *write, size_t nr_write)
{
	dlerror();
	void *sym = dlsym(handle, fn_symbol);
	if (sym == nullptr) {
		const char *why = dlerror();
		vaccel_error("[exec] Symbol %s not found in %s: %s", fn_symbol, where,
			     why != nullptr ? why : "NULL symbol");
		return VACCEL_ENOSYS;
	}
	auto fn = reinterpret_cast<ExecFn>(sym);
	const int ret = fn(read, nr_read, write, nr_write);
	if (ret != 0) {
		vaccel_error("[exec] %s from %s returned %d", fn_symbol, where, ret);
		return VACCEL_EBACKEND;
	}
	return VACCEL_OK;
}

bool valid_args(const char *op, const char *fn_symbol, const vaccel_arg *read, size_t nr_read, const vaccel_arg *write,
		size_t nr_write)
{
	if (fn_symbol == nullptr || fn_symbol[0] == '\0') {
		vaccel_error("[exec] %s: no function symbol given", op);
		return false;
	}
	if ((nr_read > 0 && read == nullptr) || (nr_write > 0 && write == nullptr)) {
		vaccel_error("[exec] %s: NULL args with non-zero count (read %zu, write %zu)", op, nr_read, nr_write);
		return false;
	}
	return true;
}

// ---- plugin state (all behind one mutex) ------------------------------------------

struct ResourceEntry {
	const vaccel_resource *owner = nullptr; // guards against a stale entry for a reused id
	size_t registrations = 0;
	std::shared_ptr<LoadedLib> lib; // loaded on first use
};

struct State {
	std::mutex lock;
	Settings settings;
	std::map<std::string, std::shared_ptr<LoadedLib>> by_path; // exec cache
	std::map<vaccel_id_t, ResourceEntry> by_resource;          // exec_with_resource cache
	std::vector<std::shared_ptr<LoadedLib>> kept;              // not closed on unregister
};

// Created by exec_init() and destroyed by exec_fini(): the runtime calls ops
// and hooks only in between. Not a static object on purpose: at process exit
// the core calls fini from its own destructor, after static destructors ran,
// and the plugin's memory goes away on dlclose.
std::atomic<State *> g_state{nullptr};

bool loaded()
{
	if (g_state.load(std::memory_order_acquire) != nullptr)
		return true;
	vaccel_error("[exec] Plugin called while not initialised");
	return false;
}

State &state()
{
	return *g_state.load(std::memory_order_acquire);
}

Settings current_settings()
{
	std::lock_guard guard(state().lock);
	return state().settings;
}

// ---- ops -----------------------------------------------------------------------------

int exec_noop(vaccel_session *sess)
{
	vaccel_debug("[exec] Calling no-op for session %lld", sess != nullptr ? static_cast<long long>(sess->id) : 0LL);
	return VACCEL_OK;
}

int exec_exec(vaccel_session *sess, const char *library, const char *fn_symbol, vaccel_arg *read, size_t nr_read,
	      vaccel_arg *write, size_t nr_write)
{
	if (!loaded())
		return VACCEL_ENODEV;
	if (library == nullptr || library[0] == '\0') {
		vaccel_error("[exec] exec: no library given");
		return VACCEL_EINVAL;
	}
	if (!valid_args("exec", fn_symbol, read, nr_read, write, nr_write))
		return VACCEL_EINVAL;
	vaccel_debug("[exec] exec for session %lld: %s:%s (read %zu, write %zu)",
		     sess != nullptr ? static_cast<long long>(sess->id) : 0LL, library, fn_symbol, nr_read, nr_write);

	const Settings settings = current_settings();
	std::shared_ptr<LoadedLib> lib;
	{
		std::lock_guard guard(state().lock);
		if (!settings.dlclose_after_exec) {
			if (auto it = state().by_path.find(library); it != state().by_path.end())
				lib = it->second;
		}
		if (!lib) {
			DlHandle handle = open_library(library, settings.dlopen_mode);
			if (!handle) {
				vaccel_error("[exec] Could not load library %s (mode %s)", library,
					     mode_name(settings.dlopen_mode));
				return VACCEL_ENOENT;
			}
			lib = std::make_shared<LoadedLib>();
			lib->add(OpenedObject(std::move(handle), Fd()));
			if (!settings.dlclose_after_exec)
				state().by_path.emplace(library, lib);
		}
	}
	// With dlclose enabled, `lib` is the only reference: it closes on return.
	return call_symbol(lib->main_handle(), library, fn_symbol, read, nr_read, write, nr_write);
}

// The library of a registered resource, loading it on first use.
int resource_library(vaccel_resource *res, std::shared_ptr<LoadedLib> &out)
{
	std::lock_guard guard(state().lock);
	ResourceEntry &entry = state().by_resource[res->id];
	if (entry.owner != res) {
		// Not the resource this entry was made for (its unregister never
		// reached us): start over rather than run another resource's code.
		entry.lib.reset();
		entry.owner = res;
	}
	if (!entry.lib) {
		entry.lib = load_resource_lib(res, state().settings.dlopen_mode);
		if (!entry.lib)
			return VACCEL_ENOENT;
	}
	out = entry.lib;
	return VACCEL_OK;
}

int exec_exec_with_resource(vaccel_session *sess, vaccel_resource *resource, const char *fn_symbol, vaccel_arg *read,
			    size_t nr_read, vaccel_arg *write, size_t nr_write)
{
	if (!loaded())
		return VACCEL_ENODEV;
	if (resource == nullptr || resource->type != VACCEL_RESOURCE_LIB) {
		vaccel_error("[exec] exec_with_resource: %s",
			     resource == nullptr ? "no resource given" : "resource is not a LIB resource");
		return VACCEL_EINVAL;
	}
	if (resource->nr_blobs == 0 || resource->blobs == nullptr) {
		vaccel_error("[exec] exec_with_resource: resource %lld has no files",
			     static_cast<long long>(resource->id));
		return VACCEL_EINVAL;
	}
	if (!valid_args("exec_with_resource", fn_symbol, read, nr_read, write, nr_write))
		return VACCEL_EINVAL;
	vaccel_debug("[exec] exec_with_resource for session %lld: resource %lld:%s (read %zu, write %zu)",
		     sess != nullptr ? static_cast<long long>(sess->id) : 0LL, static_cast<long long>(resource->id),
		     fn_symbol, nr_read, nr_write);

	std::shared_ptr<LoadedLib> lib;
	if (const int ret = resource_library(resource, lib); ret != VACCEL_OK)
		return ret;
	vaccel_blob *main_blob = resource->blobs[resource->nr_blobs - 1];
	const char *where = main_blob->name != nullptr ? main_blob->name : "resource library";
	return call_symbol(lib->main_handle(), where, fn_symbol, read, nr_read, write, nr_write);
}

// ---- resource hooks --------------------------------------------------------------------

int exec_resource_register(vaccel_resource *res, vaccel_session *sess)
{
	if (res == nullptr)
		return VACCEL_EINVAL;
	if (!loaded())
		return VACCEL_ENODEV;
	std::lock_guard guard(state().lock);
	ResourceEntry &entry = state().by_resource[res->id];
	if (entry.owner != res) {
		entry = ResourceEntry{};
		entry.owner = res;
	}
	++entry.registrations;
	vaccel_debug("[exec] Resource %lld registered with session %lld", static_cast<long long>(res->id),
		     sess != nullptr ? static_cast<long long>(sess->id) : 0LL);
	return VACCEL_OK;
}

// Closes the resource's libraries once no session of this plugin uses it
// (unless dlclose is disabled, then they are kept until fini).
int exec_resource_unregister(vaccel_resource *res, vaccel_session *sess)
{
	if (res == nullptr)
		return VACCEL_EINVAL;
	if (!loaded())
		return VACCEL_ENODEV;
	std::shared_ptr<LoadedLib> to_close;
	{
		std::lock_guard guard(state().lock);
		auto it = state().by_resource.find(res->id);
		if (it == state().by_resource.end())
			return VACCEL_OK;
		if (it->second.registrations > 0)
			--it->second.registrations;
		if (it->second.registrations > 0)
			return VACCEL_OK;
		if (it->second.lib && !state().settings.dlclose_on_unregister)
			state().kept.push_back(std::move(it->second.lib));
		else
			to_close = std::move(it->second.lib);
		state().by_resource.erase(it);
	}
	vaccel_debug("[exec] Resource %lld unregistered from session %lld%s", static_cast<long long>(res->id),
		     sess != nullptr ? static_cast<long long>(sess->id) : 0LL,
		     to_close ? ": closing its libraries" : "");
	// dlclose runs here, outside the lock (a library destructor may log).
	return VACCEL_OK;
}

// ---- registration ------------------------------------------------------------------------

} // namespace

static struct vaccel_op exec_ops[] = {
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_NOOP, exec_noop),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_EXEC, exec_exec),
	VACCEL_BOUNDARY_OP(kName, VACCEL_OP_EXEC_WITH_RESOURCE, exec_exec_with_resource),
};

static int exec_init_impl()
{
	auto fresh = std::make_unique<State>();
	fresh->settings = settings_from_env();
	vaccel_debug("[exec] dlopen mode %s, dlclose after exec %s, on unregister %s",
		     mode_name(fresh->settings.dlopen_mode), fresh->settings.dlclose_after_exec ? "yes" : "no",
		     fresh->settings.dlclose_on_unregister ? "yes" : "no");
	// A second init without fini (should not happen) replaces the old state.
	delete g_state.exchange(fresh.release(), std::memory_order_acq_rel);
	return vaccel_plugin_register_ops(exec_ops, sizeof(exec_ops) / sizeof(exec_ops[0]));
}

static int exec_init(void)
{
	return vaccel::plugin::boundary(kName, "init", exec_init_impl);
}

// Closes every library still open (the State destructor releases the last
// references) and frees the state.
static int exec_fini(void)
{
	delete g_state.exchange(nullptr, std::memory_order_acq_rel);
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "exec", .version = VACCEL_VERSION, .vaccel_version = VACCEL_VERSION, .init = exec_init,
	      .fini = exec_fini, .is_virtio = false,
	      .type = static_cast<vaccel_plugin_type_t>(VACCEL_PLUGIN_SOFTWARE | VACCEL_PLUGIN_GENERIC |
							VACCEL_PLUGIN_CPU),
	      .resource_register = vaccel::plugin::at_boundary<kName, kRegister, exec_resource_register>,
	      .resource_unregister = vaccel::plugin::at_boundary<kName, kUnregister, exec_resource_unregister>)
