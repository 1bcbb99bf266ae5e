// SPDX-License-Identifier: Apache-2.0
#include "vhost_user.hpp"

#include "fd_passing.hpp"
#include "log.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vbridge {
namespace {

enum Request : uint32_t {
	GET_FEATURES = 1,
	SET_FEATURES = 2,
	SET_OWNER = 3,
	RESET_OWNER = 4,
	SET_MEM_TABLE = 5,
	SET_VRING_NUM = 8,
	SET_VRING_ADDR = 9,
	SET_VRING_BASE = 10,
	GET_VRING_BASE = 11,
	SET_VRING_KICK = 12,
	SET_VRING_CALL = 13,
	SET_VRING_ERR = 14,
	GET_PROTOCOL_FEATURES = 15,
	SET_PROTOCOL_FEATURES = 16,
	GET_QUEUE_NUM = 17,
	SET_VRING_ENABLE = 18,
	GET_CONFIG = 24,
};

constexpr uint32_t kVersion = 0x1;
constexpr uint32_t kReplyFlag = 0x4;
constexpr uint64_t kFeatureVersion1 = 1ull << 32;
constexpr uint64_t kFeatureProtocol = 1ull << 30;
constexpr uint64_t kProtocolMq = 1ull << 0;
constexpr uint64_t kProtocolConfig = 1ull << 9;
constexpr uint32_t kMaxPayload = 4096;
constexpr unsigned kMaxFds = 8;
constexpr uint32_t kMaxRingSize = 32768;

struct MsgHeader {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

// Reads exactly `len` bytes (the socket has a receive timeout; a short read is an error).
bool read_full(int fd, std::byte *p, size_t len)
{
	while (len) {
		ssize_t n = ::recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= static_cast<size_t>(n);
	}
	return true;
}

template <typename T>
T get(const std::byte *p)
{
	T v;
	memcpy(&v, p, sizeof(T));
	return v;
}

} // namespace

VhostUserDevice::VhostUserDevice(UniqueFd conn, uint64_t guest_cid, Hooks &hooks)
    : conn_(std::move(conn)), guest_cid_(guest_cid), hooks_(hooks)
{
}

int VhostUserDevice::reply(uint32_t request, const void *payload, uint32_t size, std::string &why)
{
	std::byte buf[sizeof(MsgHeader) + 512];
	MsgHeader h{request, kVersion | kReplyFlag, size};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, size);
	const size_t total = sizeof(h) + size;
	if (::send(conn_.get(), buf, total, MSG_NOSIGNAL) != static_cast<ssize_t>(total)) {
		why = std::string("reply: ") + strerror(errno);
		return EIO;
	}
	return 0;
}

int VhostUserDevice::handle_one(std::string &why)
{
	MsgHeader h{};
	std::vector<UniqueFd> fds;
	{
		// Every fd received is owned by `fds`: a refused message closes them all.
		iovec iov{&h, sizeof(h)};
		int msg_flags = 0;
		const ssize_t n = vaccel::rpc::recv_with_fds(conn_.get(), &iov, 1, kMaxFds, fds, 0, &msg_flags);
		if (n == 0)
			return ECONNRESET;
		if (n < 0 || static_cast<size_t>(n) < sizeof(h)) {
			if (n > 0 && !read_full(conn_.get(), reinterpret_cast<std::byte *>(&h) + n, sizeof(h) - n))
				return why = "short message header", EPROTO;
			if (n < 0)
				return why = std::string("recvmsg: ") + strerror(errno),
				       errno == ECONNRESET ? ECONNRESET : EIO;
		}
		if (msg_flags & MSG_CTRUNC)
			return why = "more fds than any message carries", EPROTO;
	}
	if (h.size > kMaxPayload)
		return why = "message " + std::to_string(h.request) + " of " + std::to_string(h.size) + " bytes",
		       EPROTO;
	std::byte payload[kMaxPayload];
	if (!read_full(conn_.get(), payload, h.size))
		return why = "short message payload", EPROTO;
	VB_DEBUG("vhost-user request %u size %u fds %zu", h.request, h.size, fds.size());

	auto need = [&](uint32_t size) {
		if (h.size >= size)
			return true;
		why = "message " + std::to_string(h.request) + " too short (" + std::to_string(h.size) + " bytes)";
		return false;
	};
	auto ring_index = [&](uint32_t index, unsigned &out) {
		// Index 2 (the event queue) stays with QEMU: accepted and ignored.
		out = index;
		return index < 3;
	};
	unsigned idx = 0;
	switch (h.request) {
	case GET_FEATURES:
		return reply_u64(h.request, kFeatureVersion1 | kFeatureProtocol, why);
	case SET_FEATURES:
		if (!need(8))
			return EPROTO;
		features_ = get<uint64_t>(payload);
		protocol_features_ = features_ & kFeatureProtocol;
		return 0;
	case SET_OWNER:
	case RESET_OWNER:
	case SET_PROTOCOL_FEATURES:
		return 0;
	case GET_PROTOCOL_FEATURES:
		return reply_u64(h.request, kProtocolMq | kProtocolConfig, why);
	case GET_QUEUE_NUM:
		return reply_u64(h.request, 3, why);
	case SET_MEM_TABLE:
		return set_mem_table(payload, h.size, fds, why);
	case SET_VRING_NUM:
	case SET_VRING_BASE:
	case SET_VRING_ENABLE: {
		if (!need(8))
			return EPROTO;
		if (!ring_index(get<uint32_t>(payload), idx))
			return why = "ring index out of range", EPROTO;
		if (idx >= rings_.size())
			return 0;
		const uint32_t v = get<uint32_t>(payload + 4);
		Virtqueue &q = rings_[idx];
		if (h.request == SET_VRING_NUM) {
			if (v == 0 || v > kMaxRingSize || (v & (v - 1)))
				return why = "ring size " + std::to_string(v), EPROTO;
			q.num = v;
			q.detach();
		} else if (h.request == SET_VRING_BASE) {
			q.last_avail = static_cast<uint16_t>(v);
		} else {
			q.enabled = v != 0;
		}
		reattach(idx);
		return 0;
	}
	case SET_VRING_ADDR: {
		if (!need(40))
			return EPROTO;
		if (!ring_index(get<uint32_t>(payload), idx))
			return why = "ring index out of range", EPROTO;
		if (idx >= rings_.size())
			return 0;
		Virtqueue &q = rings_[idx];
		q.desc_user = get<uint64_t>(payload + 8);
		q.used_user = get<uint64_t>(payload + 16);
		q.avail_user = get<uint64_t>(payload + 24);
		q.detach();
		reattach(idx);
		return 0;
	}
	case GET_VRING_BASE: {
		if (!need(8))
			return EPROTO;
		if (!ring_index(get<uint32_t>(payload), idx))
			return why = "ring index out of range", EPROTO;
		uint32_t state[2] = {idx, 0};
		if (idx < rings_.size()) {
			Virtqueue &q = rings_[idx];
			q.running = false;
			q.kick.reset();
			state[1] = q.last_avail;
			hooks_.ring_stopped(idx);
		}
		return reply(h.request, state, sizeof(state), why);
	}
	case SET_VRING_KICK:
	case SET_VRING_CALL:
	case SET_VRING_ERR:
		return set_ring_fd(h.request, payload, h.size, fds, why);
	case GET_CONFIG:
		return get_config(payload, h.size, why);
	default:
		// Not offered, so not expected; answering could desynchronise the stream, so only log.
		VB_WARN("vhost-user request %u not supported (ignored)", h.request);
		return 0;
	}
}

int VhostUserDevice::set_mem_table(const std::byte *p, uint32_t size, std::vector<UniqueFd> &fds, std::string &why)
{
	if (size < 8)
		return why = "SET_MEM_TABLE too short", EPROTO;
	const uint32_t n = get<uint32_t>(p);
	if (n == 0 || n > kMaxFds || size < 8 + 32ull * n)
		return why = "SET_MEM_TABLE with " + std::to_string(n) + " regions in " + std::to_string(size) +
			     " bytes",
		       EPROTO;
	std::vector<MemRegion> regions(n);
	std::vector<int> raw;
	for (uint32_t i = 0; i < n; ++i) {
		const std::byte *r = p + 8 + 32 * i;
		regions[i] = {get<uint64_t>(r), get<uint64_t>(r + 8), get<uint64_t>(r + 16), get<uint64_t>(r + 24)};
	}
	for (auto &f : fds)
		raw.push_back(f.get());
	for (auto &q : rings_)
		q.detach();
	if (int r = mem_.set(regions, raw, why))
		return r;
	for (unsigned i = 0; i < rings_.size(); ++i)
		reattach(i);
	return 0; // the fds close here: the mappings keep the memory
}

int VhostUserDevice::set_ring_fd(uint32_t request, const std::byte *p, uint32_t size, std::vector<UniqueFd> &fds,
				 std::string &why)
{
	if (size < 8)
		return why = "ring fd message too short", EPROTO;
	const uint64_t v = get<uint64_t>(p);
	const unsigned idx = static_cast<unsigned>(v & 0xff);
	const bool no_fd = v & 0x100;
	if (idx >= 3 || (!no_fd && fds.size() != 1))
		return why = "ring fd message for ring " + std::to_string(idx) + " with " + std::to_string(fds.size()) +
			     " fds",
		       EPROTO;
	if (idx >= rings_.size() || request == SET_VRING_ERR)
		return 0; // the fd (if any) is closed on return
	Virtqueue &q = rings_[idx];
	UniqueFd fd = no_fd ? UniqueFd() : std::move(fds[0]);
	if (fd)
		fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
	if (request == SET_VRING_CALL) {
		q.call = std::move(fd); // the previous call fd is closed here (QEMU re-sends it often)
		return 0;
	}
	if (no_fd)
		VB_WARN("ring %u: polling mode (no kick fd) is not supported; the ring stays idle", idx);
	q.kick = std::move(fd);
	q.running = q.kick.valid();
	if (!protocol_features_)
		q.enabled = true; // without VHOST_USER_F_PROTOCOL_FEATURES a ring starts enabled
	reattach(idx);
	return 0;
}

int VhostUserDevice::get_config(const std::byte *p, uint32_t size, std::string &why)
{
	if (size < 12)
		return why = "GET_CONFIG too short", EPROTO;
	const uint32_t offset = get<uint32_t>(p);
	const uint32_t len = get<uint32_t>(p + 4);
	if (len > 256 || size < 12 + len)
		return why = "GET_CONFIG of " + std::to_string(len) + " bytes", EPROTO;
	std::byte out[12 + 256] = {};
	memcpy(out, p, 12);
	std::byte config[8];
	for (int i = 0; i < 8; ++i)
		config[i] = static_cast<std::byte>((guest_cid_ >> (8 * i)) & 0xff); // virtio_vsock_config, le64
	for (uint32_t i = 0; i < len; ++i)
		if (static_cast<uint64_t>(offset) + i < sizeof(config))
			out[12 + i] = config[offset + i];
	return reply(GET_CONFIG, out, 12 + len, why);
}

void VhostUserDevice::reattach(unsigned i)
{
	Virtqueue &q = rings_[i];
	if (q.running && !mem_.empty() && q.num) {
		std::string why;
		if (!q.attach(mem_, why))
			VB_ERROR("ring %u: %s", i, why.c_str());
	}
	hooks_.ring_changed(i);
}

} // namespace vbridge
