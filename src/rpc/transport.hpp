// Opening connected byte streams (client) and listeners (agent) for every address kind.
#pragma once

#include "address.hpp"
#include "unique_fd.hpp"

#include <string>

namespace vaccel::rpc {

// Connects to `addr` within `timeout_ms`. The returned fd is non-blocking, close-on-exec,
// TCP_NODELAY for tcp. serial:// opens the character device read/write (raw mode when it is a
// tty). vsock:// creates an AF_VSOCK socket: never call it on development/CI machines.
int connect_to(const Address &addr, int timeout_ms, UniqueFd &out, std::string &why);

// Creates a listening socket (unix, tcp, vsock). A stale unix socket file (nobody accepting)
// is replaced; a live one is an error (EADDRINUSE).
int listen_on(const Address &addr, int backlog, UniqueFd &out, std::string &why);

// Port actually bound by a tcp listener (for tcp://127.0.0.1:0).
int bound_tcp_port(int fd);

// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; sets TCP_NODELAY on tcp connections.
int accept_connection(int listen_fd, UniqueFd &out);

bool fd_is_socket(int fd);
bool fd_is_unix_socket(int fd);
int set_nonblocking(int fd);

} // namespace vaccel::rpc
