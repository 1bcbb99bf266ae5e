// SPDX-License-Identifier: Apache-2.0
// Opening connected byte streams (client) and listeners (agent) for every address kind.
#pragma once

#include "address.hpp"
#include "unique_fd.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <string>

namespace vaccel::rpc {

// Connects to `addr` within `timeout_ms`. The returned fd is non-blocking, close-on-exec,
// TCP_NODELAY for tcp. serial:// opens the character device read/write (raw mode when it is a
// tty). vsock:// creates an AF_VSOCK socket: never call it on development/CI machines.
int connect_to(const Address &addr, int timeout_ms, UniqueFd &out, std::string &why);

// Who may reach a listener (docs/security.md): a unix socket file gets `unix_mode` and
// `unix_group` before it accepts anything (the file never exists with wider permissions while
// connections can be made); a tcp listener refuses, before binding, any address that is not
// loopback unless `allow_remote`.
struct ListenOptions {
	mode_t unix_mode = 0600;
	gid_t unix_group = static_cast<gid_t>(-1); // -1: the process's group
	bool allow_remote = false;
};

// Creates a listening socket (unix, tcp, vsock). A stale unix socket file (nobody accepting)
// is replaced; a live one is an error (EADDRINUSE). EACCES: a non-loopback tcp address without
// opt.allow_remote (every address a host name resolves to must be loopback).
int listen_on(const Address &addr, int backlog, UniqueFd &out, std::string &why, const ListenOptions &opt = {});

// 127.0.0.0/8, ::1, and IPv4-mapped ::ffff:127.0.0.0/104.
bool is_loopback(const sockaddr *sa);

// Port actually bound by a tcp listener (for tcp://127.0.0.1:0).
int bound_tcp_port(int fd);

// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; sets TCP_NODELAY on tcp connections.
int accept_connection(int listen_fd, UniqueFd &out);

bool fd_is_socket(int fd);
bool fd_is_unix_socket(int fd);
int set_nonblocking(int fd);

} // namespace vaccel::rpc
