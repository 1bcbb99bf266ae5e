// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: the agent's request handling end to end, in process, with the noop plugin.
// Each input becomes one client connection: a real agent Connection (agent/connection.cpp) on
// one end of an AF_UNIX socketpair, the harness on the other. The harness sends a valid HELLO,
// then the frames the input describes, then EOF, and drains every response until the agent
// closes. Sessions, resources (spooled under a temporary workdir), genop, model requests and
// profiling all run for real on the host libvaccel with libvaccel-noop.so.
//
// Input: a sequence of records (at most kMaxRecords), each starting with a kind byte k:
//   k % 8 == 0: raw bytes: u16 length (modulo kMaxRaw + 1), then that many bytes, sent as they
//               are (torn frames, garbage, hand-made headers);
//   otherwise:  a message: u16 metadata length (modulo kMaxMeta + 1), u16 payload length (modulo
//               kMaxPayload + 1), the metadata bytes (a serialized Request when from the seeds),
//               then the payload bytes. The harness frames it properly: a REQUEST head (a HELLO
//               when k % 8 == 7) with a fresh stream id, the payload cut into frames of
//               1 + (k >> 3) * 97 bytes (k >> 3 == 0: one frame).
// tests/fuzz/capture/make_seeds.py writes recorded client traffic in this form.
#include "fuzz_util.hpp"

#include "agent.hpp"
#include "connection.hpp"
#include "frame.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <memory>
#include <vector>

#ifndef NOOP_PLUGIN
#error "NOOP_PLUGIN must name libvaccel-noop.so"
#endif

namespace {

namespace rpc = vaccel::rpc;
namespace v1 = vaccel::rpc::v1;

constexpr size_t kMaxRecords = 64;
constexpr size_t kMaxRaw = 4096;
constexpr size_t kMaxMeta = 4096;
constexpr size_t kMaxPayload = 16384;

vaccel::agent::Agent *g_agent = nullptr;
std::string g_workdir; // removed at exit with whatever the connections left in it
std::atomic<uint64_t> g_conn_id{1};

void append(std::vector<uint8_t> &out, const void *p, size_t n)
{
	const auto *b = static_cast<const uint8_t *>(p);
	out.insert(out.end(), b, b + n);
}

// One message as the rpc client frames it: head frame (metadata + first chunk), DATA frames.
void append_message(std::vector<uint8_t> &out, rpc::FrameType type, uint32_t stream, const uint8_t *meta,
		    size_t meta_len, const uint8_t *payload, size_t payload_len, size_t chunk)
{
	size_t sent = 0;
	bool head = true;
	while (head || sent < payload_len) {
		rpc::FrameHeader h;
		h.type = head ? type : rpc::FrameType::data;
		h.stream_id = stream;
		h.meta_len = head ? static_cast<uint32_t>(meta_len) : 0;
		const size_t n = std::min(chunk, payload_len - sent);
		h.data_len = n;
		h.aux = head ? payload_len : sent;
		h.flags = sent + n == payload_len ? rpc::frame_flags::end : 0;
		const auto hb = rpc::encode_header(h);
		append(out, hb.data(), hb.size());
		if (head)
			append(out, meta, meta_len);
		append(out, payload + sent, n);
		sent += n;
		head = false;
	}
}

std::vector<uint8_t> build_stream(const uint8_t *data, size_t size)
{
	std::vector<uint8_t> out;
	v1::Hello hello;
	hello.set_protocol_version(rpc::kProtocolVersion);
	hello.set_nonce(0x66757a7aULL);
	hello.set_client_name("fuzz");
	const std::string hm = hello.SerializeAsString();
	append_message(out, rpc::FrameType::hello, 1, reinterpret_cast<const uint8_t *>(hm.data()), hm.size(), nullptr,
		       0, 1);
	vaccel::fuzz::Input in(data, size);
	uint32_t stream = 2;
	for (size_t i = 0; i < kMaxRecords && !in.empty(); ++i) {
		const uint8_t kind = in.u8();
		size_t got = 0;
		if (kind % 8 == 0) {
			const uint8_t *raw = in.take(in.u16() % (kMaxRaw + 1), got);
			append(out, raw, got);
			continue;
		}
		const size_t meta_len = in.u16() % (kMaxMeta + 1);
		const size_t payload_len = in.u16() % (kMaxPayload + 1);
		std::vector<uint8_t> meta(meta_len), payload(payload_len);
		const uint8_t *m = in.take(meta_len, got);
		std::copy(m, m + got, meta.begin());
		const uint8_t *p = in.take(payload_len, got);
		std::copy(p, p + got, payload.begin());
		const size_t chunk = (kind >> 3) == 0 ? std::max<size_t>(payload_len, 1) : 1 + (kind >> 3) * 97u;
		append_message(out, kind % 8 == 7 ? rpc::FrameType::hello : rpc::FrameType::request, stream++,
			       meta.data(), meta.size(), payload.data(), payload.size(), chunk);
	}
	return out;
}

// Writes the stream while draining the responses (one thread, so that neither side blocks on a
// full socket), half-closes, and reads until the agent closes its end: its thread is then done.
void talk(int fd, const std::vector<uint8_t> &stream)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	size_t off = 0;
	bool writing = true;
	char buf[64 * 1024];
	for (;;) {
		if (writing && off == stream.size()) {
			shutdown(fd, SHUT_WR);
			writing = false;
		}
		pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			abort();
		if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = send(fd, stream.data() + off, stream.size() - off, MSG_NOSIGNAL);
			if (w > 0)
				off += static_cast<size_t>(w);
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				off = stream.size(); // the agent dropped the connection: the rest is moot
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				return; // EOF: the agent closed its end
		}
	}
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	vaccel::fuzz::quiet_logs();
	vaccel::fuzz::bootstrap_quietly(NOOP_PLUGIN);
	std::string dir = std::filesystem::temp_directory_path() / "vaccel-fuzz-agent.XXXXXX";
	if (!mkdtemp(dir.data()))
		abort();
	g_workdir = dir;
	atexit([] {
		std::error_code ec;
		std::filesystem::remove_all(g_workdir, ec);
	});
	vaccel::agent::AgentConfig cfg;
	cfg.max_sessions_per_connection = 8;
	cfg.workers_per_connection = 0; // requests run on the connection's thread: reproducible runs
	cfg.max_bytes_per_connection = 8u << 20;
	cfg.max_payload = 1u << 20;
	cfg.max_chunk = 64u << 10;
	cfg.retain_buffer = 1u << 20;
	cfg.io_timeout_ms = 1000; // the input always ends in EOF, so no read waits for it
	cfg.workdir = dir;
	g_agent = new vaccel::agent::Agent(cfg); // lives for the whole run
	if (g_agent->start() != 0)
		abort();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::vector<uint8_t> stream = build_stream(data, size);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	auto conn = std::make_unique<vaccel::agent::Connection>(*g_agent, rpc::UniqueFd(sv[0]), g_conn_id++, "fuzz");
	conn->start();
	talk(sv[1], stream);
	conn->join();
	close(sv[1]);
	return 0;
}
