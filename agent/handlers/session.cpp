// SPDX-License-Identifier: Apache-2.0
// SESSION_CREATE and SESSION_RELEASE: a tenant's host sessions (handlers.hpp).
#include "handlers.hpp"

#include "log.hpp"

namespace vaccel::agent::handlers {

void session_create(Tenant &t, const v1::SessionCreate &m, Reply &r)
{
	if (t.sessions().size() >= t.cfg().max_sessions_per_connection) {
		r.fail(VACCEL_EUSERS, "too many sessions on this connection");
		return;
	}
	vaccel_session *sess = nullptr;
	int ret = vaccel_session_new(&sess, m.flags() & ~static_cast<uint32_t>(VACCEL_PLUGIN_REMOTE));
	if (ret != VACCEL_OK) {
		r.fail(ret, "host session creation failed");
		return;
	}
	if (sess->is_virtio) {
		// The agent must run ops itself; forwarding to another transport would loop.
		vaccel_session_delete(sess);
		r.fail(VACCEL_ENOTSUP, "agent's only plugin is a transport plugin");
		return;
	}
	t.sessions()[sess->id].sess = sess;
	r.resp.mutable_session_created()->set_session_id(sess->id);
	RPC_DEBUG("conn %llu: session %lld created", (unsigned long long)t.id(), (long long)sess->id);
}

void session_release(Tenant &t, const v1::SessionRelease &m, Reply &r)
{
	Tenant::SessionEntry *s = t.find_session(m.session_id(), r);
	if (!s)
		return;
	// Unregister the tenant's resources from the session, destroying unused ones.
	std::vector<int64_t> touched;
	for (auto &[rid, e] : t.resources()) {
		if (e.sessions.erase(m.session_id())) {
			vaccel_resource_unregister(e.res, s->sess);
			touched.push_back(rid);
		}
	}
	int ret = vaccel_session_delete(s->sess);
	t.sessions().erase(m.session_id());
	for (auto rid : touched)
		t.release_resource_if_unused(rid);
	if (ret != VACCEL_OK)
		r.fail(ret, "host session release failed");
}

} // namespace vaccel::agent::handlers
