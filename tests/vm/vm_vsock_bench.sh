#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vm_vsock_bench.sh: the guest's two transports side by side in one run, under the same TCG guest and host
# agent (noop + mbench plugins): virtio-serial (QEMU chardev) and vsock (vhost-user-vsock-pci +
# vaccel-vsock-bridge). A measurement, not a test (not registered with CTest); figures in docs/performance.md.
#
# Usage: vm_vsock_bench.sh BUILD_DIR [REPEATS (default 3)]
# Per boot, in the guest: noop round trip = (median t[noop 1+N] - median t[noop 1]) / N with N = 1000 (env
# VSOCK_BENCH_NOOP_N; a whole process varies by tens of ms under TCG, so N must be large) and 3 runs
# of each (vm_timeit, whole processes); one-way payload throughput with vm_xfer (vaccel_image_segmentation on the
# agent's noop plugin: "up" = a BYTES image in, 64 B out; "down" = 64 B in, a BYTES out-only buffer back), 1 MiB x 20
# and 64 MiB x 2 each way. Both transports stream the payload (no fd passing on either). For vsock, the bridge's CPU
# time per MiB it forwarded (its exit line). vsock256k = vsock with the bridge's credit window at 256 KiB (its default
# before 2026-12-03; now 2 MiB, with the rpc plugin's guest socket at 2 MiB too). A last boot per round runs agent and client both inside the guest
# (no host agent): the noop round trip over AF_VSOCK loopback (vsock://1) against a unix socket in the guest, the
# same agent listening on both. Boots alternate serial, vsock, vsock256k, loopback, ... so load changes hit all alike.
# Environment (for investigations): VSOCK_BENCH_TRANSPORTS="serial vsock vsock256k loopback" (the default) picks
# boots; VSOCK_BENCH_WORKLOAD replaces the guest's workload (noop runs and the four vm_xfer runs; e.g. "noop 201" or
# "vm_xfer up 1048576 20", for the bridge's counters per call or per MiB); VSOCK_BENCH_KEEP=1 keeps the scratch
# directory (console, bridge and agent logs of every boot) and prints its path. VSOCK_BENCH_BRIDGE_B=BIN adds
# boots "vsockB": vsock through another bridge binary (e.g. an older build), for an A/B comparison in one run.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/tests/vm/vm-common.sh"

(($# >= 1)) || vm_die "usage: $0 BUILD_DIR [REPEATS]"
build_dir="$(cd "$1" && pwd)"
repeats="${2:-3}"
n="${VSOCK_BENCH_NOOP_N:-1000}"
rpc_plugin="$build_dir/plugins/rpc/libvaccel-rpc.so"
agent="$build_dir/agent/vaccel-agent"
bridge="$build_dir/vsock-bridge/vaccel-vsock-bridge"
noop_plugin="$build_dir/plugins/noop/libvaccel-noop.so"
timeit="$build_dir/tests/vm/vm_timeit"
xfer="$build_dir/tests/vm/vm_xfer"
for f in "$rpc_plugin" "$agent" "$bridge" "$noop_plugin" "$timeit" "$xfer" "$build_dir/examples/noop"; do
  [[ -f "$f" ]] || vm_die "missing $f"
done
transports="${VSOCK_BENCH_TRANSPORTS:-serial vsock vsock256k loopback}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/vm-vsock-bench.XXXXXX")"
if [[ "${VSOCK_BENCH_KEEP:-0}" == 1 ]]; then
  trap 'echo "kept $scratch"' EXIT
else
  trap 'rm -rf "$scratch"' EXIT
fi
export TMPDIR="$scratch"

guest_dir="$build_dir/tests/vm/guest-vsock-bench"
"$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" -b "$build_dir/examples/noop:/bin/noop" \
  -b "$xfer:/bin/vm_xfer" -b "$rpc_plugin" -b "$timeit:/bin/vm_timeit" -b "$agent:/bin/vaccel-agent" \
  -b "$noop_plugin" || vm_die "building the guest failed"
# noop_runs PREFIX: 3 x (noop 1, noop 1+N) under vm_timeit, the timing lines prefixed "PREFIX ".
noop_runs='noop_runs() { noop 1 > /dev/null; for r in 1 2 3; do vm_timeit noop 1 > /dev/null; vm_timeit noop '$((n + 1))' > /dev/null; done 2>&1 | sed "s|^|$1 |"; }'
cat > "$scratch/guest.sh" <<GUEST
grep -q 'rdinit=/init' /proc/cmdline || exit 125
$noop_runs
export VACCEL_PLUGINS=$rpc_plugin VACCEL_RPC_ADDRESS=\$VACCEL_VM_RPC_ADDRESS
${VSOCK_BENCH_WORKLOAD:-noop_runs NOOP
vm_xfer up 1048576 20 && vm_xfer down 1048576 20 && vm_xfer up 67108864 2 && vm_xfer down 67108864 2}
GUEST
# Guest-internal: the agent in the guest listens on AF_VSOCK (any CID) and on a unix socket.
cat > "$scratch/loopback.sh" <<GUEST
grep -q 'rdinit=/init' /proc/cmdline || exit 125
$noop_runs
VACCEL_PLUGINS=$noop_plugin vaccel-agent -a vsock://-1:2048 -a unix:///tmp/lo.sock --hello-timeout-ms 0 > /tmp/agent.log 2>&1 &
i=0; while [ \$i -lt 300 ] && [ \$(grep -c listening /tmp/agent.log) -lt 2 ]; do usleep 100000; i=\$((i + 1)); done
cat /tmp/agent.log
export VACCEL_PLUGINS=$rpc_plugin
# Interleaved, so that the host's load changes hit both alike.
VACCEL_RPC_ADDRESS=vsock://1:2048 noop 1 > /dev/null; VACCEL_RPC_ADDRESS=unix:///tmp/lo.sock noop 1 > /dev/null
for r in 1 2 3; do
  for k in 1 $((n + 1)); do
    VACCEL_RPC_ADDRESS=vsock://1:2048 vm_timeit noop \$k 2>&1 > /dev/null | sed 's|^|LOVSOCK |'
    VACCEL_RPC_ADDRESS=unix:///tmp/lo.sock vm_timeit noop \$k 2>&1 > /dev/null | sed 's|^|LOUNIX |'
  done
done
GUEST

for ((r = 1; r <= repeats; r++)); do
  for t in serial vsock vsock256k vsockB; do
    [[ " $transports " == *" $t "* ]] || continue
    vm_log "round $r/$repeats: $t"
    opts=(--transport vsock)
    [[ $t == serial ]] && opts=(--transport serial)
    [[ $t == vsock256k ]] && opts+=(--bridge-opt --buf-alloc --bridge-opt 262144) # the window before 2026-12-03
    "$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 300 --quiet \
      "${opts[@]}" --bridge "$([[ $t == vsockB ]] && echo "${VSOCK_BENCH_BRIDGE_B:?}" || echo "$bridge")" --script "$scratch/guest.sh" --console "$scratch/$t-$r.txt" \
      --bridge-log "$scratch/bridge-$t-$r.txt" --agent-log "$scratch/agent-$t-$r.txt" \
      -- env VACCEL_PLUGINS="$noop_plugin" "$agent" -a "unix://@SOCK@" --hello-timeout-ms 0 \
      || vm_die "$t run failed: $(cat "$scratch/$t-$r.txt" 2>/dev/null)"
  done
  [[ " $transports " == *" loopback "* ]] || continue
  vm_log "round $r/$repeats: loopback in the guest"
  "$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 300 --quiet \
    --no-agent --script "$scratch/loopback.sh" --console "$scratch/loopback-$r.txt" \
    || vm_die "loopback run failed: $(cat "$scratch/loopback-$r.txt" 2>/dev/null)"
done

# Prints "label: median value" over the rounds; $2 = awk program printing one value per console file.
per_round() {
  local t="$1" prog="$2" vals
  vals="$(for ((r = 1; r <= repeats; r++)); do awk "$prog" "$scratch/$t-$r.txt"; done | sort -n | tr '\n' ' ')"
  awk -v v="$vals" 'BEGIN { k = split(v, a, " "); printf "%.3f (runs: %s)\n", a[int((k + 1) / 2)], v }'
}
noop_prog() {
  echo 'function med(a, k, i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((k + 1) / 2)] }
  $1 == "'"$1"'" && $2 == "vm_timeit:" { if ($NF == 1) s[++ns] = $3; else l[++nl] = $3 } END { printf "%.3f\n", (med(l, nl) - med(s, ns)) / '"$n"' }'
}
# The whole "noop 1" process (start, connect, session, one call, exit): the median of its runs.
start_prog() {
  echo 'function med(a, k, i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((k + 1) / 2)] }
  $1 == "'"$1"'" && $2 == "vm_timeit:" && $NF == 1 { s[++ns] = $3 } END { printf "%.0f\n", med(s, ns) }'
}
xfer_prog() { echo '$1 == "vm_xfer:" && $2 == "'"$1"'" && $3 == '"$2"' { printf "%.1f\n", $3 * $5 / ($7 / 1e9) / 1e6 }'; }

echo
echo "guest (QEMU TCG, 1 vCPU) -> host agent (noop plugin); medians of $repeats boots per transport"
for t in serial vsock vsock256k vsockB; do
  [[ " $transports " == *" $t "* ]] || continue
  echo "$t: noop round trip ms: $(per_round "$t" "$(noop_prog NOOP)")"
  echo "$t: whole noop 1 process ms: $(per_round "$t" "$(start_prog NOOP)")"
  for dir in up down; do
    echo "$t: $dir 1 MiB x20 MB/s: $(per_round "$t" "$(xfer_prog $dir 1048576)")"
    echo "$t: $dir 64 MiB x2 MB/s: $(per_round "$t" "$(xfer_prog $dir 67108864)")"
  done
done
if [[ " $transports " == *" loopback "* ]]; then
  echo "guest-internal (agent in the guest), noop round trip ms over vsock://1 (loopback): $(per_round loopback "$(noop_prog LOVSOCK)")"
  echo "guest-internal (agent in the guest), noop round trip ms over a unix socket: $(per_round loopback "$(noop_prog LOUNIX)")"
  echo "guest-internal, whole noop 1 process ms, vsock://1: $(per_round loopback "$(start_prog LOVSOCK)"); unix: $(per_round loopback "$(start_prog LOUNIX)")"
fi
for t in vsock vsock256k vsockB; do
  [[ " $transports " == *" $t "* ]] || continue
  for ((r = 1; r <= repeats; r++)); do
    echo "bridge ($t, boot $r) $(grep -o 'counters: .*' "$scratch/bridge-$t-$r.txt")"
  done
  for ((r = 1; r <= repeats; r++)); do
    sed -n 's/.*exit: \([0-9]*\) bytes to host, \([0-9]*\) bytes to guest.*cpu \([0-9]*\) ms.*/\1 \2 \3/p' "$scratch/bridge-$t-$r.txt"
  done | awk -v t="$t" '{ mib = ($1 + $2) / 1048576; printf "bridge (%s): %.1f MiB forwarded, cpu %d ms, %.2f ms per MiB\n", t, mib, $3, $3 / mib }'
done
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
