// SPDX-License-Identifier: Apache-2.0
// Unit tests of src/rpc/fd_passing.hpp: SCM_RIGHTS messages, taken whole or closed.
#include "channel.hpp"
#include "fd_passing.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace vaccel::rpc;

// SCM_RIGHTS helper (fd_passing.hpp): what a hostile peer sends is either taken whole or closed.
namespace {

// Whether `fd` is open in this process.
bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

// Open fds of this process (to see that nothing leaked).
size_t open_fd_count()
{
	size_t n = 0;
	for (int fd = 0; fd < 1024; ++fd)
		n += fd_open(fd);
	return n;
}

} // namespace

TEST(FdPassing, MessageAndItsFdsArriveTogether)
{
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	UniqueFd a(sv[0]), b(sv[1]);
	int pipefd[2];
	ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	UniqueFd r(pipefd[0]), w(pipefd[1]);
	char text[] = "hello";
	iovec iov{text, 5};
	const int fds[] = {r.get(), w.get()};
	ASSERT_EQ(send_with_fds(a.get(), &iov, 1, fds), 5);
	char got[16] = {};
	iovec in{got, sizeof(got)};
	std::vector<UniqueFd> received;
	int flags = -1;
	ASSERT_EQ(recv_with_fds(b.get(), &in, 1, 4, received, 0, &flags), 5);
	EXPECT_STREQ(got, "hello");
	EXPECT_EQ(flags & (MSG_CTRUNC | MSG_TRUNC), 0);
	ASSERT_EQ(received.size(), 2u);
	// The received write end writes into the original pipe.
	ASSERT_EQ(write(received[1].get(), "x", 1), 1);
	char c = 0;
	ASSERT_EQ(read(r.get(), &c, 1), 1);
	EXPECT_EQ(c, 'x');
	EXPECT_NE(fcntl(received[0].get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(FdPassing, MoreFdsThanRoomAreCutAndNoneLeaks)
{
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	UniqueFd a(sv[0]), b(sv[1]);
	std::vector<UniqueFd> mine;
	std::vector<int> fds;
	for (int i = 0; i < 10; ++i) {
		mine.emplace_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
		fds.push_back(mine.back().get());
	}
	char byte = 'm';
	iovec iov{&byte, 1};
	ASSERT_EQ(send_with_fds(a.get(), &iov, 1, fds), 1);
	const size_t before = open_fd_count();
	{
		std::vector<UniqueFd> received;
		int flags = 0;
		char got = 0;
		iovec in{&got, 1};
		ASSERT_EQ(recv_with_fds(b.get(), &in, 1, 2, received, 0, &flags), 1);
		EXPECT_NE(flags & MSG_CTRUNC, 0) << "10 fds into room for 2 must be reported as cut";
		EXPECT_LE(received.size(), 3u); // CMSG_SPACE may round the room up by one fd
		EXPECT_EQ(open_fd_count(), before + received.size());
	}
	// Dropping the refused message closed every fd it brought.
	EXPECT_EQ(open_fd_count(), before);
}

TEST(FdPassing, TooManyFdsToSendIsRefused)
{
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	UniqueFd a(sv[0]), b(sv[1]);
	std::vector<int> fds(kMaxPassedFds + 1, a.get());
	char byte = 0;
	iovec iov{&byte, 1};
	errno = 0;
	EXPECT_EQ(send_with_fds(a.get(), &iov, 1, fds), -1);
	EXPECT_EQ(errno, EINVAL);
}
