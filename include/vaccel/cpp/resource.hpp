// SPDX-License-Identifier: Apache-2.0
// vaccel::Resource: a move-only owner of a heap vaccel_resource (models, data,
// libraries). Released (and unregistered from every session) on destruction.
#ifndef VACCEL_CPP_RESOURCE_HPP
#define VACCEL_CPP_RESOURCE_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../resource.h"
#include "error.hpp"

namespace vaccel {

class Resource {
public:
	using Type = vaccel_resource_type_t;

	// From a local path, file:// path, directory or http(s):// URL.
	Resource(const std::string &path, Type type)
	{
		vaccel_resource *raw = nullptr;
		check(vaccel_resource_new(&raw, path.c_str(), type), "vaccel_resource_new");
		res_.reset(raw);
	}

	// From several files or URLs of one kind (e.g. a LIB with dependencies,
	// dependencies first).
	static Resource from_paths(const std::vector<std::string> &paths, Type type)
	{
		std::vector<const char *> c_paths;
		c_paths.reserve(paths.size());
		for (const auto &p : paths)
			c_paths.push_back(p.c_str());
		vaccel_resource *raw = nullptr;
		check(vaccel_resource_multi_new(&raw, c_paths.data(), c_paths.size(), type),
		      "vaccel_resource_multi_new");
		return Resource(raw);
	}

	// From bytes (copied). mem_only=false persists them under the resource
	// rundir as `filename` (random name if none).
	static Resource from_buffer(std::span<const std::byte> bytes, Type type,
				    const std::optional<std::string> &filename = std::nullopt, bool mem_only = false)
	{
		vaccel_resource *raw = nullptr;
		check(vaccel_resource_from_buf(&raw, bytes.data(), bytes.size(), type,
					       filename ? filename->c_str() : nullptr, mem_only),
		      "vaccel_resource_from_buf");
		return Resource(raw);
	}

	// From blobs (copied by the runtime).
	static Resource from_blobs(std::span<const vaccel_blob *const> blobs, Type type)
	{
		std::vector<const vaccel_blob *> list(blobs.begin(), blobs.end());
		vaccel_resource *raw = nullptr;
		check(vaccel_resource_from_blobs(&raw, list.data(), list.size(), type), "vaccel_resource_from_blobs");
		return Resource(raw);
	}

	Resource(Resource &&) noexcept = default;
	Resource &operator=(Resource &&) noexcept = default;

	vaccel_resource *get() const noexcept { return res_.get(); }
	explicit operator bool() const noexcept { return res_ != nullptr; }

	vaccel_id_t id() const noexcept { return res_->id; }
	vaccel_id_t remote_id() const noexcept { return res_->remote_id; }
	Type type() const noexcept { return res_->type; }
	vaccel_path_type_t path_type() const noexcept { return res_->path_type; }
	// Number of sessions the resource is registered with.
	long refcount() const noexcept { return vaccel_resource_refcount(res_.get()); }

	std::vector<std::string_view> paths() const
	{
		std::vector<std::string_view> out;
		for (std::size_t i = 0; i < res_->nr_paths; ++i)
			out.emplace_back(res_->paths[i]);
		return out;
	}

	std::span<vaccel_blob *const> blobs() const noexcept
	{
		if (res_->blobs == nullptr)
			return {};
		return {res_->blobs, res_->nr_blobs};
	}

	// Directory of a directory resource (throws Error(VACCEL_ENOTSUP) otherwise).
	std::string directory() const
	{
		char *alloc = nullptr;
		check(vaccel_resource_directory(res_.get(), nullptr, 0, &alloc), "vaccel_resource_directory");
		std::unique_ptr<char, void (*)(void *)> owner(alloc, &std::free);
		return std::string(alloc ? alloc : "");
	}

private:
	explicit Resource(vaccel_resource *raw) : res_(raw) {}

	struct Deleter {
		void operator()(vaccel_resource *r) const noexcept { vaccel_resource_delete(r); }
	};
	std::unique_ptr<vaccel_resource, Deleter> res_;
};

} // namespace vaccel

#endif // VACCEL_CPP_RESOURCE_HPP
