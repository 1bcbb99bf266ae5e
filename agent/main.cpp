// SPDX-License-Identifier: Apache-2.0
// vaccel-agent: host daemon of the remote path (docs/protocol.md).
#include "agent.hpp"
#include "id_quota.hpp"
#include "log.hpp"
#include "sandbox.hpp"
#include "url_policy.hpp"

#include <vaccel.h>

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int g_stop_pipe[2] = {-1, -1};

extern "C" void on_signal(int)
{
	char c = 1;
	ssize_t ignored = write(g_stop_pipe[1], &c, 1); // async-signal-safe wake-up
	(void)ignored;
}

void usage(FILE *out)
{
	fprintf(out,
		"usage: vaccel-agent [-a ADDRESS]... [options]\n"
		"  -a, --address ADDR          listen address (repeatable; default tcp://127.0.0.1:65500):\n"
		"                              unix:///path, tcp://host:port (port 0 = ephemeral), vsock://cid:port "
		"(cid -1 = any)\n"
		"  -p, --plugins LIST          ':'-separated plugins (default: VACCEL_PLUGINS)\n"
		"  -l, --log-level N           1 error, 2 warn, 3 info, 4 debug (default: VACCEL_LOG_LEVEL or 2)\n"
		"      --max-connections N     concurrent connections (default 256; fewer if ulimit -n cannot carry "
		"them)\n"
		"      --max-pre-hello N       connections waiting for their HELLO; the oldest makes room (default "
		"64)\n"
		"      --hello-timeout-ms N    time from connect to a complete HELLO (default 5000; 0 = none, for a\n"
		"                              VMM's virtio-serial chardev, which connects before the guest speaks)\n"
		"      --max-sessions N        sessions per connection (default 64)\n"
		"      --max-resources N       resources per connection (default 256); connections x sessions\n"
		"                              and x resources must fit the runtime's id pools (65536, 262144)\n"
		"      --workers N             threads per connection running one client's overlapping ops (default "
		"4)\n"
		"      --max-connection-bytes N  bytes held per connection: resources, payloads in flight,\n"
		"                              mapped memfd ranges, responses (default 2G)\n"
		"      --max-payload N         largest message payload, and largest memfd accepted (default 1G)\n"
		"      --max-response N        largest response payload: write args, output tensors (default 1G)\n"
		"      --max-memory N          memory held by all connections together (default 4G)\n"
		"      --max-disk N            spooled resource bytes of all connections together (default 16G)\n"
		"      --io-timeout-ms N       silence allowed inside a frame, and time for a whole head frame\n"
		"                              (header + metadata) from its first byte (default 10000)\n"
		"      --min-rate N            payload bytes per second a message must keep up, after\n"
		"                              --io-timeout-ms of grace (default 64K; 0 = none)\n"
		"      --idle-timeout-ms N     silence allowed between requests (default: none)\n"
		"      --retain-buffer N       receive buffer kept per connection between requests (default 256M)\n"
		"      --allow-exec            allow exec and exec_with_resource (runs guest-chosen code!)\n"
		"      --exec-allowlist LIB    allow exec of this library only (repeatable, or ':'-separated)\n"
		"      --allow-url-resources   download http(s) resources on behalf of clients (public addresses "
		"only)\n"
		"      --url-allow-host H      also allow this internal host: HOST[:PORT], IPV4[/LEN][:PORT] or\n"
		"                              [IPV6][/LEN][:PORT] (repeatable)\n"
		"      --url-allow-redirects   follow redirects of URL resources (each hop checked; default: refused)\n"
		"      --no-memfd              refuse memfd payloads\n"
		"      --workdir DIR           where received resources are spooled (default $TMPDIR or /tmp)\n"
		"      --socket-mode OCTAL     permissions of unix socket files (default 0600)\n"
		"      --socket-group GROUP    group of unix socket files (name or gid; default: the agent's)\n"
		"      --allow-uid UID         serve only these unix-socket peers (repeatable, or ','-separated;\n"
		"                              with --allow-gid: peers matching either; default: any)\n"
		"      --allow-gid GID         serve only unix-socket peers in these groups (repeatable, or "
		"','-separated)\n"
		"      --allow-remote          allow tcp listeners on non-loopback addresses (other hosts may "
		"connect!)\n"
		"      --auth-key-file FILE    clients must prove they hold this key (HMAC challenge; file mode 0600,\n"
		"                              at least 16 bytes; clients: VACCEL_RPC_AUTH_KEY_FILE)\n"
		"      --isolation MODE        process (default): one sandboxed worker process per connection,\n"
		"                              forked from the agent with its plugins loaded; thread: all\n"
		"                              connections in this process (benchmarks, debugging)\n"
		"      --prefork N             keep N workers forked ahead, sandboxed and waiting for a connection\n"
		"                              (process isolation; default 2, at most 64; 0 = fork on accept)\n"
		"      --op-timeout-ms N       kill a worker whose op runs longer (process isolation; default: none)\n"
		"      --worker-memory N       memory per worker beyond the loaded plugins (default 4G; 0 = none)\n"
		"      --cgroup DIR            writable cgroup v2 directory: per-worker leaves with memory.max\n"
		"                              (default: the limit is RLIMIT_AS)\n"
		"      --user USER             workers run as this user (the agent must start as root)\n"
		"      --group GROUP           ... and this group (default: the user's)\n"
		"      --worker-uid-range FIRST:COUNT  instead of --user: each worker runs as a uid (and gid) of\n"
		"                              its own from this range, unused on the host, with at least\n"
		"                              --max-connections + --prefork ids (the agent must start as root)\n"
		"      --no-seccomp            workers run without their seccomp filter (debugging only)\n"
		"  -h, --help\n"
		"Sizes accept K, M, G suffixes (powers of 1024).\n");
}

bool parse_size(const char *s, uint64_t &out)
{
	char *end = nullptr;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno)
		return false;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	else if (*end)
		return false;
	if (mul != 1 && end[1])
		return false;
	out = v * mul;
	return true;
}

void split_into(const std::string &s, std::vector<std::string> &out)
{
	size_t start = 0;
	while (start <= s.size()) {
		size_t colon = s.find(':', start);
		std::string part = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
		if (!part.empty())
			out.push_back(part);
		if (colon == std::string::npos)
			break;
		start = colon + 1;
	}
}

// Process isolation forks workers from this process, which must have one thread then
// (agent/supervisor.hpp). The pthreads build of OpenBLAS (pulled in by OpenCV) starts its pool
// when it is loaded, and libgomp's pool cannot be used in a child once the parent ran it;
// both size their pools from the environment when they load, which happens before main() (the
// runtime's constructor loads VACCEL_PLUGINS). So the agent re-executes itself once with
// OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1 unless the operator set them. Returns true only
// when the exec failed.
bool single_threaded_pools(char **argv)
{
	if (getenv("OPENBLAS_NUM_THREADS") && getenv("OMP_NUM_THREADS"))
		return false;
	if (getenv("VACCEL_AGENT_REEXEC")) // once only, whatever happened
		return false;
	setenv("VACCEL_AGENT_REEXEC", "1", 1);
	setenv("OPENBLAS_NUM_THREADS", "1", 0);
	setenv("OMP_NUM_THREADS", "1", 0);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "vaccel-agent: re-exec with single-threaded BLAS/OpenMP pools failed: %s\n", strerror(errno));
	return true;
}

enum LongOnly {
	kMaxConn = 1000,
	kMaxSess,
	kMaxConnBytes,
	kMaxPayload,
	kIoTimeout,
	kIdleTimeout,
	kRetain,
	kAllowExec,
	kExecAllow,
	kAllowUrl,
	kNoMemfd,
	kWorkers,
	kWorkdir,
	kMaxPreHello,
	kHelloTimeout,
	kMinRate,
	kSocketMode,
	kSocketGroup,
	kAllowUid,
	kAllowGid,
	kAllowRemote,
	kAuthKeyFile,
	kMaxRes,
	kUrlAllowHost,
	kUrlRedirects,
	kMaxResponse,
	kMaxMemory,
	kMaxDisk,
	kIsolation,
	kOpTimeout,
	kWorkerMemory,
	kCgroup,
	kUser,
	kGroup,
	kNoSeccomp,
	kPrefork,
	kWorkerUidRange,
};

// --worker-uid-range: with root, process isolation, without --user, and a range this host
// leaves unused, large enough for every worker alive at once (agent/worker_uids.hpp).
bool worker_uids_fit(const vaccel::agent::AgentConfig &cfg)
{
	std::string why;
	if (geteuid() != 0 || !cfg.process_isolation)
		why = "the agent must start as root, with --isolation process";
	else if (cfg.drop_user)
		why = "give --user or --worker-uid-range, not both";
	else
		why = vaccel::agent::check_uid_range(cfg.worker_uids, cfg.max_connections + cfg.prefork);
	if (!why.empty())
		fprintf(stderr, "vaccel-agent: --worker-uid-range %u:%u refused: %s\n", (unsigned)cfg.worker_uids.first,
			(unsigned)cfg.worker_uids.count, why.c_str());
	return why.empty();
}

} // namespace

int main(int argc, char **argv)
{
	using vaccel::agent::AgentConfig;
	AgentConfig cfg;
	if (const char *l = getenv("VACCEL_LOG_LEVEL"); l && *l)
		cfg.log_level = atoi(l);
	static const option opts[] = {
		{"address", required_argument, nullptr, 'a'},
		{"plugins", required_argument, nullptr, 'p'},
		{"log-level", required_argument, nullptr, 'l'},
		{"max-connections", required_argument, nullptr, kMaxConn},
		{"max-sessions", required_argument, nullptr, kMaxSess},
		{"max-connection-bytes", required_argument, nullptr, kMaxConnBytes},
		{"max-payload", required_argument, nullptr, kMaxPayload},
		{"max-response", required_argument, nullptr, kMaxResponse},
		{"max-memory", required_argument, nullptr, kMaxMemory},
		{"max-disk", required_argument, nullptr, kMaxDisk},
		{"io-timeout-ms", required_argument, nullptr, kIoTimeout},
		{"idle-timeout-ms", required_argument, nullptr, kIdleTimeout},
		{"retain-buffer", required_argument, nullptr, kRetain},
		{"allow-exec", no_argument, nullptr, kAllowExec},
		{"exec-allowlist", required_argument, nullptr, kExecAllow},
		{"allow-url-resources", no_argument, nullptr, kAllowUrl},
		{"no-memfd", no_argument, nullptr, kNoMemfd},
		{"workers", required_argument, nullptr, kWorkers},
		{"workdir", required_argument, nullptr, kWorkdir},
		{"max-pre-hello", required_argument, nullptr, kMaxPreHello},
		{"hello-timeout-ms", required_argument, nullptr, kHelloTimeout},
		{"min-rate", required_argument, nullptr, kMinRate},
		{"socket-mode", required_argument, nullptr, kSocketMode},
		{"socket-group", required_argument, nullptr, kSocketGroup},
		{"allow-uid", required_argument, nullptr, kAllowUid},
		{"allow-gid", required_argument, nullptr, kAllowGid},
		{"allow-remote", no_argument, nullptr, kAllowRemote},
		{"auth-key-file", required_argument, nullptr, kAuthKeyFile},
		{"max-resources", required_argument, nullptr, kMaxRes},
		{"url-allow-host", required_argument, nullptr, kUrlAllowHost},
		{"url-allow-redirects", no_argument, nullptr, kUrlRedirects},
		{"isolation", required_argument, nullptr, kIsolation},
		{"op-timeout-ms", required_argument, nullptr, kOpTimeout},
		{"worker-memory", required_argument, nullptr, kWorkerMemory},
		{"cgroup", required_argument, nullptr, kCgroup},
		{"user", required_argument, nullptr, kUser},
		{"group", required_argument, nullptr, kGroup},
		{"no-seccomp", no_argument, nullptr, kNoSeccomp},
		{"prefork", required_argument, nullptr, kPrefork},
		{"worker-uid-range", required_argument, nullptr, kWorkerUidRange},
		{"help", no_argument, nullptr, 'h'},
		{nullptr, 0, nullptr, 0},
	};
	int c;
	uint64_t v = 0;
	auto need_size = [&](const char *name) {
		if (!parse_size(optarg, v)) {
			fprintf(stderr, "vaccel-agent: invalid value for --%s: %s\n", name, optarg);
			exit(2);
		}
		return v;
	};
	// Access options (access_control.hpp): a bad value is fatal, like a bad size.
	auto need = [&](bool ok, const char *name, const std::string &why) {
		if (!ok) {
			fprintf(stderr, "vaccel-agent: invalid value for --%s: %s: %s\n", name, optarg, why.c_str());
			exit(2);
		}
	};
	std::string why;
	gid_t user_gid = 0, group_gid = 0;
	bool have_group = false;
	while ((c = getopt_long(argc, argv, "a:p:l:h", opts, nullptr)) != -1) {
		switch (c) {
		case 'a':
			cfg.addresses.emplace_back(optarg);
			break;
		case 'p':
			cfg.plugins = optarg;
			break;
		case 'l':
			cfg.log_level = atoi(optarg);
			break;
		case kMaxConn:
			cfg.max_connections = need_size("max-connections");
			break;
		case kMaxSess:
			cfg.max_sessions_per_connection = need_size("max-sessions");
			break;
		case kWorkers:
			cfg.workers_per_connection = need_size("workers");
			break;
		case kMaxConnBytes:
			cfg.max_bytes_per_connection = need_size("max-connection-bytes");
			break;
		case kMaxPayload:
			cfg.max_payload = need_size("max-payload");
			break;
		case kMaxResponse:
			cfg.max_response = need_size("max-response");
			break;
		case kMaxMemory:
			cfg.max_memory = need_size("max-memory");
			break;
		case kMaxDisk:
			cfg.max_disk = need_size("max-disk");
			break;
		case kIoTimeout:
			cfg.io_timeout_ms = static_cast<int>(need_size("io-timeout-ms"));
			break;
		case kIdleTimeout:
			cfg.idle_timeout_ms = static_cast<int>(need_size("idle-timeout-ms"));
			break;
		case kRetain:
			cfg.retain_buffer = need_size("retain-buffer");
			break;
		case kAllowExec:
			cfg.allow_exec = true;
			break;
		case kExecAllow:
			split_into(optarg, cfg.exec_allowlist);
			break;
		case kAllowUrl:
			cfg.allow_url_resources = true;
			break;
		case kNoMemfd:
			cfg.accept_memfd = false;
			break;
		case kWorkdir:
			cfg.workdir = optarg;
			break;
		case kMaxPreHello:
			cfg.max_pre_hello = need_size("max-pre-hello");
			break;
		case kHelloTimeout:
			cfg.hello_timeout_ms =
				static_cast<int>(std::min<uint64_t>(need_size("hello-timeout-ms"), INT_MAX));
			break;
		case kMinRate:
			cfg.min_rate = need_size("min-rate");
			break;
		case kSocketMode:
			need(vaccel::agent::parse_socket_mode(optarg, cfg.socket_mode, why), "socket-mode", why);
			break;
		case kSocketGroup:
			need(vaccel::agent::parse_group(optarg, cfg.socket_group, why), "socket-group", why);
			break;
		case kAllowUid:
			need(vaccel::agent::parse_id_list(optarg, false, cfg.peers.uids, why), "allow-uid", why);
			break;
		case kAllowGid:
			need(vaccel::agent::parse_id_list(optarg, true, cfg.peers.gids, why), "allow-gid", why);
			break;
		case kAllowRemote:
			cfg.allow_remote = true;
			break;
		case kAuthKeyFile:
			cfg.auth_key_file = optarg;
			break;
		case kMaxRes:
			cfg.max_resources_per_connection = need_size("max-resources");
			break;
		case kUrlAllowHost:
			cfg.url_allow_hosts.emplace_back(optarg);
			break;
		case kUrlRedirects:
			cfg.url_allow_redirects = true;
			break;
		case kIsolation:
			need(strcmp(optarg, "process") == 0 || strcmp(optarg, "thread") == 0, "isolation",
			     "process or thread");
			cfg.process_isolation = strcmp(optarg, "process") == 0;
			break;
		case kOpTimeout:
			cfg.op_timeout_ms = static_cast<int>(std::min<uint64_t>(need_size("op-timeout-ms"), INT_MAX));
			break;
		case kWorkerMemory:
			cfg.worker_memory = need_size("worker-memory");
			break;
		case kCgroup:
			cfg.cgroup_dir = optarg;
			break;
		case kUser:
			need(vaccel::agent::parse_user(optarg, cfg.worker_uid, user_gid, why), "user", why);
			cfg.drop_user = true;
			break;
		case kGroup:
			need(vaccel::agent::parse_group_id(optarg, group_gid, why), "group", why);
			have_group = true;
			break;
		case kNoSeccomp:
			cfg.seccomp = false;
			break;
		case kPrefork:
			cfg.prefork = need_size("prefork");
			need(cfg.prefork <= 64, "prefork", "at most 64");
			break;
		case kWorkerUidRange:
			need(vaccel::agent::parse_uid_range(optarg, cfg.worker_uids, why), "worker-uid-range", why);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vaccel-agent: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cfg.addresses.empty())
		cfg.addresses.emplace_back("tcp://127.0.0.1:65500");
	cfg.worker_gid = have_group ? group_gid : user_gid;
	if ((cfg.drop_user || have_group) && (geteuid() != 0 || !cfg.process_isolation)) {
		fprintf(stderr,
			"vaccel-agent: --user/--group need the agent to start as root, with --isolation process\n");
		return 2;
	}
	if (have_group && !cfg.drop_user) {
		fprintf(stderr, "vaccel-agent: --group needs --user\n");
		return 2;
	}
	if (cfg.worker_uids.count && !worker_uids_fit(cfg))
		return 2;
	if (cfg.log_level < 1 || cfg.log_level > 5)
		cfg.log_level = 2;
	if (cfg.process_isolation && single_threaded_pools(argv))
		return 1; // the exec failed (logged)
	vaccel::rpc::set_log_prefix("vaccel-agent");
	vaccel::rpc::set_log_level(static_cast<vaccel::rpc::LogLevel>(std::min(cfg.log_level, 4)));

	// The library constructor already bootstrapped from the environment; an explicit plugin
	// list re-initialises it with that list.
	if (!cfg.plugins.empty()) {
		struct vaccel_config vc {};
		vaccel_config_init_from_env(&vc);
		free(vc.plugins);
		vc.plugins = strdup(cfg.plugins.c_str());
		int ret = vaccel_bootstrap_with_config(&vc);
		vaccel_config_release(&vc);
		if (ret != VACCEL_OK) {
			RPC_ERROR("loading plugins '%s' failed (%d)", cfg.plugins.c_str(), ret);
			return 1;
		}
	}
	if (vaccel_plugin_count() == 0)
		RPC_WARN("no plugins loaded: every session request will fail (set VACCEL_PLUGINS or --plugins)");
	if (cfg.allow_exec)
		RPC_WARN("--allow-exec: clients may run code on this host");
	if (!vaccel::agent::id_quotas_fit(cfg) || !vaccel::agent::apply_url_policy(cfg))
		return 2;

	if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		perror("pipe2");
		return 1;
	}
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);

	int rc = 0;
	{
		vaccel::agent::Agent agent(cfg);
		if (agent.start(g_stop_pipe[0]) != 0) {
			agent.shutdown();
			return 1;
		}
		rc = agent.run(g_stop_pipe[0]) == 0 ? 0 : 1;
		RPC_INFO("shutting down");
		agent.shutdown();
	}
	return rc;
}
