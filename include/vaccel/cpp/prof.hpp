// SPDX-License-Identifier: Apache-2.0
// vaccel::ProfRegion (owning vaccel_prof_region) and a scoped sample guard.
// Like the C API, everything is a no-op unless profiling is enabled.
#ifndef VACCEL_CPP_PROF_HPP
#define VACCEL_CPP_PROF_HPP

#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "../prof.h"
#include "error.hpp"

namespace vaccel {

class ProfRegion {
public:
	explicit ProfRegion(const std::string &name)
	{
		check(vaccel_prof_region_init(&region_, name.c_str()), "vaccel_prof_region_init");
		valid_ = true;
	}
	ProfRegion(ProfRegion &&o) noexcept : region_(o.region_), valid_(std::exchange(o.valid_, false))
	{
		o.region_ = {};
	}
	ProfRegion &operator=(ProfRegion &&o) noexcept
	{
		if (this != &o) {
			reset();
			region_ = o.region_;
			valid_ = std::exchange(o.valid_, false);
			o.region_ = {};
		}
		return *this;
	}
	ProfRegion(const ProfRegion &) = delete;
	ProfRegion &operator=(const ProfRegion &) = delete;
	~ProfRegion() { reset(); }

	void start() { check(vaccel_prof_region_start(&region_), "vaccel_prof_region_start"); }
	void stop() { check(vaccel_prof_region_stop(&region_), "vaccel_prof_region_stop"); }
	void print() const { check(vaccel_prof_region_print(&region_), "vaccel_prof_region_print"); }

	std::span<const vaccel_prof_sample> samples() const noexcept
	{
		if (region_.samples == nullptr)
			return {};
		return {region_.samples, region_.nr_entries};
	}
	std::uint64_t total_ns() const noexcept
	{
		std::uint64_t total = 0;
		for (const auto &s : samples())
			total += s.time;
		return total;
	}
	const vaccel_prof_region *get() const noexcept { return &region_; }

	// Times the enclosing scope as one sample.
	class Scope {
	public:
		explicit Scope(ProfRegion &r) : region_(r) { region_.start(); }
		~Scope() { vaccel_prof_region_stop(&region_.region_); }
		Scope(const Scope &) = delete;
		Scope &operator=(const Scope &) = delete;

	private:
		ProfRegion &region_;
	};
	Scope scope() { return Scope(*this); }

private:
	void reset() noexcept
	{
		if (valid_)
			vaccel_prof_region_release(&region_);
		valid_ = false;
	}
	vaccel_prof_region region_{};
	bool valid_ = false;
};

inline bool profiling_enabled() noexcept
{
	return vaccel_prof_enabled();
}

} // namespace vaccel

#endif // VACCEL_CPP_PROF_HPP
