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
	: data_(std::exchange(o.data_, nullptr)), len_(std::exchange(o.len_, 0)),
	  map_base_(std::exchange(o.map_base_, nullptr)), map_len_(std::exchange(o.map_len_, 0)),
	  keep_(std::move(o.keep_))
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

Mapping::~Mapping() { reset(); }

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
	// Shared and read-only: payload bytes are inputs. (A private writable mapping with
	// MAP_POPULATE would copy every page; the seals checked beforehand rule out SIGBUS.)
	void *p = mmap(nullptr, lead + len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, static_cast<off_t>(start));
	if (p == MAP_FAILED)
		return errno;
	map_base_ = p;
	map_len_ = lead + len;
	data_ = static_cast<std::byte *>(p) + lead;
	len_ = len;
	return 0;
}

int MappingCache::view(int fd, uint64_t offset, size_t len, Mapping &out)
{
	struct stat st {};
	if (fstat(fd, &st) != 0)
		return errno;
	auto file_size = static_cast<uint64_t>(st.st_size);
	if (offset > file_size || len > file_size - offset)
		return EINVAL;
	++tick_;
	for (auto &e : entries_) {
		if (e.dev == st.st_dev && e.ino == st.st_ino && e.map->size() >= offset + len) {
			e.last_use = tick_;
			out = Mapping::borrowed(e.map->data() + offset, len, e.map);
			return 0;
		}
	}
	Entry e;
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	e.last_use = tick_;
	// Map the whole (sealed) file so later payloads elsewhere in the same memfd hit the cache.
	e.map = std::make_shared<Mapping>();
	if (int r = e.map->map_readonly(fd, 0, static_cast<size_t>(file_size)))
		return r;
	if (entries_.size() >= max_) {
		auto lru = std::min_element(entries_.begin(), entries_.end(),
					    [](const Entry &a, const Entry &b) { return a.last_use < b.last_use; });
		entries_.erase(lru);
	}
	entries_.push_back(std::move(e));
	out = Mapping::borrowed(entries_.back().map->data() + offset, len, entries_.back().map);
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
