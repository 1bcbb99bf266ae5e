// SPDX-License-Identifier: Apache-2.0
#include "vsock_fake_frontend.hpp"

#include "fd_passing.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace vtest {
namespace {

constexpr uint16_t kNext = 1, kWrite = 2;

int64_t now_ms()
{
	return std::chrono::duration_cast<std::chrono::milliseconds>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

sockaddr_un address(const std::string &path)
{
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
	return sa;
}

bool wait_readable(int fd, int timeout_ms)
{
	pollfd p{fd, POLLIN, 0};
	return poll(&p, 1, timeout_ms) > 0;
}

} // namespace

UniqueFd listen_unix(const std::string &path)
{
	UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	auto sa = address(path);
	unlink(path.c_str());
	if (bind(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0 || listen(fd.get(), 64) != 0)
		return UniqueFd();
	return fd;
}

UniqueFd accept_one(int listener, int timeout_ms)
{
	if (!wait_readable(listener, timeout_ms))
		return UniqueFd();
	return UniqueFd(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
}

UniqueFd connect_unix(const std::string &path)
{
	UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	auto sa = address(path);
	if (connect(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0)
		return UniqueFd();
	return fd;
}

bool read_exact(int fd, void *p, size_t n, int timeout_ms)
{
	auto *b = static_cast<char *>(p);
	const int64_t end = now_ms() + timeout_ms;
	while (n) {
		if (!wait_readable(fd, static_cast<int>(std::max<int64_t>(end - now_ms(), 0))))
			return false;
		ssize_t r = read(fd, b, n);
		if (r <= 0)
			return false;
		b += r;
		n -= static_cast<size_t>(r);
	}
	return true;
}

bool read_eof(int fd, int timeout_ms)
{
	char c;
	return wait_readable(fd, timeout_ms) && read(fd, &c, 1) == 0;
}

FakeFrontend::FakeFrontend(vbridge::BridgeConfig cfg, uint64_t cid) : guest_cid(cid)
{
	char tmpl[] = "/tmp/vsock-bridge-test.XXXXXX";
	dir = mkdtemp(tmpl);
	socket_path = dir + "/vu.sock";
	uds = dir + "/v.sock";
	cfg.socket_path = socket_path;
	cfg.mux.uds = uds;
	cfg.mux.guest_cid = cid;
	bridge_ = std::make_unique<vbridge::Bridge>(cfg);
	std::string why;
	if (bridge_->listen(why) != 0)
		ADD_FAILURE() << "bridge listen: " << why;
	stop_.reset(eventfd(0, EFD_CLOEXEC));
	thread_ = std::thread([this] {
		std::string err;
		serve_result = bridge_->serve(stop_.get(), err);
	});
	conn_ = connect_unix(socket_path);
	EXPECT_TRUE(conn_.valid()) << "connect " << socket_path;
	timeval tv{10, 0};
	setsockopt(conn_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memfd_.reset(memfd_create("guest-ram", MFD_CLOEXEC));
	EXPECT_EQ(ftruncate(memfd_.get(), kRamSize), 0);
	ram_ = static_cast<std::byte *>(mmap(nullptr, kRamSize, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_.get(), 0));
	setup_ring(0, 0x1000);
	setup_ring(1, 0x5000);
}

FakeFrontend::~FakeFrontend()
{
	if (thread_.joinable()) {
		eventfd_write(stop_.get(), 1);
		thread_.join();
	}
	bridge_.reset();
	munmap(ram_, kRamSize);
	std::string cmd = "rm -rf '" + dir + "'";
	if (system(cmd.c_str()) != 0)
		ADD_FAILURE() << "cannot remove " << dir;
}

int FakeFrontend::disconnect()
{
	conn_.reset();
	thread_.join();
	return serve_result;
}

void FakeFrontend::setup_ring(unsigned i, uint64_t base)
{
	FakeRing &r = rings_[i];
	r.desc = base;
	r.avail = base + 0x400;
	r.used = base + 0x800;
	r.kick.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	r.call.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

std::vector<std::byte> FakeFrontend::message(uint32_t request, const void *payload, uint32_t size, std::vector<int> fds,
					     bool expect_reply)
{
	std::vector<std::byte> buf(12 + size);
	uint32_t head[3] = {request, 1, size};
	memcpy(buf.data(), head, 12);
	if (size)
		memcpy(buf.data() + 12, payload, size);
	iovec iov{buf.data(), buf.size()};
	EXPECT_EQ(vaccel::rpc::send_with_fds(conn_.get(), &iov, 1, fds), static_cast<ssize_t>(buf.size()));
	std::vector<std::byte> out;
	if (!expect_reply)
		return out;
	uint32_t rh[3] = {};
	if (!read_exact(conn_.get(), rh, 12)) {
		ADD_FAILURE() << "no reply to request " << request;
		return out;
	}
	EXPECT_EQ(rh[0], request);
	EXPECT_EQ(rh[1], 0x5u); // version 1 | REPLY
	out.resize(rh[2]);
	if (rh[2] && !read_exact(conn_.get(), out.data(), rh[2]))
		ADD_FAILURE() << "short reply to request " << request;
	return out;
}

void FakeFrontend::handshake()
{
	auto f = message(1, nullptr, 0, {}, true);
	uint64_t features = 0;
	memcpy(&features, f.data(), 8);
	EXPECT_TRUE(features & (1ull << 32));
	EXPECT_TRUE(features & (1ull << 30));
	uint64_t v = (1ull << 32) | (1ull << 30);
	message(2, &v, 8);
	auto pf = message(15, nullptr, 0, {}, true);
	memcpy(&v, pf.data(), 8);
	EXPECT_TRUE(v & (1ull << 9)) << "CONFIG protocol feature";
	v = 0x201;
	message(16, &v, 8);
	message(3, nullptr, 0);
	message(17, nullptr, 0, {}, true);
	struct {
		uint32_t n, pad;
		uint64_t gpa, size, uaddr, off;
	} table{1, 0, 0, kRamSize, kUserBase, 0};
	message(5, &table, sizeof(table), {memfd_.get()});
	for (unsigned i = 0; i < 2; ++i) {
		FakeRing &r = rings_[i];
		uint32_t num[2] = {i, kRingNum};
		message(8, num, 8);
		struct {
			uint32_t index, flags;
			uint64_t desc, used, avail, log;
		} addr{i, 0, kUserBase + r.desc, kUserBase + r.used, kUserBase + r.avail, 0};
		message(9, &addr, sizeof(addr));
		uint32_t base[2] = {i, 0};
		message(10, base, 8);
		uint64_t idx = i;
		message(13, &idx, 8, {r.call.get()});
		message(12, &idx, 8, {r.kick.get()});
		uint32_t enable[2] = {i, 1};
		message(18, enable, 8);
	}
	message(1, nullptr, 0, {}, true); // a reply is a synchronisation point, as QEMU uses it
}

uint64_t FakeFrontend::get_config_cid()
{
	uint32_t req[5] = {0, 8, 0, 0, 0};
	auto r = message(24, req, sizeof(req), {}, true);
	if (r.size() != 20)
		return 0;
	uint64_t cid = 0;
	memcpy(&cid, r.data() + 12, 8);
	return cid;
}

uint32_t FakeFrontend::get_vring_base(unsigned ring)
{
	uint32_t req[2] = {ring, 0};
	auto r = message(11, req, 8, {}, true);
	uint32_t out[2] = {};
	if (r.size() == 8)
		memcpy(out, r.data(), 8);
	EXPECT_EQ(out[0], ring);
	return out[1];
}

void FakeFrontend::set_vring_call(unsigned ring)
{
	rings_[ring].call.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	uint64_t idx = ring;
	message(13, &idx, 8, {rings_[ring].call.get()});
}

void FakeFrontend::write_desc(FakeRing &r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	std::byte *d = ram_ + r.desc + 16ull * i;
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void FakeFrontend::publish(FakeRing &r, uint16_t head)
{
	memcpy(ram_ + r.avail + 4 + 2 * (r.avail_idx % kRingNum), &head, 2);
	++r.avail_idx;
	__atomic_store_n(reinterpret_cast<uint16_t *>(ram_ + r.avail + 2), r.avail_idx, __ATOMIC_RELEASE);
}

void FakeFrontend::kick(FakeRing &r)
{
	eventfd_write(r.kick.get(), 1);
}

uint16_t FakeFrontend::used_idx(FakeRing &r)
{
	return __atomic_load_n(reinterpret_cast<uint16_t *>(ram_ + r.used + 2), __ATOMIC_ACQUIRE);
}

bool FakeFrontend::wait_used(FakeRing &r, uint16_t target, int timeout_ms)
{
	const int64_t end = now_ms() + timeout_ms;
	while (static_cast<int16_t>(used_idx(r) - target) < 0) {
		if (now_ms() > end)
			return false;
		wait_readable(r.call.get(), 5);
		eventfd_t v = 0;
		if (eventfd_read(r.call.get(), &v) == 0)
			r.calls += v;
	}
	return true;
}

uint64_t FakeFrontend::alloc_buf(uint32_t size)
{
	if (next_buf_ + size > kRamSize)
		next_buf_ = 0x100000;
	uint64_t a = next_buf_;
	next_buf_ += (size + 63) & ~63u;
	return a;
}

Header FakeFrontend::hdr(Op op, uint32_t guest_port, uint32_t host_port, uint32_t len)
{
	Header h;
	h.src_cid = guest_cid;
	h.dst_cid = vbridge::kHostCid;
	h.src_port = guest_port;
	h.dst_port = host_port;
	h.op = op;
	h.len = len;
	h.buf_alloc = guest_buf_alloc;
	h.fwd_cnt = guest_fwd_cnt;
	return h;
}

void FakeFrontend::send(const Header &h, const std::vector<std::byte> &payload, std::vector<uint32_t> split)
{
	std::vector<std::byte> bytes(vbridge::kHeaderSize + payload.size());
	vbridge::encode(h, bytes);
	std::copy(payload.begin(), payload.end(), bytes.begin() + vbridge::kHeaderSize);
	if (split.empty()) {
		split.push_back(vbridge::kHeaderSize);
		if (!payload.empty())
			split.push_back(static_cast<uint32_t>(payload.size()));
	}
	FakeRing &r = tx();
	const uint16_t head = next_tx_desc_;
	size_t off = 0;
	for (size_t k = 0; k < split.size(); ++k) {
		const uint16_t id = next_tx_desc_;
		next_tx_desc_ = static_cast<uint16_t>((next_tx_desc_ + 1) % kRingNum);
		const uint64_t a = alloc_buf(split[k]);
		memcpy(ram_ + a, bytes.data() + off, split[k]);
		off += split[k];
		const bool last = k + 1 == split.size();
		write_desc(r, id, a, split[k], last ? 0 : kNext, last ? 0 : next_tx_desc_);
	}
	const uint16_t target = static_cast<uint16_t>(used_idx(r) + 1);
	publish(r, head);
	kick(r);
	EXPECT_TRUE(wait_used(r, target)) << "the bridge did not consume a tx packet";
}

void FakeFrontend::post_rx(unsigned count, uint32_t size)
{
	FakeRing &r = rx();
	rx_bufs_.resize(kRingNum);
	for (unsigned k = 0; k < count; ++k) {
		const uint16_t id = next_rx_desc_;
		next_rx_desc_ = static_cast<uint16_t>((next_rx_desc_ + 1) % kRingNum);
		rx_bufs_[id] = 0x40000 + 4096ull * id;
		write_desc(r, id, rx_bufs_[id], size, kWrite, 0);
		publish(r, id);
	}
	kick(r);
}

bool FakeFrontend::recv(Header &h, std::vector<std::byte> &payload, int timeout_ms)
{
	FakeRing &r = rx();
	if (!wait_used(r, static_cast<uint16_t>(r.used_seen + 1), timeout_ms))
		return false;
	uint32_t elem[2];
	memcpy(elem, ram_ + r.used + 4 + 8 * (r.used_seen % kRingNum), 8);
	++r.used_seen;
	const uint32_t id = elem[0], len = elem[1];
	EXPECT_LT(id, kRingNum);
	EXPECT_GE(len, vbridge::kHeaderSize);
	EXPECT_LE(len, kRxBufSize);
	std::span<const std::byte> buf(ram_ + rx_bufs_[id], len);
	vbridge::decode(buf, h);
	EXPECT_EQ(h.len, len - vbridge::kHeaderSize) << "header len vs used len";
	payload.assign(buf.begin() + vbridge::kHeaderSize, buf.end());
	// The buffer goes straight back to the device, as the Linux driver refills its rx ring.
	write_desc(r, static_cast<uint16_t>(id), rx_bufs_[id], kRxBufSize, kWrite, 0);
	publish(r, static_cast<uint16_t>(id));
	kick(r);
	return true;
}

} // namespace vtest
