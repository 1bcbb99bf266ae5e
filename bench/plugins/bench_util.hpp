// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the torch and blas plugin benchmarks: timing, medians, memory.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace vaccel::bench {

inline double now_ms()
{
	using namespace std::chrono;
	return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> v)
{
	if (v.empty())
		return 0.0;
	std::sort(v.begin(), v.end());
	const size_t n = v.size();
	return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline double minimum(const std::vector<double> &v)
{
	return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

// A field of /proc/self/status in KiB (VmRSS: current, VmHWM: peak), or -1.
inline long proc_status_kib(const char *field)
{
	std::ifstream in("/proc/self/status");
	std::string line;
	const std::string key = std::string(field) + ":";
	while (std::getline(in, line))
		if (line.rfind(key, 0) == 0)
			return std::strtol(line.c_str() + key.size(), nullptr, 10);
	return -1;
}

inline double mib(long kib)
{
	return static_cast<double>(kib) / 1024.0;
}

inline std::string env_or(const char *name, const std::string &fallback)
{
	const char *v = std::getenv(name);
	return (v != nullptr && *v != '\0') ? v : fallback;
}

} // namespace vaccel::bench
