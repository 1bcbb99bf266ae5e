// SPDX-License-Identifier: Apache-2.0
// A connected byte stream (unix/tcp/vsock socket or character device) with frame I/O:
// gather writes (one sendmsg/writev per frame), buffered reads that go straight into the
// destination for big reads, SCM_RIGHTS fds on AF_UNIX, and poll-based timeouts.
#pragma once

#include "frame.hpp"
#include "unique_fd.hpp"

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace vaccel::rpc {

inline constexpr int kNoTimeout = -1;

// A point in time by which a whole frame or message must have arrived (whatever the pace of
// its bytes): per-read timeouts alone let a peer keep a read going forever, one byte at a time.
using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();
// `from` + ms, saturating at kNoDeadline; a negative ms means no deadline.
Deadline deadline_after(Deadline from, int64_t ms);
// timeout_ms (-1 = none) shortened to what is left until `deadline` (0 once it has passed).
int clamp_timeout(int timeout_ms, Deadline deadline);

// Fds a connection may have queued (received, not yet matched to a message): read-ahead can
// bring those of the messages behind the one being parsed. Further fds are closed on receipt.
inline constexpr size_t kMaxPendingFds = 4 * kMaxMessageFds;

class Channel {
public:
	// Takes a connected fd; makes it non-blocking.
	explicit Channel(UniqueFd fd);
	Channel(const Channel &) = delete;
	Channel &operator=(const Channel &) = delete;

	[[nodiscard]] int fd() const { return fd_.get(); }
	[[nodiscard]] bool is_socket() const { return is_socket_; }
	[[nodiscard]] bool can_pass_fds() const { return is_unix_; }

	// Writes all bytes of iov[0..n) (n <= IOV_MAX); attaches the fds (at most kMaxMessageFds,
	// AF_UNIX only) to the first byte. Every gap without progress is bounded by timeout_ms.
	// Returns 0 or errno.
	int write_all(const iovec *iov, size_t n, std::span<const int> fds, int timeout_ms);

	// Reads exactly n bytes. first_timeout_ms bounds the wait for the first byte,
	// gap_timeout_ms every later wait, and all of them end at `deadline`. Returns 0,
	// ECONNRESET on EOF, ETIMEDOUT, or errno.
	int read_exact(void *dst, size_t n, int first_timeout_ms, int gap_timeout_ms, Deadline deadline = kNoDeadline);

	// Pops the oldest fd received with SCM_RIGHTS (invalid fd when none).
	UniqueFd take_fd();
	[[nodiscard]] size_t pending_fds() const { return fds_.size(); }

	// Bytes already buffered (used by resync scanning).
	[[nodiscard]] size_t buffered() const { return rlen_ - rpos_; }

	// Wakes a thread blocked in read/write on this channel (agent shutdown).
	void shutdown();
	// Closes the fd now (the peer sees the hang-up at once); the channel is unusable afterwards.
	void close() { fd_.reset(); }

private:
	int read_available(void *dst, size_t n, int timeout_ms, size_t &got);
	int wait(short events, int timeout_ms);
	ssize_t read_some(void *dst, size_t n);

	UniqueFd fd_;
	bool is_socket_ = false;
	bool is_unix_ = false;
	std::unique_ptr<std::byte[]> rbuf_;
	size_t rpos_ = 0;
	size_t rlen_ = 0;
	std::deque<UniqueFd> fds_;
};

} // namespace vaccel::rpc
