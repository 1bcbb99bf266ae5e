// SPDX-License-Identifier: Apache-2.0
#include "worker_uids.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vaccel::agent {

namespace {

bool parse_u32(const std::string &s, uint64_t max, uint64_t &out)
{
	if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
		return false;
	out = strtoull(s.c_str(), nullptr, 10);
	return out <= max;
}

bool overlaps(const UidRange &r, uint64_t id)
{
	return id >= r.first && id - r.first < r.count;
}

// Whether [first, first + count) lies inside one line of a /proc/self/{uid,gid}_map (true when
// the file cannot be read: no user namespace information, the switch itself will tell).
bool mapped(const char *map_file, const UidRange &r)
{
	std::ifstream f(map_file);
	if (!f)
		return true;
	for (std::string line; std::getline(f, line);) {
		std::istringstream ss(line);
		uint64_t inside = 0, outside = 0, n = 0;
		if (ss >> inside >> outside >> n && r.first >= inside && uint64_t(r.first) + r.count <= inside + n)
			return true;
	}
	return false;
}

// The first user (or group) of the host's databases whose id lies in the range ("" when none).
std::string known_user_in(const UidRange &r)
{
	std::string found;
	setpwent();
	for (int i = 0; i < 1000000 && found.empty(); ++i) { // bounded: a huge NSS directory
		const passwd *pw = getpwent();
		if (!pw)
			break;
		if (overlaps(r, pw->pw_uid))
			found = "user " + std::string(pw->pw_name) + " (" + std::to_string(pw->pw_uid) + ")";
	}
	endpwent();
	setgrent();
	for (int i = 0; i < 1000000 && found.empty(); ++i) {
		const group *gr = getgrent();
		if (!gr)
			break;
		if (overlaps(r, gr->gr_gid))
			found = "group " + std::string(gr->gr_name) + " (" + std::to_string(gr->gr_gid) + ")";
	}
	endgrent();
	return found;
}

} // namespace

bool parse_uid_range(const char *text, UidRange &out, std::string &why)
{
	const std::string s(text);
	const size_t colon = s.find(':');
	uint64_t first = 0, count = 0;
	if (colon == std::string::npos || !parse_u32(s.substr(0, colon), UINT32_MAX, first) ||
	    !parse_u32(s.substr(colon + 1), UINT32_MAX, count)) {
		why = "expected FIRST:COUNT (decimal uids)";
		return false;
	}
	if (count == 0 || count > kMaxUidRange) {
		why = "COUNT must be 1 to " + std::to_string(kMaxUidRange);
		return false;
	}
	if (first == 0) {
		why = "it holds uid 0 (root)";
		return false;
	}
	// (uid_t)-1 means "no change" to setuid(): never a worker's uid.
	if (first + count - 1 >= UINT32_MAX) {
		why = "the range must lie within 1 .. " + std::to_string(UINT32_MAX - 1);
		return false;
	}
	out.first = static_cast<uid_t>(first);
	out.count = static_cast<uint32_t>(count);
	return true;
}

std::string check_uid_range(const UidRange &r, size_t needed)
{
	for (uint64_t own : {uint64_t(getuid()), uint64_t(geteuid()), uint64_t(getgid()), uint64_t(getegid())})
		if (overlaps(r, own))
			return "it holds the agent's own uid or gid " + std::to_string(own);
	if (r.count < needed)
		return "it holds " + std::to_string(r.count) + " ids, fewer than the " + std::to_string(needed) +
		       " workers that may be alive at once (--max-connections + --prefork)";
	if (!mapped("/proc/self/uid_map", r) || !mapped("/proc/self/gid_map", r))
		return "it is not mapped in the agent's user namespace (/proc/self/uid_map, gid_map)";
	if (std::string known = known_user_in(r); !known.empty())
		return "it holds the " + known + " of this host; give a range no user or group has";
	return {};
}

WorkerUids::WorkerUids(UidRange range) : range_(range), held_(range.count, false) {}

std::optional<uid_t> WorkerUids::acquire()
{
	for (size_t i = 0; i < held_.size(); ++i) {
		const size_t k = (next_ + i) % held_.size();
		if (!held_[k]) {
			held_[k] = true;
			next_ = (k + 1) % held_.size();
			return static_cast<uid_t>(range_.first + k);
		}
	}
	return std::nullopt;
}

void WorkerUids::release(uid_t uid)
{
	if (uid >= range_.first && uid - range_.first < range_.count)
		held_[uid - range_.first] = false;
}

} // namespace vaccel::agent
