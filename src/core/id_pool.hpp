// SPDX-License-Identifier: Apache-2.0
// Thread-safe pool of object ids 1..capacity. The lowest free id is handed
// out, so released ids are reused and the first object gets id 1.
// One bit per id, scanned 64 at a time: a pool of 262144 ids costs 32 KiB and
// an acquire at most 4096 word reads, so pools can be sized for many tenants
// (a remote agent) without making local applications pay for it.
#pragma once

#include <bit>
#include <cstdint>
#include <mutex>
#include <vector>

#include "vaccel/id.h"

namespace vaccel::core {

class IdPool {
public:
	explicit IdPool(std::size_t capacity) : capacity_(capacity), words_((capacity + 63) / 64, 0) {}

	// Next free id, or 0 if all are taken.
	vaccel_id_t acquire()
	{
		std::lock_guard lock(mutex_);
		for (std::size_t w = next_word_; w < words_.size(); ++w) {
			if (words_[w] == ~uint64_t{0})
				continue;
			std::size_t idx = w * 64 + static_cast<std::size_t>(std::countr_one(words_[w]));
			if (idx >= capacity_)
				break; // only the padding bits of the last word are clear
			words_[w] |= uint64_t{1} << (idx % 64);
			next_word_ = w;
			return static_cast<vaccel_id_t>(idx + 1);
		}
		next_word_ = words_.size();
		return 0;
	}

	// Returns `id` to the pool; ignores ids that are not taken.
	void release(vaccel_id_t id)
	{
		std::lock_guard lock(mutex_);
		if (id < 1 || static_cast<std::size_t>(id) > capacity_)
			return;
		std::size_t idx = static_cast<std::size_t>(id - 1);
		words_[idx / 64] &= ~(uint64_t{1} << (idx % 64));
		if (idx / 64 < next_word_)
			next_word_ = idx / 64;
	}

	void reset()
	{
		std::lock_guard lock(mutex_);
		words_.assign(words_.size(), 0);
		next_word_ = 0;
	}

	std::size_t capacity() const { return capacity_; }

private:
	std::mutex mutex_;
	std::size_t capacity_;
	std::vector<uint64_t> words_; // bit i of word w set: id w*64+i+1 is taken
	std::size_t next_word_ = 0;   // every word below this one is full
};

} // namespace vaccel::core
