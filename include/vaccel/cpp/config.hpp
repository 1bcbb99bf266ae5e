// SPDX-License-Identifier: Apache-2.0
// vaccel::Config (owning vaccel_config) and vaccel::Runtime, a scope guard
// that bootstraps the library with a config and cleans it up on exit.
#ifndef VACCEL_CPP_CONFIG_HPP
#define VACCEL_CPP_CONFIG_HPP

#include <optional>
#include <string>
#include <string_view>

#include "../config.h"
#include "../core.h"
#include "../plugin.h"
#include "error.hpp"

namespace vaccel {

namespace detail {
inline const char *c_str_or_null(const std::optional<std::string> &s)
{
	return s ? s->c_str() : nullptr;
}
inline std::string_view view_or_empty(const char *s)
{
	return s ? std::string_view(s) : std::string_view();
}
} // namespace detail

class Config {
public:
	// Library defaults (no plugins, ERROR level, stdout, no profiling).
	Config()
	{
		check(vaccel_config_init(&cfg_, nullptr, VACCEL_LOG_ERROR, nullptr, false, false),
		      "vaccel_config_init");
	}

	Config(const std::optional<std::string> &plugins, vaccel_log_level_t log_level = VACCEL_LOG_ERROR,
	       const std::optional<std::string> &log_file = std::nullopt, bool profiling_enabled = false,
	       bool version_ignore = false)
	{
		check(vaccel_config_init(&cfg_, detail::c_str_or_null(plugins), log_level,
					 detail::c_str_or_null(log_file), profiling_enabled, version_ignore),
		      "vaccel_config_init");
	}

	// The environment's view (VACCEL_PLUGINS, VACCEL_LOG_LEVEL, ...).
	static Config from_env()
	{
		Config cfg(Uninitialised{});
		check(vaccel_config_init_from_env(&cfg.cfg_), "vaccel_config_init_from_env");
		cfg.valid_ = true;
		return cfg;
	}

	// Deep copy of any C config (e.g. the active one, vaccel_config()).
	static Config copy_of(const struct vaccel_config &src)
	{
		Config cfg(Uninitialised{});
		check(vaccel_config_init_from(&cfg.cfg_, &src), "vaccel_config_init_from");
		cfg.valid_ = true;
		return cfg;
	}

	Config(const Config &other) : Config(copy_of(other.cfg_)) {}
	Config &operator=(const Config &other)
	{
		if (this != &other)
			*this = copy_of(other.cfg_);
		return *this;
	}
	Config(Config &&other) noexcept : cfg_(other.cfg_), valid_(other.valid_)
	{
		other.cfg_ = {};
		other.valid_ = false;
	}
	Config &operator=(Config &&other) noexcept
	{
		if (this != &other) {
			reset();
			cfg_ = other.cfg_;
			valid_ = other.valid_;
			other.cfg_ = {};
			other.valid_ = false;
		}
		return *this;
	}
	~Config() { reset(); }

	std::string_view plugins() const { return detail::view_or_empty(cfg_.plugins); }
	vaccel_log_level_t log_level() const { return cfg_.log_level; }
	std::string_view log_file() const { return detail::view_or_empty(cfg_.log_file); }
	bool profiling_enabled() const { return cfg_.profiling_enabled; }
	bool version_ignore() const { return cfg_.version_ignore; }

	const struct vaccel_config *get() const noexcept { return &cfg_; }

private:
	struct Uninitialised {};
	explicit Config(Uninitialised) : valid_(false) {}

	void reset() noexcept
	{
		if (valid_)
			vaccel_config_release(&cfg_);
		valid_ = false;
	}

	struct vaccel_config cfg_ {};
	bool valid_ = true;
};

// Bootstraps the runtime for the lifetime of the object (cleanup in the
// destructor). The runtime is process-global: keep one Runtime at a time.
class Runtime {
public:
	explicit Runtime(const Config &config)
	{
		check(vaccel_bootstrap_with_config(config.get()), "vaccel_bootstrap_with_config");
	}
	// Bootstraps from the environment.
	Runtime() { check(vaccel_bootstrap(), "vaccel_bootstrap"); }
	~Runtime() { vaccel_cleanup(); }
	Runtime(const Runtime &) = delete;
	Runtime &operator=(const Runtime &) = delete;

	static bool initialized() noexcept { return vaccel_is_initialized(); }
	static std::string_view rundir() { return detail::view_or_empty(vaccel_rundir()); }
};

// Loads one plugin at run time (path or library file name).
inline void load_plugin(const std::string &library)
{
	check(vaccel_plugin_load(library.c_str()), "vaccel_plugin_load");
}

inline std::size_t plugin_count() noexcept
{
	return vaccel_plugin_count();
}

} // namespace vaccel

#endif // VACCEL_CPP_CONFIG_HPP
