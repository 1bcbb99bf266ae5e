// SPDX-License-Identifier: Apache-2.0
// Runtime configuration: explicit values, environment (with the legacy
// variable names of older vaccelrt releases) and deep copies.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "config_internal.hpp"
#include "utils_internal.hpp"
#include "vaccel/config.h"

namespace {

using vaccel::core::dup_cstr;

void set_defaults(struct vaccel_config *cfg)
{
	cfg->plugins = nullptr;
	cfg->log_level = VACCEL_LOG_ERROR;
	cfg->log_file = nullptr;
	cfg->profiling_enabled = false;
	cfg->version_ignore = false;
}

bool level_in_range(long level)
{
	return level >= VACCEL_LOG_ERROR && level <= VACCEL_LOG_TRACE; // TRACE = MAX = 5
}

// Value of `name`, or of its legacy spelling (with a deprecation warning).
std::optional<std::string> env_value(const char *name, const char *legacy, bool warn)
{
	if (const char *v = getenv(name))
		return std::string(v);
	if (legacy) {
		if (const char *v = getenv(legacy)) {
			if (warn)
				vaccel_warn("%s is deprecated; use %s instead", legacy, name);
			return std::string(v);
		}
	}
	return std::nullopt;
}

// Booleans: "1"/"true"/"yes"/"on" or any non-zero number are true.
std::optional<bool> parse_bool(const std::string &value)
{
	std::string v;
	for (char c : value)
		v.push_back(static_cast<char>(tolower(static_cast<unsigned char>(c))));
	if (v == "true" || v == "yes" || v == "on")
		return true;
	if (v == "false" || v == "no" || v == "off" || v.empty())
		return false;
	char *end = nullptr;
	errno = 0;
	unsigned long n = strtoul(v.c_str(), &end, 10);
	if (errno || !end || *end != '\0')
		return std::nullopt;
	return n != 0;
}

int fill(struct vaccel_config *cfg, const char *plugins, vaccel_log_level_t log_level, const char *log_file,
	 bool profiling_enabled, bool version_ignore)
{
	char *p = dup_cstr(plugins);
	char *f = nullptr;
	try {
		f = dup_cstr(log_file);
	} catch (...) {
		free(p);
		throw;
	}
	cfg->plugins = p;
	cfg->log_level = log_level;
	cfg->log_file = f;
	cfg->profiling_enabled = profiling_enabled;
	cfg->version_ignore = version_ignore;
	return VACCEL_OK;
}

} // namespace

namespace vaccel::core {

int config_init_from_env(struct vaccel_config *cfg, bool warn)
{
	if (!cfg)
		return VACCEL_EINVAL;

	std::string plugins;
	bool have_plugins = false;
	if (auto v = env_value("VACCEL_PLUGINS", "VACCEL_BACKENDS", warn)) {
		plugins = *v;
		have_plugins = true;
	}

	auto level = VACCEL_LOG_ERROR;
	if (auto v = env_value("VACCEL_LOG_LEVEL", "VACCEL_DEBUG_LEVEL", warn)) {
		char *end = nullptr;
		errno = 0;
		long n = strtol(v->c_str(), &end, 10);
		if (errno == 0 && end && *end == '\0' && level_in_range(n))
			level = static_cast<vaccel_log_level_t>(n);
		else if (warn)
			vaccel_error("Ignoring invalid VACCEL_LOG_LEVEL '%s' (expected 1-4, or 5 for trace)",
				     v->c_str());
	}

	std::string log_file;
	bool have_log_file = false;
	if (auto v = env_value("VACCEL_LOG_FILE", nullptr, warn); v && !v->empty()) {
		log_file = *v;
		have_log_file = true;
	}

	auto parse_flag = [warn](const char *name, const char *legacy) {
		auto v = env_value(name, legacy, warn);
		if (!v)
			return false;
		auto b = parse_bool(*v);
		if (!b) {
			if (warn)
				vaccel_error("Ignoring invalid %s '%s' (expected 0/1/true/false)", name, v->c_str());
			return false;
		}
		return *b;
	};
	bool profiling = parse_flag("VACCEL_PROFILING_ENABLED", "VACCEL_PROF_ENABLED");
	bool version_ignore = parse_flag("VACCEL_VERSION_IGNORE", "VACCEL_IGNORE_VERSION");

	return fill(cfg, have_plugins ? plugins.c_str() : nullptr, level, have_log_file ? log_file.c_str() : nullptr,
		    profiling, version_ignore);
}

bool env_flag_disabled(const char *name)
{
	const char *v = getenv(name);
	if (!v)
		return false;
	auto b = parse_bool(v);
	return b.has_value() && !*b;
}

} // namespace vaccel::core

extern "C" {

int vaccel_config_init(struct vaccel_config *config, const char *plugins, vaccel_log_level_t log_level,
		       const char *log_file, bool profiling_enabled, bool version_ignore)
{
	return vaccel::core::guard(__func__, [&] {
		if (!config || !level_in_range(vaccel::core::enum_raw(log_level)))
			return static_cast<int>(VACCEL_EINVAL);
		return fill(config, plugins, log_level, log_file, profiling_enabled, version_ignore);
	});
}

int vaccel_config_init_from_env(struct vaccel_config *config)
{
	return vaccel::core::guard(__func__, [&] { return vaccel::core::config_init_from_env(config, true); });
}

int vaccel_config_init_from(struct vaccel_config *config, const struct vaccel_config *src)
{
	return vaccel::core::guard(__func__, [&] {
		if (!config || !src)
			return static_cast<int>(VACCEL_EINVAL);
		return fill(config, src->plugins, src->log_level, src->log_file, src->profiling_enabled,
			    src->version_ignore);
	});
}

int vaccel_config_release(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;
	free(config->plugins);
	free(config->log_file);
	set_defaults(config);
	return VACCEL_OK;
}

int vaccel_config_new(struct vaccel_config **config, const char *plugins, vaccel_log_level_t log_level,
		      const char *log_file, bool profiling_enabled, bool version_ignore)
{
	if (!config)
		return VACCEL_EINVAL;
	auto *c = static_cast<struct vaccel_config *>(calloc(1, sizeof(struct vaccel_config)));
	if (!c)
		return VACCEL_ENOMEM;
	int ret = vaccel_config_init(c, plugins, log_level, log_file, profiling_enabled, version_ignore);
	if (ret) {
		free(c);
		return ret;
	}
	*config = c;
	return VACCEL_OK;
}

int vaccel_config_from_env(struct vaccel_config **config)
{
	if (!config)
		return VACCEL_EINVAL;
	auto *c = static_cast<struct vaccel_config *>(calloc(1, sizeof(struct vaccel_config)));
	if (!c)
		return VACCEL_ENOMEM;
	int ret = vaccel_config_init_from_env(c);
	if (ret) {
		free(c);
		return ret;
	}
	*config = c;
	return VACCEL_OK;
}

int vaccel_config_from(struct vaccel_config **config, const struct vaccel_config *src)
{
	if (!config || !src)
		return VACCEL_EINVAL;
	auto *c = static_cast<struct vaccel_config *>(calloc(1, sizeof(struct vaccel_config)));
	if (!c)
		return VACCEL_ENOMEM;
	int ret = vaccel_config_init_from(c, src);
	if (ret) {
		free(c);
		return ret;
	}
	*config = c;
	return VACCEL_OK;
}

int vaccel_config_delete(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;
	vaccel_config_release(config);
	free(config);
	return VACCEL_OK;
}

void vaccel_config_print_debug(const struct vaccel_config *config)
{
	if (!config || !vaccel_log_enabled(VACCEL_LOG_DEBUG))
		return;
	vaccel_debug("Config:");
	vaccel_debug("  plugins = %s", config->plugins ? config->plugins : "(none)");
	vaccel_debug("  log_level = %d", static_cast<int>(config->log_level));
	vaccel_debug("  log_file = %s", config->log_file ? config->log_file : "(stdout)");
	vaccel_debug("  profiling_enabled = %s", config->profiling_enabled ? "true" : "false");
	vaccel_debug("  version_ignore = %s", config->version_ignore ? "true" : "false");
}

} // extern "C"
