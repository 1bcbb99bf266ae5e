// SPDX-License-Identifier: Apache-2.0
#include "spool.hpp"

#include "log.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace vaccel::agent {

int open_spool(const std::string &workdir, common::OwnedDir &spool)
{
	if (size_t n = common::remove_abandoned_dirs(workdir, kSpoolPrefix))
		RPC_INFO("removed %zu spool director%s left by agents that are gone", n, n == 1 ? "y" : "ies");
	if (int e = spool.create(workdir, kSpoolPrefix)) {
		RPC_ERROR("cannot create spool directory under %s: %s", workdir.c_str(), strerror(e));
		return e;
	}
	return 0;
}

int make_private_dirs(const std::string &spool, const std::string &relative)
{
	std::string path = spool;
	size_t pos = 0;
	while (pos < relative.size()) {
		size_t slash = relative.find('/', pos);
		if (slash == std::string::npos)
			slash = relative.size();
		if (slash > pos) {
			path += "/" + relative.substr(pos, slash - pos);
			if (::mkdir(path.c_str(), 0700) == 0) {
				// mkdir's mode passes through the umask; the spool's modes must not.
				if (::chmod(path.c_str(), 0700) != 0)
					return errno;
			} else if (errno != EEXIST) {
				return errno;
			}
		}
		pos = slash + 1;
	}
	return 0;
}

} // namespace vaccel::agent
