// SPDX-License-Identifier: Apache-2.0
// vaccel-vsock-bridge: command line, signals, exit status. See usage() and docs/vm.md.
#include "bridge.hpp"
#include "log.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char *const kUsage = R"(NAME
    vaccel-vsock-bridge - vhost-user vsock device back-end mapping guest vsock to host unix sockets

SYNOPSIS
    vaccel-vsock-bridge --socket PATH --uds PATH [--guest-cid N] [--buf-alloc BYTES]
                        [--max-packet BYTES] [--max-conns N] [--no-host-connect] [-v|--verbose]

DESCRIPTION
    Serves one VMM (QEMU's vhost-user-vsock-pci or vhost-user-vsock-device) over the vhost-user
    protocol and gives its guest the Firecracker / Cloud Hypervisor "hybrid vsock" view of the host:

    Guest to host: a guest connect(2) to CID 2, port P becomes a connection to the host unix socket
    PATH_P (the --uds PATH, "_", P). If nothing listens there, the guest's connect fails at once
    (the bridge answers with a reset).

    Host to guest: a host process connects to the unix socket PATH itself and writes "CONNECT P\n";
    when the guest's listener on port P accepts, it reads "OK <host port>\n" and the stream is then
    the guest connection.

    The bridge uses only unix sockets on the host; it never opens an AF_VSOCK socket. The guest is
    untrusted: every ring and buffer address is checked against the VMM's memory table.

    The bridge is ready when the --socket file exists (it is created under a temporary name and
    renamed into place). QEMU must be started after that. The bridge exits when the VMM
    disconnects, or on SIGINT/SIGTERM.

OPTIONS
    --socket PATH       vhost-user socket to create; QEMU: -chardev socket,id=c0,path=PATH
                        -device vhost-user-vsock-pci,chardev=c0 (guest RAM must be shared:
                        -object memory-backend-memfd,id=m0,size=<RAM>,share=on -machine memory-backend=m0)
    --uds PATH          hybrid-vsock prefix: guest port P maps to PATH_P; PATH itself takes CONNECT lines
    --guest-cid N       the guest's CID, reported in the device config (default 3; must be > 2)
    --buf-alloc BYTES   per-connection buffer for guest-to-host bytes, advertised to the guest as its
                        credit (default 2097152; 4096 .. 67108864). A Linux guest uses no more than
                        its own socket buffer: 256 KiB by default, 2 MiB for vAccel's rpc plugin
    --max-packet BYTES  largest payload of one packet in either direction (default 65536; 1024 .. 65536)
    --max-conns N       connections (and pending CONNECT lines) at once (default 128); the bridge
                        holds at most --buf-alloc bytes for each
    --no-host-connect   do not listen on PATH for host-initiated connections
    -v, --verbose       log every connection and vhost-user message
    -h, --help          print this text

EXIT STATUS
    0 when the VMM disconnected or a signal asked the bridge to stop; 1 on a fatal error (bad
    arguments, socket creation, a vhost-user protocol violation); 2 on a usage error.

EXAMPLE
    vaccel-vsock-bridge --socket /run/vm1/vu.sock --uds /run/vm1/v.sock &
    vaccel-agent -a unix:///run/vm1/v.sock_2048 &
    qemu-system-x86_64 ... -object memory-backend-memfd,id=m0,size=512M,share=on \
        -machine memory-backend=m0 -chardev socket,id=c0,path=/run/vm1/vu.sock \
        -device vhost-user-vsock-pci,chardev=c0
    # in the guest: VACCEL_RPC_ADDRESS=vsock://2:2048
)";

bool parse_number(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long &out)
{
	char *end = nullptr;
	errno = 0;
	out = strtoull(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-' && out >= lo && out <= hi;
}

int usage_error(const char *what)
{
	fprintf(stderr, "vaccel-vsock-bridge: %s (see --help)\n", what);
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	vbridge::BridgeConfig cfg;
	for (int i = 1; i < argc; ++i) {
		const std::string a = argv[i];
		auto value = [&](const char *&out) {
			if (i + 1 >= argc)
				return false;
			out = argv[++i];
			return true;
		};
		const char *v = nullptr;
		unsigned long long n = 0;
		if (a == "-h" || a == "--help") {
			fputs(kUsage, stdout);
			return 0;
		} else if (a == "-v" || a == "--verbose") {
			vbridge::set_log_level(vbridge::Level::debug);
		} else if (a == "--no-host-connect") {
			cfg.mux.host_listener = false;
		} else if (a == "--socket" && value(v)) {
			cfg.socket_path = v;
		} else if (a == "--uds" && value(v)) {
			cfg.mux.uds = v;
		} else if (a == "--guest-cid" && value(v) && parse_number(v, 3, 0xfffffffeULL, n)) {
			cfg.mux.guest_cid = n;
		} else if (a == "--buf-alloc" && value(v) && parse_number(v, 4096, 64ull << 20, n)) {
			cfg.mux.buf_alloc = static_cast<uint32_t>(n);
		} else if (a == "--max-packet" && value(v) && parse_number(v, 1024, 65536, n)) {
			cfg.max_packet = static_cast<uint32_t>(n);
		} else if (a == "--max-conns" && value(v) && parse_number(v, 1, 1u << 20, n)) {
			cfg.mux.max_conns = static_cast<uint32_t>(n);
		} else {
			return usage_error(("bad or incomplete argument '" + a + "'").c_str());
		}
	}
	if (cfg.socket_path.empty() || cfg.mux.uds.empty())
		return usage_error("--socket and --uds are required");

	// Signals arrive as a readable fd in the event loop; SIGPIPE never kills the bridge.
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, nullptr);
	signal(SIGPIPE, SIG_IGN);
	vbridge::UniqueFd stop(signalfd(-1, &mask, SFD_CLOEXEC));

	vbridge::Bridge bridge(cfg);
	std::string why;
	int r = bridge.listen(why);
	if (r == 0) {
		VB_INFO("listening on %s (guest CID %llu, host sockets %s_<port>)", cfg.socket_path.c_str(),
			(unsigned long long)cfg.mux.guest_cid, cfg.mux.uds.c_str());
		r = bridge.serve(stop.get(), why);
	}
	const auto &s = bridge.stats();
	rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	const long cpu_ms =
		(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
	VB_INFO("exit: %llu bytes to host, %llu bytes to guest, %llu resets, %llu dropped, cpu %ld ms",
		(unsigned long long)s.to_host, (unsigned long long)s.to_guest, (unsigned long long)s.rst_sent,
		(unsigned long long)s.dropped, cpu_ms);
	// Load-independent counters: what the bridge asked of the guest and the VMM, and its syscalls
	// on host sockets (docs/vm.md explains them).
	const auto &d = bridge.device_stats();
	auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
	VB_INFO("counters: packets to guest %llu, from guest %llu; guest kicks rx %llu tx %llu; interrupts rx %llu tx "
		"%llu; "
		"credit updates sent %llu received %llu, credit requests sent %llu; wakeups %llu; host recv %llu send "
		"%llu",
		u(d.chains[0]), u(d.chains[1]), u(d.kicks[0]), u(d.kicks[1]), u(d.calls[0]), u(d.calls[1]),
		u(s.credit_updates_sent), u(s.credit_updates_received), u(s.credit_requests_sent), u(d.wakeups),
		u(s.host_reads), u(s.host_writes));
	if (r != 0) {
		VB_ERROR("%s", why.c_str());
		return 1;
	}
	if (cfg.mux.host_listener)
		::unlink(cfg.mux.uds.c_str());
	return 0;
}
