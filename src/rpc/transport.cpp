// SPDX-License-Identifier: Apache-2.0
#include "transport.hpp"

#include "log.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace vaccel::rpc {
namespace {

void set_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

sockaddr_un unix_sockaddr(const std::string &path)
{
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path.c_str(), path.size() + 1); // length checked by the parser
	return sa;
}

// Non-blocking connect bounded by timeout_ms; the fd stays non-blocking afterwards.
int connect_with_timeout(int fd, const sockaddr *sa, socklen_t len, int timeout_ms)
{
	if (::connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return errno;
	pollfd p{fd, POLLOUT, 0};
	int n = 0;
	do {
		n = ::poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0)
		return errno;
	int err = 0;
	socklen_t elen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return errno;
	return err;
}

int connect_unix(const Address &a, int timeout_ms, UniqueFd &out, std::string &why)
{
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!fd)
		return why = "socket: " + std::string(strerror(errno)), errno;
	auto sa = unix_sockaddr(a.path);
	int ret = connect_with_timeout(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa), timeout_ms);
	if (ret != 0) {
		why = "connect " + a.to_string() + ": " + strerror(ret);
		return ret;
	}
	out = std::move(fd);
	return 0;
}

struct AddrinfoFree {
	void operator()(addrinfo *ai) const { freeaddrinfo(ai); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoFree>;

// Resolves a tcp address (passive: for bind) into `out`; false with `why` set on failure.
bool resolve_tcp(const Address &a, bool passive, AddrinfoList &out, std::string &why)
{
	addrinfo hints{};
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	addrinfo *res = nullptr;
	int gai = getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &res);
	if (gai != 0) {
		why = "resolve " + a.host + ": " + gai_strerror(gai);
		return false;
	}
	out.reset(res);
	return true;
}

int connect_tcp(const Address &a, int timeout_ms, UniqueFd &out, std::string &why)
{
	if (a.port == 0) {
		why = "tcp port 0 is only valid for listening";
		return EINVAL;
	}
	AddrinfoList res;
	if (!resolve_tcp(a, false, res, why))
		return EHOSTUNREACH;
	int ret = EHOSTUNREACH;
	for (addrinfo *ai = res.get(); ai; ai = ai->ai_next) {
		UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
		if (!fd) {
			ret = errno;
			continue;
		}
		ret = connect_with_timeout(fd.get(), ai->ai_addr, ai->ai_addrlen, timeout_ms);
		if (ret == 0) {
			set_nodelay(fd.get());
			out = std::move(fd);
			break;
		}
	}
	if (ret != 0)
		why = "connect " + a.to_string() + ": " + strerror(ret);
	return ret;
}

// The flow-control window of a vsock stream is the smaller of the two ends' socket buffers
// (Linux's virtio-vsock sends no more than its own buffer size ahead of the peer's credit, and
// grants the peer no more than it): 256 KiB by default, a few 64 KiB packets.  Under emulation a
// credit update takes long enough to cross that the sender stalls (measured: guest->host 64 MiB at
// 212-236 MB/s with 256 KiB, 377-387 MB/s with 2 MiB; docs/performance.md).  Raising the maximum
// first is allowed for an unprivileged socket.  Best effort: a transport that refuses keeps its
// default, which only costs speed.
constexpr unsigned long long kVsockWindow = 2ULL << 20;

void widen_vsock_window(int fd)
{
	const unsigned long long size = kVsockWindow;
	if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &size, sizeof(size)) != 0 ||
	    setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size, sizeof(size)) != 0)
		RPC_DEBUG("vsock: socket buffer stays at the default (%s)", strerror(errno));
}

int connect_vsock(const Address &a, int timeout_ms, UniqueFd &out, std::string &why)
{
	UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!fd)
		return why = "vsock socket: " + std::string(strerror(errno)), errno;
	widen_vsock_window(fd.get());
	sockaddr_vm sa{};
	sa.svm_family = AF_VSOCK;
	sa.svm_cid = a.cid;
	sa.svm_port = a.port;
	int ret = connect_with_timeout(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa), timeout_ms);
	if (ret != 0) {
		why = "connect " + a.to_string() + ": " + strerror(ret);
		return ret;
	}
	out = std::move(fd);
	return 0;
}

int open_serial(const Address &a, UniqueFd &out, std::string &why)
{
	UniqueFd fd(::open(a.path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
	if (!fd) {
		int e = errno;
		why = "open " + a.path + ": " + strerror(e);
		return e;
	}
	struct stat st {};
	if (fstat(fd.get(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode))) {
		why = a.path + " is not a character device";
		return ENODEV;
	}
	// A tty (pty in tests, UART fallback) must not translate or echo bytes.
	if (isatty(fd.get())) {
		termios t{};
		if (tcgetattr(fd.get(), &t) == 0) {
			cfmakeraw(&t);
			tcsetattr(fd.get(), TCSANOW, &t);
		}
	}
	out = std::move(fd);
	return 0;
}

// A unix socket file nobody accepts on is left over from a crashed agent: replace it.
int clear_stale_unix_socket(const std::string &path, std::string &why)
{
	struct stat st {};
	if (lstat(path.c_str(), &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		why = path + " exists and is not a socket";
		return EEXIST;
	}
	UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	auto sa = unix_sockaddr(path);
	if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0) {
		why = path + " is in use by a running server";
		return EADDRINUSE;
	}
	::unlink(path.c_str());
	return 0;
}

// Binds under the socket's final permissions: bind() creates the file with 0777 & ~umask, so
// the umask is narrowed to exactly `mode` around it (and restored at once), and the group is set
// before listen(); until listen() every connect() is refused, so no client can get in through
// wider permissions at any moment. (The umask is process-wide: a file another thread created in
// that instant would only get narrower permissions; the agent binds before serving anyone.)
int bind_unix_restricted(int fd, const std::string &path, const ListenOptions &opt, std::string &why)
{
	auto sa = unix_sockaddr(path);
	mode_t old = ::umask(~opt.unix_mode & 0777);
	int rc = ::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa));
	int e = errno;
	::umask(old);
	if (rc != 0)
		return why = "bind: " + std::string(strerror(e)), e;
	// umask cannot add bits (setgid/sticky are meaningless here); chmod makes the mode exact.
	if (::chmod(path.c_str(), opt.unix_mode & 0777) != 0 ||
	    (opt.unix_group != static_cast<gid_t>(-1) &&
	     ::lchown(path.c_str(), static_cast<uid_t>(-1), opt.unix_group) != 0)) {
		e = errno;
		::unlink(path.c_str());
		return why = "setting mode/group of " + path + ": " + strerror(e), e;
	}
	return 0;
}

// Binds under a temporary name and renames the socket into place once it listens: the file
// appearing then means connections are accepted (no window in which a client that waits for
// the file gets ECONNREFUSED).
int listen_unix(const Address &addr, int backlog, const ListenOptions &opt, UniqueFd &out, std::string &why)
{
	if (int r = clear_stale_unix_socket(addr.path, why))
		return r;
	std::string tmp = addr.path + ".tmp" + std::to_string(getpid());
	if (tmp.size() >= sizeof(sockaddr_un::sun_path))
		tmp = addr.path; // no room for a temporary name: bind in place
	else
		::unlink(tmp.c_str());
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return why = strerror(errno), errno;
	if (int e = bind_unix_restricted(fd.get(), tmp, opt, why)) {
		why = addr.to_string() + ": " + why;
		return e;
	}
	if (::listen(fd.get(), backlog) != 0 || (tmp != addr.path && ::rename(tmp.c_str(), addr.path.c_str()) != 0)) {
		int e = errno;
		::unlink(tmp.c_str());
		why = "listen " + addr.to_string() + ": " + strerror(e);
		return e;
	}
	out = std::move(fd);
	return 0;
}

// listen() on a bound socket, which then goes to `out`.
int start_listening(UniqueFd fd, const Address &addr, int backlog, UniqueFd &out, std::string &why)
{
	if (::listen(fd.get(), backlog) != 0) {
		int e = errno;
		why = "listen " + addr.to_string() + ": " + strerror(e);
		return e;
	}
	out = std::move(fd);
	return 0;
}

std::string numeric_host(const sockaddr *sa, socklen_t len)
{
	char host[NI_MAXHOST];
	if (getnameinfo(sa, len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) != 0)
		return "?";
	return host;
}

// Every address the listener could bind must be loopback unless remote clients are allowed:
// checked on the very list that is bound, before any bind.
int check_loopback_only(const addrinfo *list, std::string &why)
{
	for (const addrinfo *ai = list; ai; ai = ai->ai_next) {
		if (is_loopback(ai->ai_addr))
			continue;
		why = numeric_host(ai->ai_addr, ai->ai_addrlen) +
		      " is not a loopback address, so other hosts could connect: refused without --allow-remote "
		      "(pass it to allow this, and use --auth-key-file)";
		return EACCES;
	}
	return 0;
}

int listen_tcp(const Address &addr, int backlog, const ListenOptions &opt, UniqueFd &out, std::string &why)
{
	AddrinfoList res;
	if (!resolve_tcp(addr, true, res, why))
		return EADDRNOTAVAIL;
	if (!opt.allow_remote)
		if (int r = check_loopback_only(res.get(), why))
			return r;
	int ret = EADDRNOTAVAIL;
	for (addrinfo *ai = res.get(); ai; ai = ai->ai_next) {
		UniqueFd s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
		if (!s)
			continue;
		int one = 1;
		setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (::bind(s.get(), ai->ai_addr, ai->ai_addrlen) == 0)
			return start_listening(std::move(s), addr, backlog, out, why);
		ret = errno;
	}
	why = "bind " + addr.to_string() + ": " + strerror(ret);
	return ret;
}

int listen_vsock(const Address &addr, int backlog, UniqueFd &out, std::string &why)
{
	UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return why = "vsock socket: " + std::string(strerror(errno)), errno;
	sockaddr_vm sa{};
	sa.svm_family = AF_VSOCK;
	sa.svm_cid = addr.cid;
	sa.svm_port = addr.port;
	widen_vsock_window(fd.get()); // accepted sockets inherit it
	if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0) {
		int e = errno;
		why = "bind " + addr.to_string() + ": " + strerror(e);
		return e;
	}
	return start_listening(std::move(fd), addr, backlog, out, why);
}

} // namespace

int set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return errno;
	return 0;
}

bool fd_is_socket(int fd)
{
	struct stat st {};
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool fd_is_unix_socket(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
		return false;
	return ss.ss_family == AF_UNIX;
}

int connect_to(const Address &addr, int timeout_ms, UniqueFd &out, std::string &why)
{
	switch (addr.kind) {
	case Address::Kind::unix_socket:
		return connect_unix(addr, timeout_ms, out, why);
	case Address::Kind::tcp:
		return connect_tcp(addr, timeout_ms, out, why);
	case Address::Kind::vsock:
		return connect_vsock(addr, timeout_ms, out, why);
	case Address::Kind::serial:
		return open_serial(addr, out, why);
	}
	why = "unknown address kind";
	return EINVAL;
}

bool is_loopback(const sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const auto *in = reinterpret_cast<const sockaddr_in *>(sa);
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const in6_addr &a = reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&a))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
	}
	return false;
}

int listen_on(const Address &addr, int backlog, UniqueFd &out, std::string &why, const ListenOptions &opt)
{
	switch (addr.kind) {
	case Address::Kind::unix_socket:
		return listen_unix(addr, backlog, opt, out, why);
	case Address::Kind::tcp:
		return listen_tcp(addr, backlog, opt, out, why);
	case Address::Kind::vsock:
		return listen_vsock(addr, backlog, out, why);
	default:
		why = "cannot listen on " + addr.to_string() +
		      " (the host side of virtio-serial is a unix:// listener)";
		return EINVAL;
	}
}

int bound_tcp_port(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
	return -1;
}

int accept_connection(int listen_fd, UniqueFd &out)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno;
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		set_nodelay(fd);
	out.reset(fd);
	return 0;
}

} // namespace vaccel::rpc
