// SPDX-License-Identifier: Apache-2.0
// One client's sessions and resources: lookups, profiling samples and release (tenant.hpp).
#include "tenant.hpp"

#include <time.h>

#include <filesystem>

namespace vaccel::agent {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxProfSamples = 10000;

} // namespace

uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Tenant::Tenant(Agent &agent, uint64_t id, ByteBudget &budget)
    : agent_(agent), cfg_(agent.config()), id_(id), budget_(budget)
{
}

Tenant::~Tenant()
{
	release_all();
}

Tenant::SessionEntry *Tenant::find_session(int64_t id, Reply &r)
{
	auto it = sessions_.find(id);
	if (it == sessions_.end()) {
		// Ids of other tenants are indistinguishable from unknown ones on purpose.
		r.fail(VACCEL_ENOENT, "unknown session " + std::to_string(id));
		return nullptr;
	}
	return &it->second;
}

Tenant::ResourceEntry *Tenant::find_resource(int64_t id, Reply &r)
{
	auto it = resources_.find(id);
	if (it == resources_.end()) {
		r.fail(VACCEL_ENOENT, "unknown resource " + std::to_string(id));
		return nullptr;
	}
	return &it->second;
}

vaccel_resource *Tenant::find_model(int64_t sess_id, int64_t model_id, SessionEntry *&s, Reply &r)
{
	s = find_session(sess_id, r);
	if (!s)
		return nullptr;
	ResourceEntry *e = find_resource(model_id, r);
	if (!e)
		return nullptr;
	return e->res;
}

std::string Tenant::new_resource_dir()
{
	return "c" + std::to_string(id_) + "/r" + std::to_string(next_res_dir_++);
}

void Tenant::release_resource_if_unused(int64_t id)
{
	auto it = resources_.find(id);
	if (it == resources_.end() || !it->second.sessions.empty())
		return;
	vaccel_resource_delete(it->second.res);
	std::error_code ec;
	if (!it->second.dir.empty())
		fs::remove_all(it->second.dir, ec);
	resources_.erase(it); // gives its charges back
}

void Tenant::record_sample(SessionEntry &s, const std::string &region, uint64_t start_ns, uint64_t dur_ns)
{
	std::lock_guard lock(prof_lock_);
	auto &samples = s.prof[region].samples;
	if (samples.size() >= kMaxProfSamples)
		return; // bounded: the first kMaxProfSamples calls per region are kept
	v1::ProfSample ps;
	ps.set_start(start_ns);
	ps.set_time(dur_ns);
	samples.push_back(ps);
}

void Tenant::copy_samples(SessionEntry &s, v1::ProfilingData &out)
{
	std::lock_guard lock(prof_lock_);
	for (auto &[name, reg] : s.prof) {
		auto *pr = out.add_regions();
		pr->set_name("vaccel-agent " + name);
		for (auto &smp : reg.samples)
			*pr->add_samples() = smp;
	}
}

void Tenant::release_all()
{
	for (auto &[sid, s] : sessions_) {
		for (auto &[rid, e] : resources_)
			if (e.sessions.erase(sid))
				vaccel_resource_unregister(e.res, s.sess);
		vaccel_session_delete(s.sess);
	}
	sessions_.clear();
	for (auto &[rid, e] : resources_) {
		vaccel_resource_delete(e.res);
		std::error_code ec;
		if (!e.dir.empty())
			fs::remove_all(e.dir, ec);
	}
	resources_.clear();
	std::error_code ec;
	fs::remove_all(agent_.spool_dir() + "/c" + std::to_string(id_), ec);
}

} // namespace vaccel::agent
