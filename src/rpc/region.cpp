#include "region.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace vaccel::rpc {
namespace {
constexpr size_t kMinMapping = 64 * 1024;
constexpr size_t kHugeHint = 4 * 1024 * 1024;
} // namespace

GrowableRegion::GrowableRegion(GrowableRegion &&o) noexcept
	: base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)),
	  cap_(std::exchange(o.cap_, 0))
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

GrowableRegion::~GrowableRegion() { release(); }

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
	: base_(std::exchange(o.base_, nullptr)), len_(std::exchange(o.len_, 0)), owned_(o.owned_)
{
}

Mapping &Mapping::operator=(Mapping &&o) noexcept
{
	if (this != &o) {
		reset();
		base_ = std::exchange(o.base_, nullptr);
		len_ = std::exchange(o.len_, 0);
		owned_ = o.owned_;
	}
	return *this;
}

Mapping::~Mapping() { reset(); }

void Mapping::reset()
{
	if (base_ && len_ && owned_)
		munmap(base_, len_);
	base_ = nullptr;
	len_ = 0;
	owned_ = true;
}

int Mapping::map_readonly(int fd, size_t len)
{
	reset();
	if (len == 0)
		return 0;
	// Shared and read-only: payload bytes are inputs. (A private writable mapping with
	// MAP_POPULATE would copy every page; the seals checked beforehand rule out SIGBUS.)
	void *p = mmap(nullptr, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	base_ = static_cast<std::byte *>(p);
	len_ = len;
	return 0;
}

int MappingCache::view(int fd, size_t len, Mapping &out)
{
	struct stat st {};
	if (fstat(fd, &st) != 0)
		return errno;
	++tick_;
	for (auto &e : entries_) {
		if (e.dev == st.st_dev && e.ino == st.st_ino && e.map.size() >= len) {
			e.last_use = tick_;
			out = Mapping::borrowed(e.map.data(), len);
			return 0;
		}
	}
	Entry e;
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	e.last_use = tick_;
	// Map the whole (sealed) file so later, larger payloads in the same memfd hit the cache.
	if (int r = e.map.map_readonly(fd, static_cast<size_t>(st.st_size)))
		return r;
	if (entries_.size() >= max_) {
		auto lru = std::min_element(entries_.begin(), entries_.end(),
					    [](const Entry &a, const Entry &b) { return a.last_use < b.last_use; });
		entries_.erase(lru);
	}
	entries_.push_back(std::move(e));
	out = Mapping::borrowed(entries_.back().map.data(), len);
	return 0;
}

int check_sealed_memfd(int fd, uint64_t need, const char **why)
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
	return 0;
}

} // namespace vaccel::rpc
