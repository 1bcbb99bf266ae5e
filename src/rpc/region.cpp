// SPDX-License-Identifier: Apache-2.0
#include "region.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <cerrno>
#include <utility>

namespace vaccel::rpc {
namespace {
constexpr size_t kMinMapping = 64 * 1024;
constexpr size_t kHugeHint = 4 * 1024 * 1024;
} // namespace

GrowableRegion::GrowableRegion(GrowableRegion &&o) noexcept
    : base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0))
{
}

GrowableRegion &GrowableRegion::operator=(GrowableRegion &&o) noexcept
{
	if (this != &o) {
		release();
		base_ = std::exchange(o.base_, nullptr);
		size_ = std::exchange(o.size_, 0);
		cap_ = std::exchange(o.cap_, 0);
	}
	return *this;
}

GrowableRegion::~GrowableRegion()
{
	release();
}

void GrowableRegion::release()
{
	if (base_)
		munmap(base_, cap_);
	base_ = nullptr;
	size_ = cap_ = 0;
}

int GrowableRegion::reserve(size_t n)
{
	if (n <= cap_)
		return 0;
	size_t want = cap_ ? cap_ : kMinMapping;
	while (want < n) {
		if (want > SIZE_MAX / 2)
			return ENOMEM;
		want *= 2;
	}
	void *p = nullptr;
	if (!base_)
		p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	else
		p = mremap(base_, cap_, want, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return ENOMEM;
	base_ = static_cast<std::byte *>(p);
	cap_ = want;
	// Big receive buffers fault in far fewer pages with transparent huge pages.
	if (cap_ >= kHugeHint)
		madvise(base_, cap_, MADV_HUGEPAGE);
	return 0;
}

void GrowableRegion::trim(size_t keep_bytes)
{
	size_ = 0;
	if (cap_ > keep_bytes)
		release();
}

Mapping::Mapping(Mapping &&o) noexcept
    : data_(std::exchange(o.data_, nullptr)), len_(std::exchange(o.len_, 0)),
      map_base_(std::exchange(o.map_base_, nullptr)), map_len_(std::exchange(o.map_len_, 0)), keep_(std::move(o.keep_))
{
}

Mapping &Mapping::operator=(Mapping &&o) noexcept
{
	if (this != &o) {
		reset();
		data_ = std::exchange(o.data_, nullptr);
		len_ = std::exchange(o.len_, 0);
		map_base_ = std::exchange(o.map_base_, nullptr);
		map_len_ = std::exchange(o.map_len_, 0);
		keep_ = std::move(o.keep_);
	}
	return *this;
}

Mapping::~Mapping()
{
	reset();
}

void Mapping::reset()
{
	if (map_base_)
		munmap(map_base_, map_len_);
	data_ = nullptr;
	len_ = 0;
	map_base_ = nullptr;
	map_len_ = 0;
	keep_.reset();
}

int Mapping::map_readonly(int fd, uint64_t offset, size_t len)
{
	reset();
	if (len == 0)
		return 0;
	static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
	uint64_t start = offset - offset % page;
	size_t lead = static_cast<size_t>(offset - start);
	if (len > SIZE_MAX - lead || start > static_cast<uint64_t>(std::numeric_limits<off_t>::max()))
		return EINVAL;
	// Shared and read-only: payload bytes are inputs (the seals checked beforehand rule out
	// SIGBUS). Not pre-faulted: only the pages the request actually reads cost memory, and a
	// peer's sparse memfd does not turn into resident pages of ours.
	void *p = mmap(nullptr, lead + len, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
	if (p == MAP_FAILED)
		return errno;
	map_base_ = p;
	map_len_ = lead + len;
	data_ = static_cast<std::byte *>(p) + lead;
	len_ = len;
	return 0;
}

uint64_t page_span(uint64_t offset, uint64_t len)
{
	static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
	uint64_t start = offset - offset % page;
	uint64_t end = offset + len; // callers checked offset + len against a file size
	return (end - start + page - 1) / page * page;
}

int MappingCache::view(int fd, uint64_t offset, size_t len, Mapping &out)
{
	struct stat st {};
	if (fstat(fd, &st) != 0)
		return errno;
	auto file_size = static_cast<uint64_t>(st.st_size);
	if (file_size > max_file_)
		return EFBIG;
	if (offset > file_size || len > file_size - offset)
		return EINVAL;
	if (len == 0) {
		out.reset();
		return 0;
	}
	++tick_;
	for (auto &e : entries_) {
		if (e.dev == st.st_dev && e.ino == st.st_ino && offset >= e.start &&
		    offset + len <= e.start + e.map->size()) {
			e.last_use = tick_;
			out = Mapping::borrowed(e.map->data() + (offset - e.start), len, e.map);
			return 0;
		}
	}
	// Map only the pages of this range: a range used again (a pooled memfd, a shared
	// buffer's argument) hits the cache; a tiny range of a huge memfd costs one page.
	static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
	Entry e;
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	e.start = offset - offset % page;
	e.last_use = tick_;
	e.map = std::make_shared<Mapping>();
	if (int r = e.map->map_readonly(fd, e.start, static_cast<size_t>(offset + len - e.start)))
		return r;
	const uint64_t bytes = e.map->mapped_size();
	if (account_ && !account_(static_cast<int64_t>(bytes))) {
		// Over budget: serve this request from an uncached mapping (dropped with its view).
		out = Mapping::borrowed(e.map->data() + (offset - e.start), len, e.map);
		return 0;
	}
	if (entries_.size() >= max_)
		evict_lru();
	mapped_ += bytes;
	entries_.push_back(std::move(e));
	Entry &in = entries_.back();
	out = Mapping::borrowed(in.map->data() + (offset - in.start), len, in.map);
	return 0;
}

void MappingCache::evict_lru()
{
	auto lru = std::min_element(entries_.begin(), entries_.end(),
				    [](const Entry &a, const Entry &b) { return a.last_use < b.last_use; });
	const uint64_t bytes = lru->map->mapped_size();
	mapped_ -= bytes;
	if (account_)
		account_(-static_cast<int64_t>(bytes));
	entries_.erase(lru);
}

void MappingCache::clear()
{
	while (!entries_.empty())
		evict_lru();
}

int check_sealed_memfd(int fd, uint64_t need, uint64_t max_size, const char **why)
{
	struct stat st {};
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = "attached fd is not a regular file";
		return EBADF;
	}
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		*why = "attached fd is not a sealable memfd";
		return EBADF;
	}
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW)) {
		*why = "attached memfd is not sealed against shrink/grow";
		return EPERM;
	}
	if (static_cast<uint64_t>(st.st_size) < need) {
		*why = "attached memfd is smaller than the declared payload";
		return EINVAL;
	}
	if (static_cast<uint64_t>(st.st_size) > max_size) {
		*why = "attached memfd is larger than the payload limit";
		return EFBIG;
	}
	return 0;
}

} // namespace vaccel::rpc
