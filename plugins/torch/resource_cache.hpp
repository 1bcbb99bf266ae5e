// Per-resource cache of loaded objects (TorchScript modules, label lists) for the torch plugin.
//
// Each object is loaded once per resource id, even when several threads ask at the same time,
// and dropped when the last session that used it unregisters the resource.  The loader runs
// outside the cache-wide lock, so loading one model never blocks lookups of another.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace vaccel::torch_plugin {

template <class T>
class ResourceCache {
public:
	using Id = int64_t;

	// The cached object of resource `res`, created by `load()` on first use (load may throw;
	// then nothing is cached and the next call retries).  Records that session `sess` uses it.
	template <class Loader>
	std::shared_ptr<const T> get_or_load(Id res, Id sess, Loader &&load)
	{
		std::shared_ptr<Slot> slot;
		{
			std::lock_guard lock(mu_);
			auto &entry = slots_[res];
			if (!entry)
				entry = std::make_shared<Slot>();
			entry->sessions.insert(sess);
			slot = entry;
		}
		std::lock_guard load_lock(slot->load_mu);
		if (!slot->object)
			slot->object = load();
		return slot->object;
	}

	// Session `sess` no longer uses resource `res`; the object goes when no session is left.
	// Callers still holding the shared_ptr keep it alive until they finish.
	void forget(Id res, Id sess)
	{
		std::lock_guard lock(mu_);
		auto it = slots_.find(res);
		if (it == slots_.end())
			return;
		it->second->sessions.erase(sess);
		if (it->second->sessions.empty())
			slots_.erase(it);
	}

	void clear()
	{
		std::lock_guard lock(mu_);
		slots_.clear();
	}

	[[nodiscard]] size_t size() const
	{
		std::lock_guard lock(mu_);
		return slots_.size();
	}

private:
	struct Slot {
		std::mutex load_mu;  // serialises the one-time load
		std::shared_ptr<const T> object;
		std::set<Id> sessions;  // guarded by the cache's mu_
	};

	mutable std::mutex mu_;
	std::map<Id, std::shared_ptr<Slot>> slots_;
};

}  // namespace vaccel::torch_plugin
