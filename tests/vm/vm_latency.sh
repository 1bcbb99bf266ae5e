#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vm_latency.sh: measures classify latency in the QEMU/TCG guest against the host, through the same agent,
# and the virtio-serial round trip. A measurement, not a test (not registered with CTest).
#
# Usage: vm_latency.sh BUILD_DIR [ITERATIONS] [REPEATS]
#   Each configuration times `classify cat.bmp 1 model` and `classify cat.bmp 1+ITERATIONS model` REPEATS times
#   (default 20 and 3); per-call latency = (median t[1+ITERATIONS] - median t[1]) / ITERATIONS, which leaves out
#   process start, session setup, model upload and model load. The one-shot time (N=1) is reported as well.
# Configurations: host, onnx plugin in-process | host, rpc plugin -> unix socket -> agent (onnx) |
#   guest, rpc plugin -> virtio-serial -> QEMU chardev -> unix socket -> agent (onnx); plus vm_ping echoes.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/tests/vm/vm-common.sh"

(($# >= 1)) || vm_die "usage: $0 BUILD_DIR [ITERATIONS] [REPEATS]"
build_dir="$(cd "$1" && pwd)"
iterations="${2:-20}"
repeats="${3:-3}"
models_dir="${VACCEL_MODELS_DIR:-$REPO_ROOT/../shared/models}"
classify="$build_dir/examples/classify"
rpc_plugin="$build_dir/plugins/rpc/libvaccel-rpc.so"
onnx_plugin="$build_dir/plugins/onnx/libvaccel-onnx.so"
agent="$build_dir/agent/vaccel-agent"
timeit="$build_dir/tests/vm/vm_timeit"
ping="$build_dir/tests/vm/vm_ping"
echo_agent="$build_dir/tests/vm/vm_echo_agent"
noop="$build_dir/examples/noop"
noop_plugin="$build_dir/plugins/noop/libvaccel-noop.so"
noop_iterations=2000
image="$models_dir/cat.bmp"
model="$models_dir/mobilenetv2-12-int8.onnx"
labels="$models_dir/imagenet_labels_1000.txt"
for f in "$noop" "$noop_plugin" "$classify" "$rpc_plugin" "$onnx_plugin" "$agent" "$timeit" "$ping" "$echo_agent" "$image" "$model"; do
  [[ -f "$f" ]] || vm_die "missing $f"
done
long_run=$((iterations + 1))

scratch="$(mktemp -d "${TMPDIR:-/tmp}/vm-latency.XXXXXX")"
agent_pid=""
cleanup() {
  [[ -z "$agent_pid" ]] || { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null; }
  rm -rf "$scratch"
}
trap cleanup EXIT
export TMPDIR="$scratch"

# Reads "vm_timeit: <ms> ms: ... <N> <model>" lines and prints one summary line per configuration: the medians
# of the N=1 and N=1+ITERATIONS runs and, from those two medians, the per-call time (robust to one slow run).
summarise() {
  local label="$1" file="$2" iters="${3:-$iterations}" field_from_end="${4:-1}"
  awk -v label="$label" -v iters="$iters" -v long="$((iters + 1))" -v back="$field_from_end" '
    /^vm_timeit: / {
      ms = $2; n = $(NF - back)
      if (n == 1) short[++ns] = ms; else if (n == long) longr[++nl] = ms
    }
    function median(a, k,   i, j, t) {
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    END {
      if (ns == 0 || nl == 0) { printf "%-44s no data\n", label; exit }
      s = median(short, ns); l = median(longr, nl)
      printf "%-44s N=1 %7.1f ms | N=%d %8.1f ms | per call %8.3f ms (%d+%d runs)\n",
             label, s, long, l, (l - s) / iters, ns, nl
    }' "$file"
}

# One pair of runs (N=1, N=1+ITERATIONS) on the host, appended to OUT; the rest of the arguments is the environment.
host_pair() {
  local out="$1"
  shift
  env "$@" "$timeit" "$classify" "$image" 1 "$model" >/dev/null 2>>"$out"
  env "$@" "$timeit" "$classify" "$image" "$long_run" "$model" >/dev/null 2>>"$out"
}

guest_dir="$build_dir/tests/vm/guest-latency"
"$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" \
  -b "$classify:/bin/classify" -b "$noop:/bin/noop" -b "$rpc_plugin" -b "$timeit:/bin/vm_timeit" -b "$ping:/bin/vm_ping" \
  -f "$image:/cat.bmp" -f "$model:/model.onnx" || vm_die "building the guest failed"
cat > "$scratch/guest-classify.sh" <<EOF
export VACCEL_PLUGINS=$rpc_plugin
export VACCEL_RPC_ADDRESS=serial:///dev/virtio-ports/vaccel
classify /cat.bmp 1 /model.onnx > /dev/null  # warm-up: TCG translates code and faults pages in on first use
vm_timeit classify /cat.bmp 1 /model.onnx > /dev/null
vm_timeit classify /cat.bmp $long_run /model.onnx > /dev/null
EOF

# The host agent for the host-side rpc runs stays up; each guest pair gets its own VM and agent.
VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels" "$agent" -a "unix://$scratch/agent.sock" \
  >"$scratch/agent.log" 2>&1 &
agent_pid=$!
for ((i = 0; i < 100; i++)); do [[ -S "$scratch/agent.sock" ]] && break; sleep 0.05; done
[[ -S "$scratch/agent.sock" ]] || vm_die "agent did not start: $(cat "$scratch/agent.log")"

# The three configurations are interleaved, one pair each per round, so that load changes on the shared
# machine hit all of them alike.
for ((r = 1; r <= repeats; r++)); do
  vm_log "round $r/$repeats: host in-process, host rpc over unix socket, guest rpc over virtio-serial"
  if ((r == 1)); then  # warm-up, as in the guest
    env VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels" "$classify" "$image" 1 "$model" >/dev/null
  fi
  host_pair "$scratch/host-direct.txt" VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels"
  host_pair "$scratch/host-rpc.txt" VACCEL_PLUGINS="$rpc_plugin" VACCEL_RPC_ADDRESS="unix://$scratch/agent.sock"
  "$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 300 --quiet \
    --script "$scratch/guest-classify.sh" --console "$scratch/guest-$r.txt" \
    -- env VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels" "$agent" -a "unix://@SOCK@" --hello-timeout-ms 0 ||
    vm_die "guest classify run failed: $(cat "$scratch/guest-$r.txt" 2>/dev/null)"
  cat "$scratch/guest-$r.txt" >> "$scratch/guest.txt"
done
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null
agent_pid=""

vm_log "noop through the rpc plugin: host over a unix socket, then the guest over virtio-serial"
VACCEL_PLUGINS="$noop_plugin" "$agent" -a "unix://$scratch/noop.sock" >"$scratch/noop-agent.log" 2>&1 &
agent_pid=$!
for ((i = 0; i < 100; i++)); do [[ -S "$scratch/noop.sock" ]] && break; sleep 0.05; done
[[ -S "$scratch/noop.sock" ]] || vm_die "noop agent did not start: $(cat "$scratch/noop-agent.log")"
for ((r = 0; r <= repeats; r++)); do  # round 0 is a warm-up and not recorded
  out="$scratch/noop-host.txt"
  ((r > 0)) || out=/dev/null
  VACCEL_PLUGINS="$rpc_plugin" VACCEL_RPC_ADDRESS="unix://$scratch/noop.sock" "$timeit" "$noop" 1 >/dev/null 2>>"$out"
  VACCEL_PLUGINS="$rpc_plugin" VACCEL_RPC_ADDRESS="unix://$scratch/noop.sock" \
    "$timeit" "$noop" $((noop_iterations + 1)) >/dev/null 2>>"$out"
done
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null
agent_pid=""
cat > "$scratch/guest-noop.sh" <<EOF
export VACCEL_PLUGINS=$rpc_plugin
export VACCEL_RPC_ADDRESS=serial:///dev/virtio-ports/vaccel
noop 1 > /dev/null
r=0
while [ \$r -lt $repeats ]; do
  vm_timeit noop 1 > /dev/null
  vm_timeit noop $((noop_iterations + 1)) > /dev/null
  r=\$((r + 1))
done
EOF
"$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 300 --quiet \
  --script "$scratch/guest-noop.sh" --console "$scratch/noop-guest.txt" \
  -- env VACCEL_PLUGINS="$noop_plugin" "$agent" -a "unix://@SOCK@" --hello-timeout-ms 0 ||
  vm_die "guest noop run failed: $(cat "$scratch/noop-guest.txt" 2>/dev/null)"

vm_log "guest virtio-serial echo round trips (host: vm_echo_agent)"
cat > "$scratch/guest-ping.sh" <<EOF
vm_ping -n 2000 -s 64
vm_ping -n 200 -s 4096
vm_ping -n 20 -s $(stat -c %s "$image")
EOF
"$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 120 --quiet \
  --script "$scratch/guest-ping.sh" --console "$scratch/ping.txt" -- "$echo_agent" -a "unix://@SOCK@" ||
  vm_die "guest ping run failed"

echo
echo "classify cat.bmp with mobilenetv2-12-int8.onnx; wall time of the whole process (medians of $repeats);"
echo "per call = (median t[N=$long_run] - median t[N=1]) / $iterations"
summarise "host: onnx plugin in-process" "$scratch/host-direct.txt"
summarise "host: rpc -> unix socket -> agent" "$scratch/host-rpc.txt"
summarise "guest (TCG): rpc -> virtio-serial -> agent" "$scratch/guest.txt"
echo "noop (vaccel_noop through the rpc plugin; agent runs the noop plugin); per call over $noop_iterations calls"
summarise "host: rpc -> unix socket -> agent" "$scratch/noop-host.txt" "$noop_iterations" 0
summarise "guest (TCG): rpc -> virtio-serial -> agent" "$scratch/noop-guest.txt" "$noop_iterations" 0
grep '^vm_ping: [0-9]' "$scratch/ping.txt" | sed 's/^vm_ping: /guest virtio-serial echo: /'
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); guest: QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}') TCG, 1 vCPU, qemu64"
