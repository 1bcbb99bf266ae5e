#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vm_vsock_bench.sh: the guest's two transports side by side in one run, under the same TCG guest and host
# agent (noop + mbench plugins): virtio-serial (QEMU chardev) and vsock (vhost-user-vsock-pci +
# vaccel-vsock-bridge). A measurement, not a test (not registered with CTest); figures in docs/performance.md.
#
# Usage: vm_vsock_bench.sh BUILD_DIR [REPEATS (default 3)]
# Per boot, in the guest: noop round trip = (median t[noop 1+N] - median t[noop 1]) / N with N = 200 and 3 runs
# of each (vm_timeit, whole processes); guest->host payload throughput from mbench's own timer (1 MiB x 20 and 64 MiB x 2 through
# vaccel_exec to the mbench plugin, which does nothing with it). Both transports stream the payload (no fd
# passing on either). For vsock, the bridge's CPU time per MiB it forwarded (its exit line). Boots alternate
# serial, vsock, serial, ... so that load changes on the shared machine hit both alike.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/tests/vm/vm-common.sh"

(($# >= 1)) || vm_die "usage: $0 BUILD_DIR [REPEATS]"
build_dir="$(cd "$1" && pwd)"
repeats="${2:-3}"
n=200
rpc_plugin="$build_dir/plugins/rpc/libvaccel-rpc.so"
agent="$build_dir/agent/vaccel-agent"
bridge="$build_dir/vsock-bridge/vaccel-vsock-bridge"
noop_plugin="$build_dir/plugins/noop/libvaccel-noop.so"
mbench_plugin="$build_dir/plugins/mbench/libvaccel-mbench.so"
timeit="$build_dir/tests/vm/vm_timeit"
for f in "$rpc_plugin" "$agent" "$bridge" "$noop_plugin" "$mbench_plugin" "$timeit" "$build_dir/examples/noop" "$build_dir/examples/mbench"; do
  [[ -f "$f" ]] || vm_die "missing $f"
done
scratch="$(mktemp -d "${TMPDIR:-/tmp}/vm-vsock-bench.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"

guest_dir="$build_dir/tests/vm/guest-vsock-bench"
"$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" -b "$build_dir/examples/noop:/bin/noop" \
  -b "$build_dir/examples/mbench:/bin/mbench" -b "$rpc_plugin" -b "$timeit:/bin/vm_timeit" || vm_die "building the guest failed"
cat > "$scratch/guest.sh" <<EOF
grep -q 'rdinit=/init' /proc/cmdline || exit 125
export VACCEL_PLUGINS=$rpc_plugin VACCEL_RPC_ADDRESS=\$VACCEL_VM_RPC_ADDRESS
dd if=/dev/zero of=/tmp/p1m bs=1M count=1 2>/dev/null
noop 1 > /dev/null
for r in 1 2 3; do vm_timeit noop 1 > /dev/null; vm_timeit noop $((n + 1)) > /dev/null; done
mbench 1 /tmp/p1m 20 2>&1 | sed 's/^/P1M /'
rm /tmp/p1m; dd if=/dev/zero of=/tmp/p64m bs=1M count=64 2>/dev/null
mbench 1 /tmp/p64m 2 2>&1 | sed 's/^/P64M /'
EOF

for ((r = 1; r <= repeats; r++)); do
  for t in serial vsock; do
    vm_log "round $r/$repeats: $t"
    "$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 300 --quiet \
      --transport "$t" --bridge "$bridge" --script "$scratch/guest.sh" --console "$scratch/$t-$r.txt" \
      --bridge-log "$scratch/bridge-$r.txt" \
      -- env VACCEL_PLUGINS="$noop_plugin:$mbench_plugin" "$agent" -a "unix://@SOCK@" --hello-timeout-ms 0 \
      --exec-allowlist mbench || vm_die "$t run failed: $(cat "$scratch/$t-$r.txt" 2>/dev/null)"
  done
done

# Prints "label: median value" over the rounds; $2 = awk program printing one value per console file.
per_round() {
  local t="$1" prog="$2" vals
  vals="$(for ((r = 1; r <= repeats; r++)); do awk "$prog" "$scratch/$t-$r.txt"; done | sort -n | tr '\n' ' ')"
  awk -v v="$vals" 'BEGIN { k = split(v, a, " "); printf "%.3f (runs: %s)\n", a[int((k + 1) / 2)], v }'
}
noop_prog='function med(a, k, i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((k + 1) / 2)] }
  /^vm_timeit: / { if ($NF == 1) s[++ns] = $2; else l[++nl] = $2 } END { printf "%.3f\n", (med(l, nl) - med(s, ns)) / '"$n"' }'
mb_prog() { echo '/^'"$1"' .*total_time:/ { for (i = 1; i <= NF; i++) if ($i == "total_time:") ns = $(i + 1) } END { printf "%.1f\n", '"$2"' * 1048576 / (ns / 1e9) / 1e6 }'; }

echo
echo "guest (QEMU TCG, 1 vCPU) -> host agent (noop + mbench plugins); medians of $repeats boots per transport"
for t in serial vsock; do
  echo "$t: noop round trip ms: $(per_round "$t" "$noop_prog")"
  echo "$t: guest->host 1 MiB x20 MB/s: $(per_round "$t" "$(mb_prog P1M 20)")"
  echo "$t: guest->host 64 MiB x2 MB/s: $(per_round "$t" "$(mb_prog P64M 128)")"
done
for ((r = 1; r <= repeats; r++)); do
  sed -n 's/.*exit: \([0-9]*\) bytes to host, \([0-9]*\) bytes to guest.*cpu \([0-9]*\) ms.*/\1 \2 \3/p' "$scratch/bridge-$r.txt"
done | awk '{ mib = ($1 + $2) / 1048576; printf "bridge: %.1f MiB forwarded, cpu %d ms, %.2f ms per MiB\n", mib, $3, $3 / mib }'
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
