// SPDX-License-Identifier: Apache-2.0
// Protocol-level helpers for agent tests: a Client plus typed wrappers of common requests.
#pragma once

#include "agent_process.hpp"
#include "channel.hpp"
#include "client.hpp"
#include "frame.hpp"
#include "message.hpp"
#include "transport.hpp"
#include "vaccel_rpc.pb.h"

#include <vaccel.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace rpctest {

namespace v1 = vaccel::rpc::v1;
using vaccel::rpc::CallResult;
using vaccel::rpc::Client;
using vaccel::rpc::ClientOptions;

inline std::unique_ptr<Client> make_client(const std::string &addr, size_t memfd_min = 1u << 20)
{
	ClientOptions o;
	o.address = addr;
	o.response_timeout_ms = 20000;
	o.io_timeout_ms = 5000;
	o.memfd_min = memfd_min;
	return std::make_unique<Client>(o);
}

// Returns the transport result; *status gets the agent's status.
inline int call(Client &c, const v1::Request &req, CallResult &res, std::vector<iovec> payload = {})
{
	std::string why;
	return c.call(req, payload, res, why);
}

inline int64_t create_session(Client &c, int *status = nullptr)
{
	v1::Request req;
	req.mutable_session_create()->set_flags(0);
	CallResult res;
	if (call(c, req, res) != 0)
		return -1;
	if (status)
		*status = res.response.status();
	return res.response.status() == 0 ? res.response.session_created().session_id() : -1;
}

inline int release_session(Client &c, int64_t sid)
{
	v1::Request req;
	req.mutable_session_release()->set_session_id(sid);
	CallResult res;
	if (call(c, req, res) != 0)
		return -1;
	return res.response.status();
}

struct GArg {
	uint32_t type;
	std::vector<uint8_t> bytes; // sent when has_data
	uint64_t size;
	bool has_data;
};

inline GArg u8(uint8_t v)
{
	return {VACCEL_ARG_UINT8, {v}, 1, true};
}
inline GArg buf(uint32_t type, const void *p, size_t n)
{
	auto *b = static_cast<const uint8_t *>(p);
	return {type, std::vector<uint8_t>(b, b + n), n, true};
}
inline GArg str(const std::string &s)
{
	return buf(VACCEL_ARG_STRING, s.c_str(), s.size() + 1);
}
inline GArg i64(int64_t v)
{
	return buf(VACCEL_ARG_INT64, &v, sizeof(v));
}
inline GArg out(uint32_t type, uint64_t n)
{
	return {type, {}, n, false};
}

// Sends one genop request built from `read` and `write`; returns 0 or the transport error (why).
inline int genop_call(Client &c, int64_t sid, const std::vector<GArg> &read, const std::vector<GArg> &write,
		      CallResult &res, std::string &why)
{
	v1::Request req;
	auto *g = req.mutable_genop();
	g->set_session_id(sid);
	std::vector<iovec> payload;
	auto put = [&](const GArg &a, v1::Arg *pa) {
		pa->set_type(a.type);
		pa->set_size(a.size);
		pa->set_has_data(a.has_data);
		if (a.has_data && a.size)
			payload.push_back({const_cast<uint8_t *>(a.bytes.data()), a.bytes.size()});
	};
	for (auto &a : read)
		put(a, g->add_read());
	for (auto &a : write)
		put(a, g->add_write());
	return c.call(req, payload, res, why);
}

// Genop; returns agent status (or -1000 - transport error) and the write args' bytes.
inline int genop(Client &c, int64_t sid, const std::vector<GArg> &read, const std::vector<GArg> &write,
		 std::vector<std::vector<uint8_t>> *results = nullptr)
{
	CallResult res;
	std::string why;
	if (int r = genop_call(c, sid, read, write, res, why))
		return -1000 - r;
	if (results && res.response.status() == 0) {
		results->clear();
		const uint8_t *p = reinterpret_cast<const uint8_t *>(res.payload.data());
		for (auto &w : res.response.genop_done().write()) {
			results->emplace_back(p, p + w.size());
			p += w.size();
		}
	}
	return res.response.status();
}

inline int noop(Client &c, int64_t sid)
{
	return genop(c, sid, {u8(VACCEL_OP_NOOP)}, {});
}

// Registers a one-blob resource; returns agent status, *rid the agent id.
inline int register_blob(Client &c, int64_t sid, const std::string &name, const void *data, size_t n,
			 uint32_t blob_type, int64_t *rid, int64_t share_id = 0,
			 uint32_t res_type = VACCEL_RESOURCE_DATA)
{
	v1::Request req;
	auto *m = req.mutable_resource_register();
	m->set_session_id(sid);
	m->set_type(res_type);
	std::vector<iovec> payload;
	if (share_id) {
		m->set_resource_id(share_id);
	} else {
		auto *b = m->add_blobs();
		b->set_name(name);
		b->set_type(blob_type);
		b->set_size(n);
		if (n)
			payload.push_back({const_cast<void *>(data), n});
	}
	CallResult res;
	std::string why;
	if (int r = c.call(req, payload, res, why))
		return -1000 - r;
	if (rid)
		*rid = res.response.resource_registered().resource_id();
	return res.response.status();
}

inline int unregister(Client &c, int64_t sid, int64_t rid)
{
	v1::Request req;
	req.mutable_resource_unregister()->set_session_id(sid);
	req.mutable_resource_unregister()->set_resource_id(rid);
	CallResult res;
	if (call(c, req, res) != 0)
		return -1;
	return res.response.status();
}

inline int sync_resource(Client &c, int64_t sid, int64_t rid, std::vector<uint8_t> *bytes = nullptr)
{
	v1::Request req;
	req.mutable_resource_sync()->set_session_id(sid);
	req.mutable_resource_sync()->set_resource_id(rid);
	CallResult res;
	if (call(c, req, res) != 0)
		return -1;
	if (bytes) {
		auto *p = reinterpret_cast<const uint8_t *>(res.payload.data());
		bytes->assign(p, p + res.payload.size());
	}
	return res.response.status();
}

// A raw unix-socket connection for hostile input.
inline int raw_unix_connect(const std::string &path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
	if (connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

inline std::string frame_bytes(vaccel::rpc::FrameType type, uint16_t flags, uint32_t stream, const std::string &meta,
			       uint64_t data_len, uint64_t aux)
{
	vaccel::rpc::FrameHeader h;
	h.type = type;
	h.flags = flags;
	h.stream_id = stream;
	h.meta_len = static_cast<uint32_t>(meta.size());
	h.data_len = data_len;
	h.aux = aux;
	auto hb = vaccel::rpc::encode_header(h);
	return std::string(reinterpret_cast<const char *>(hb.data()), hb.size()) + meta;
}

inline std::string hello_frame(uint64_t nonce = 7, bool want_memfd = false)
{
	v1::Hello h;
	h.set_protocol_version(1);
	h.set_nonce(nonce);
	h.set_want_memfd(want_memfd);
	return frame_bytes(vaccel::rpc::FrameType::hello, vaccel::rpc::frame_flags::end, 0, h.SerializeAsString(), 0,
			   0);
}

inline bool write_all_fd(int fd, const std::string &s)
{
	size_t off = 0;
	while (off < s.size()) {
		ssize_t w = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		off += static_cast<size_t>(w);
	}
	return true;
}

// True if the peer closed the connection within timeout_ms (bytes before EOF are skipped).
inline bool closed_by_peer(int fd, int timeout_ms)
{
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	char buf[4096];
	while (std::chrono::steady_clock::now() < end) {
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

} // namespace rpctest
