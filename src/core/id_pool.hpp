// SPDX-License-Identifier: Apache-2.0
// Thread-safe pool of object ids 1..capacity. The lowest free id is handed
// out, so released ids are reused and the first object gets id 1.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "vaccel/id.h"

namespace vaccel::core {

class IdPool {
public:
	explicit IdPool(std::size_t capacity) : used_(capacity, false) {}

	// Next free id, or 0 if all are taken.
	vaccel_id_t acquire()
	{
		std::lock_guard lock(mutex_);
		for (std::size_t i = next_hint_; i < used_.size(); ++i) {
			if (!used_[i]) {
				used_[i] = true;
				next_hint_ = i + 1;
				return static_cast<vaccel_id_t>(i + 1);
			}
		}
		return 0;
	}

	// Returns `id` to the pool; ignores ids that are not taken.
	void release(vaccel_id_t id)
	{
		std::lock_guard lock(mutex_);
		if (id < 1 || static_cast<std::size_t>(id) > used_.size())
			return;
		std::size_t idx = static_cast<std::size_t>(id - 1);
		used_[idx] = false;
		if (idx < next_hint_)
			next_hint_ = idx;
	}

	void reset()
	{
		std::lock_guard lock(mutex_);
		used_.assign(used_.size(), false);
		next_hint_ = 0;
	}

	std::size_t capacity() const { return used_.size(); }

private:
	std::mutex mutex_;
	std::vector<bool> used_;
	std::size_t next_hint_ = 0; // every id below this one is taken
};

} // namespace vaccel::core
