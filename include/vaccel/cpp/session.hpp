// SPDX-License-Identifier: Apache-2.0
// vaccel::Session: a move-only owner of a heap vaccel_session bound to one
// plugin (chosen by the flags, see vaccel/session.h).
#ifndef VACCEL_CPP_SESSION_HPP
#define VACCEL_CPP_SESSION_HPP

#include <cstdint>
#include <memory>
#include <string_view>

#include "../plugin.h"
#include "../session.h"
#include "error.hpp"
#include "resource.hpp"

namespace vaccel {

class Session {
public:
	// flags: vaccel_plugin_type_t bits as a hint, optionally | VACCEL_PLUGIN_REMOTE.
	explicit Session(std::uint32_t flags = 0)
	{
		vaccel_session *raw = nullptr;
		check(vaccel_session_new(&raw, flags), "vaccel_session_new");
		sess_.reset(raw);
	}

	// Like Session(flags), but the type bits are a requirement, not a hint:
	// where the C API falls back to a default plugin (vAccel 0.8), this
	// throws vaccel::Error with VACCEL_ENOTSUP.
	static Session strict(std::uint32_t flags)
	{
		Session s(flags);
		const std::uint32_t type_bits = flags & ~static_cast<std::uint32_t>(VACCEL_PLUGIN_REMOTE);
		const vaccel_plugin *p = s.sess_->plugin;
		if (type_bits != 0 && (p == nullptr || p->info == nullptr ||
				       (static_cast<std::uint32_t>(p->info->type) & type_bits) == 0))
			check(VACCEL_ENOTSUP, "vaccel::Session::strict (no plugin of the requested type)");
		return s;
	}

	Session(Session &&) noexcept = default;
	Session &operator=(Session &&) noexcept = default;

	vaccel_session *get() const noexcept { return sess_.get(); }
	explicit operator bool() const noexcept { return sess_ != nullptr; }

	vaccel_id_t id() const noexcept { return sess_->id; }
	vaccel_id_t remote_id() const noexcept { return sess_->remote_id; }
	std::uint32_t hint() const noexcept { return sess_->hint; }
	bool is_remote() const noexcept { return sess_->is_virtio; }

	// Name of the plugin serving this session.
	std::string_view plugin_name() const noexcept
	{
		const vaccel_plugin *p = sess_->plugin;
		if (p == nullptr || p->info == nullptr || p->info->name == nullptr)
			return {};
		return p->info->name;
	}

	void register_resource(Resource &res)
	{
		check(vaccel_resource_register(res.get(), sess_.get()), "vaccel_resource_register");
	}
	void unregister_resource(Resource &res)
	{
		check(vaccel_resource_unregister(res.get(), sess_.get()), "vaccel_resource_unregister");
	}
	bool has_resource(const Resource &res) const noexcept
	{
		return vaccel_session_has_resource(sess_.get(), res.get());
	}

private:
	struct Deleter {
		void operator()(vaccel_session *s) const noexcept { vaccel_session_delete(s); }
	};
	std::unique_ptr<vaccel_session, Deleter> sess_;
};

} // namespace vaccel

#endif // VACCEL_CPP_SESSION_HPP
