// SPDX-License-Identifier: Apache-2.0
// vaccel/shm.h and vaccel::SharedBuffer: allocation, the sealed memfd behind each
// buffer, lookups as a transport plugin does them, frees, and concurrent use.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include <vaccel.hpp>

#include "vtest.hpp"

namespace {

size_t page_size()
{
	return static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

uintptr_t address(const void *p)
{
	return reinterpret_cast<uintptr_t>(p);
}

// Owns a vaccel_shm_alloc buffer for the length of a test, so that a failed
// assertion does not leak it.
struct ShmGuard {
	void *ptr;
	explicit ShmGuard(size_t size) : ptr(vaccel_shm_alloc(size)) {}
	~ShmGuard()
	{
		if (ptr)
			vaccel_shm_free(ptr);
	}
	ShmGuard(const ShmGuard &) = delete;
	ShmGuard &operator=(const ShmGuard &) = delete;
	unsigned char *bytes() const { return static_cast<unsigned char *>(ptr); }
	void *release() { return std::exchange(ptr, nullptr); }
};

TEST(Shm, AllocIsZeroedWritableAndPageAligned)
{
	const size_t page = page_size();
	for (size_t size : {size_t{1}, page - 1, page, page + 1, size_t{1} << 20}) {
		ShmGuard buf(size);
		ASSERT_NE(nullptr, buf.ptr) << "size " << size;
		EXPECT_EQ(0u, address(buf.ptr) % page) << "size " << size;
		EXPECT_EQ(size, vaccel_shm_size(buf.ptr));
		for (size_t i = 0; i < size; ++i)
			ASSERT_EQ(0, buf.bytes()[i]) << "byte " << i << " of " << size;
		for (size_t i = 0; i < size; ++i)
			buf.bytes()[i] = static_cast<unsigned char>(i * 7 + 3);
		for (size_t i = 0; i < size; ++i)
			ASSERT_EQ(static_cast<unsigned char>(i * 7 + 3), buf.bytes()[i]);
	}
}

TEST(Shm, AllocRejectsZeroAndImpossibleSizes)
{
	EXPECT_EQ(nullptr, vaccel_shm_alloc(0));
	const size_t max = std::numeric_limits<size_t>::max();
	EXPECT_EQ(nullptr, vaccel_shm_alloc(max)) << "rounding up must not wrap";
	EXPECT_EQ(nullptr, vaccel_shm_alloc(max - page_size() + 2)) << "rounding up must not wrap";
	EXPECT_EQ(nullptr, vaccel_shm_alloc(max / 2 + 1)) << "does not fit off_t";
}

size_t open_fd_count()
{
	return vtest::count_entries("/proc/self/fd");
}

TEST(Shm, FailedAllocLeaksNothing)
{
	const size_t fds_before = open_fd_count();
	// Rounds and truncates fine, but no address space holds 2^62 bytes: mmap
	// fails after the memfd exists, which must then be closed again.
	EXPECT_EQ(nullptr, vaccel_shm_alloc(size_t{1} << 62));
	EXPECT_EQ(fds_before, open_fd_count());

	// No fd left to give: memfd_create itself fails.
	rlimit saved{};
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &saved));
	rlimit none = saved;
	none.rlim_cur = 0;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &none));
	void *p = vaccel_shm_alloc(100);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));
	EXPECT_EQ(nullptr, p);
	EXPECT_EQ(fds_before, open_fd_count());

	ShmGuard after(100);
	EXPECT_NE(nullptr, after.ptr) << "a failure leaves the allocator usable";
}

TEST(Shm, SizeOnlyForTheStartOfALiveBuffer)
{
	ShmGuard buf(100);
	ASSERT_NE(nullptr, buf.ptr);
	EXPECT_EQ(100u, vaccel_shm_size(buf.ptr));
	EXPECT_EQ(0u, vaccel_shm_size(buf.bytes() + 1));
	EXPECT_EQ(0u, vaccel_shm_size(nullptr));
	int local = 0;
	EXPECT_EQ(0u, vaccel_shm_size(&local));
	void *p = buf.release();
	ASSERT_OK(vaccel_shm_free(p));
	EXPECT_EQ(0u, vaccel_shm_size(p));
}

TEST(Shm, LookupInsideTheBuffer)
{
	const size_t size = 3 * page_size() + 17; // asked size not a page multiple
	ShmGuard buf(size);
	ASSERT_NE(nullptr, buf.ptr);
	int fd = -1;
	size_t off = 99;

	ASSERT_OK(vaccel_shm_lookup(buf.ptr, 1, &fd, &off));
	EXPECT_GE(fd, 0);
	EXPECT_EQ(0u, off);
	const int first_fd = fd;

	ASSERT_OK(vaccel_shm_lookup(buf.ptr, size, &fd, &off)) << "the whole buffer";
	EXPECT_EQ(first_fd, fd);
	EXPECT_EQ(0u, off);

	ASSERT_OK(vaccel_shm_lookup(buf.bytes() + 1000, 50, &fd, &off)) << "interior range";
	EXPECT_EQ(first_fd, fd);
	EXPECT_EQ(1000u, off);

	ASSERT_OK(vaccel_shm_lookup(buf.bytes() + size - 10, 10, &fd, &off)) << "range ending exactly at the end";
	EXPECT_EQ(size - 10, off);

	ASSERT_OK(vaccel_shm_lookup(buf.bytes() + size - 1, 1, &fd, &off)) << "last byte";
	EXPECT_EQ(size - 1, off);
}

TEST(Shm, LookupOutsideTheBuffer)
{
	const size_t size = 3 * page_size() + 17;
	ShmGuard buf(size);
	ASSERT_NE(nullptr, buf.ptr);
	int fd = -7;
	size_t off = 99;
	auto lookup = [&](const void *p, size_t len) { return vaccel_shm_lookup(p, len, &fd, &off); };

	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.bytes() + size - 10, 11)) << "crosses the end";
	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.ptr, size + 1)) << "one byte too long";
	// Past the asked size but inside the page the mapping rounds up to: still not shared.
	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.bytes() + size, 1)) << "just after the end";
	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.bytes() + size + 4096, 1)) << "well after the end";
	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.bytes() + 5, std::numeric_limits<size_t>::max()))
		<< "a length that would wrap around";
	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.bytes() - 1, 2)) << "starts before the buffer";
	EXPECT_EQ(VACCEL_ENOENT, lookup(buf.bytes() - 1, 1)) << "just before the buffer";
	std::unique_ptr<char, void (*)(void *)> heap(static_cast<char *>(std::malloc(64)), &std::free);
	ASSERT_NE(nullptr, heap.get());
	EXPECT_EQ(VACCEL_ENOENT, lookup(heap.get(), 64)) << "plain malloc memory";
	int local = 0;
	EXPECT_EQ(VACCEL_ENOENT, lookup(&local, sizeof(local))) << "stack memory";
	EXPECT_EQ(-7, fd) << "outputs untouched on ENOENT";
	EXPECT_EQ(99u, off);

	EXPECT_EQ(VACCEL_EINVAL, lookup(buf.ptr, 0)) << "len 0";
	EXPECT_EQ(VACCEL_EINVAL, lookup(nullptr, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_shm_lookup(buf.ptr, 1, nullptr, &off));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_shm_lookup(buf.ptr, 1, &fd, nullptr));
}

TEST(Shm, FdIsASealedMemfdOfTheSameMemory)
{
	const size_t size = 2 * page_size() + 100;
	ShmGuard buf(size);
	ASSERT_NE(nullptr, buf.ptr);
	int fd = -1;
	size_t off = 0;
	ASSERT_OK(vaccel_shm_lookup(buf.ptr, size, &fd, &off));

	struct stat st {};
	ASSERT_EQ(0, fstat(fd, &st)) << strerror(errno);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_GE(static_cast<size_t>(st.st_size), size);

	int seals = fcntl(fd, F_GET_SEALS);
	ASSERT_GE(seals, 0) << strerror(errno);
	EXPECT_EQ(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC) << "must not leak into exec'd children";
	EXPECT_NE(0, ftruncate(fd, 0)) << "shrinking must be refused";
	EXPECT_NE(0, ftruncate(fd, st.st_size + static_cast<off_t>(page_size()))) << "growing must be refused";
	EXPECT_NE(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)) << "seals are final";

	// Bytes written through the pointer are what the fd holds.
	const char msg[] = "through the pointer";
	std::memcpy(buf.bytes() + 1234, msg, sizeof(msg));
	char back[sizeof(msg)] = {};
	ASSERT_EQ(static_cast<ssize_t>(sizeof(msg)), pread(fd, back, sizeof(back), 1234));
	EXPECT_STREQ(msg, back);

	// A second mapping of the fd (what the agent does) sees later writes.
	void *peer = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, peer) << strerror(errno);
	const auto *peer_bytes = static_cast<const volatile unsigned char *>(peer);
	EXPECT_EQ(0, peer_bytes[size - 1]);
	buf.bytes()[size - 1] = 0xA5;
	buf.bytes()[page_size()] = 0x5A;
	EXPECT_EQ(0xA5, peer_bytes[size - 1]);
	EXPECT_EQ(0x5A, peer_bytes[page_size()]);
	EXPECT_EQ(0, munmap(peer, size));
}

TEST(Shm, FreeRules)
{
	EXPECT_OK(vaccel_shm_free(nullptr));

	int local = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_shm_free(&local)) << "foreign pointer";
	std::unique_ptr<char, void (*)(void *)> heap(static_cast<char *>(std::malloc(16)), &std::free);
	ASSERT_NE(nullptr, heap.get());
	EXPECT_EQ(VACCEL_EINVAL, vaccel_shm_free(heap.get())) << "malloc pointer";

	ShmGuard buf(1000);
	ASSERT_NE(nullptr, buf.ptr);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_shm_free(buf.bytes() + 1)) << "interior pointer";
	// The rejected free touched nothing: the buffer is still live and usable.
	EXPECT_EQ(1000u, vaccel_shm_size(buf.ptr));
	buf.bytes()[999] = 1;
	int fd = -1;
	size_t off = 0;
	ASSERT_OK(vaccel_shm_lookup(buf.ptr, 1000, &fd, &off));
	ASSERT_GE(fcntl(fd, F_GETFD), 0) << "fd still open";

	void *p = buf.release();
	EXPECT_OK(vaccel_shm_free(p));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_shm_lookup(p, 1, &fd, &off));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_shm_free(p)) << "double free";
}

TEST(Shm, FreeClosesTheFd)
{
	ShmGuard buf(10);
	ASSERT_NE(nullptr, buf.ptr);
	int fd = -1;
	size_t off = 0;
	ASSERT_OK(vaccel_shm_lookup(buf.ptr, 10, &fd, &off));
	struct stat before {};
	ASSERT_EQ(0, fstat(fd, &before));
	ASSERT_OK(vaccel_shm_free(buf.release()));
	// The fd number may be reused by something else in this process, but it no
	// longer refers to our memfd.
	struct stat after {};
	if (fstat(fd, &after) == 0)
		EXPECT_FALSE(before.st_dev == after.st_dev && before.st_ino == after.st_ino);
	else
		EXPECT_EQ(EBADF, errno);
}

TEST(Shm, BuffersNeverOverlapAndLookupTellsThemApart)
{
	const size_t size = page_size() + 1;
	std::vector<std::unique_ptr<ShmGuard>> bufs;
	for (int i = 0; i < 16; ++i) {
		bufs.push_back(std::make_unique<ShmGuard>(size));
		ASSERT_NE(nullptr, bufs.back()->ptr);
	}
	for (size_t i = 0; i < bufs.size(); ++i)
		for (size_t j = i + 1; j < bufs.size(); ++j) {
			uintptr_t a = address(bufs[i]->ptr), b = address(bufs[j]->ptr);
			EXPECT_TRUE(a + size <= b || b + size <= a) << i << " and " << j << " overlap";
		}
	std::vector<int> fds;
	for (size_t i = 0; i < bufs.size(); ++i) {
		int fd = -1;
		size_t off = 0;
		ASSERT_OK(vaccel_shm_lookup(bufs[i]->bytes() + 7, 3, &fd, &off));
		EXPECT_EQ(7u, off);
		for (int other : fds)
			EXPECT_NE(other, fd) << "buffer " << i << " shares an fd";
		fds.push_back(fd);
		// Also checked through the fd: each one holds only its own buffer's bytes.
		bufs[i]->bytes()[7] = static_cast<unsigned char>(i + 1);
	}
	for (size_t i = 0; i < bufs.size(); ++i) {
		unsigned char c = 0;
		ASSERT_EQ(1, pread(fds[i], &c, 1, 7));
		EXPECT_EQ(i + 1, c);
	}
}

TEST(Shm, ConcurrentAllocWriteLookupFree)
{
	constexpr int kThreads = 8;
	constexpr int kIterations = 200;
	// A long-lived buffer that every thread also looks up while others alloc and
	// free around it: its answer must never change.
	ShmGuard stable(5000);
	ASSERT_NE(nullptr, stable.ptr);
	int stable_fd = -1;
	size_t off = 0;
	ASSERT_OK(vaccel_shm_lookup(stable.ptr, 5000, &stable_fd, &off));

	std::atomic<int> failures{0};
	auto worker = [&](int t) {
		for (int i = 0; i < kIterations; ++i) {
			const size_t size = 1 + static_cast<size_t>((t * 7919 + i * 104729) % 20000);
			auto *p = static_cast<unsigned char *>(vaccel_shm_alloc(size));
			if (!p) {
				++failures;
				return;
			}
			const auto tag = static_cast<unsigned char>(t * 31 + i);
			p[0] = tag;
			p[size - 1] = tag;
			int fd = -1;
			size_t o = 1;
			if (vaccel_shm_size(p) != size || vaccel_shm_lookup(p, size, &fd, &o) != VACCEL_OK || o != 0 ||
			    vaccel_shm_lookup(p + size - 1, 1, &fd, &o) != VACCEL_OK || o != size - 1 ||
			    vaccel_shm_lookup(p, size + 1, &fd, &o) != VACCEL_ENOENT)
				++failures;
			unsigned char last = 0;
			if (pread(fd, &last, 1, static_cast<off_t>(size - 1)) != 1 || last != tag)
				++failures;
			int sfd = -1;
			size_t soff = 0;
			if (vaccel_shm_lookup(stable.bytes() + 4000, 1000, &sfd, &soff) != VACCEL_OK ||
			    sfd != stable_fd || soff != 4000)
				++failures;
			if (p[0] != tag || vaccel_shm_free(p) != VACCEL_OK)
				++failures;
		}
	};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back(worker, t);
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(0, failures.load());
	EXPECT_EQ(5000u, vaccel_shm_size(stable.ptr));
}

TEST(CppSharedBuffer, OwnsWritesMovesAndFrees)
{
	void *start = nullptr;
	{
		vaccel::SharedBuffer buf(300);
		ASSERT_TRUE(buf);
		EXPECT_EQ(300u, buf.size());
		EXPECT_EQ(300u, buf.bytes().size());
		EXPECT_EQ(buf.data(), static_cast<void *>(buf.bytes().data()));
		for (auto &b : buf.bytes())
			EXPECT_EQ(std::byte{0}, b);
		buf.bytes()[299] = std::byte{0x42};
		start = buf.data();
		EXPECT_EQ(300u, vaccel_shm_size(start));

		vaccel::SharedBuffer moved(std::move(buf));
		EXPECT_FALSE(buf); // NOLINT(bugprone-use-after-move): documented moved-from state
		EXPECT_EQ(nullptr, buf.data());
		EXPECT_EQ(0u, buf.size());
		EXPECT_TRUE(buf.bytes().empty());
		EXPECT_EQ(start, moved.data());
		EXPECT_EQ(std::byte{0x42}, moved.bytes()[299]);

		vaccel::SharedBuffer other(10);
		void *other_start = other.data();
		other = std::move(moved);
		EXPECT_EQ(start, other.data());
		EXPECT_EQ(300u, other.size());
		EXPECT_EQ(0u, vaccel_shm_size(other_start)) << "assignment freed the old buffer";
		int fd = -1;
		size_t off = 0;
		EXPECT_OK(vaccel_shm_lookup(other.data(), 300, &fd, &off));
	}
	int fd = -1;
	size_t off = 0;
	EXPECT_EQ(VACCEL_ENOENT, vaccel_shm_lookup(start, 1, &fd, &off)) << "destructor frees";
	EXPECT_EQ(0u, vaccel_shm_size(start));
}

TEST(CppSharedBuffer, ErrorsCarryTheCode)
{
	try {
		vaccel::SharedBuffer buf(0);
		FAIL() << "size 0 must throw";
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_EINVAL, e.vaccel_code());
	}
	try {
		vaccel::SharedBuffer buf(std::numeric_limits<size_t>::max());
		FAIL() << "an impossible size must throw";
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_ENOMEM, e.vaccel_code());
	}
}

} // namespace
