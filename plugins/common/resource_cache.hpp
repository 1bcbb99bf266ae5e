// SPDX-License-Identifier: Apache-2.0
// Per-resource cache of loaded engines (models, label lists) shared by the image plugins
// (onnx, tflite, torch).
//
// An object is loaded once per resource id even when several sessions ask at the same time, and
// dropped when the last session that used it lets go (resource_unregister / model unload).
// Loading runs outside the cache-wide lock, so loading one model never blocks users of another.
// Plain C++ (no vAccel types): ids are the resource and session ids.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace vaccel::plugin {

template <class T>
class ResourceCache {
public:
	using Id = int64_t;

	// The object of resource `res`, made by `load()` (returns std::shared_ptr<T>; nullptr or an
	// exception on failure: nothing is cached, the exception propagates, and the next call
	// retries).  Records that `sess` uses it.  T may be const (e.g. a model shared read-only).
	template <class Loader>
	std::shared_ptr<T> get_or_load(Id res, Id sess, Loader &&load)
	{
		std::shared_ptr<Slot> slot;
		{
			std::lock_guard lock(mu_);
			auto &entry = slots_[res];
			if (!entry)
				entry = std::make_shared<Slot>();
			slot = entry;
		}
		std::shared_ptr<T> object;
		try {
			std::lock_guard load_lock(slot->load_mu);
			if (!slot->object)
				slot->object = load();
			object = slot->object;
		} catch (...) {
			drop_if_unused(res, slot);
			throw;
		}
		if (!object) {
			drop_if_unused(res, slot);
			return nullptr;
		}
		std::lock_guard lock(mu_);
		auto it = slots_.find(res);
		if (it == slots_.end() || it->second != slot)
			it = slots_.insert_or_assign(res, slot).first; // forgotten while loading
		slot->sessions.insert(sess);
		return object;
	}

	// The object of `res` if loaded, without loading or recording a user.
	std::shared_ptr<T> find(Id res) const
	{
		std::shared_ptr<Slot> slot;
		{
			std::lock_guard lock(mu_);
			auto it = slots_.find(res);
			if (it == slots_.end())
				return nullptr;
			slot = it->second;
		}
		std::lock_guard load_lock(slot->load_mu);
		return slot->object;
	}

	// Session `sess` no longer uses `res`; the object is released when no session is left
	// (callers still holding the shared_ptr keep it alive until they finish).
	// Returns true if the object was dropped.
	bool forget(Id res, Id sess)
	{
		std::lock_guard lock(mu_);
		auto it = slots_.find(res);
		if (it == slots_.end())
			return false;
		it->second->sessions.erase(sess);
		if (!it->second->sessions.empty())
			return false;
		slots_.erase(it);
		return true;
	}

	// Whether `sess` currently uses `res`.
	bool used_by(Id res, Id sess) const
	{
		std::lock_guard lock(mu_);
		auto it = slots_.find(res);
		return it != slots_.end() && it->second->sessions.count(sess) != 0;
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
		mutable std::mutex load_mu; // serialises the one-time load
		std::shared_ptr<T> object;
		std::set<Id> sessions; // guarded by the cache's mu_
	};

	// After a failed load: remove the empty slot unless another session already holds it.
	void drop_if_unused(Id res, const std::shared_ptr<Slot> &slot)
	{
		std::lock_guard lock(mu_);
		auto it = slots_.find(res);
		if (it != slots_.end() && it->second == slot && slot->sessions.empty())
			slots_.erase(it);
	}

	mutable std::mutex mu_;
	std::map<Id, std::shared_ptr<Slot>> slots_;
};

} // namespace vaccel::plugin
