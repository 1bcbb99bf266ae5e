#!/usr/bin/env bash
# vm_latency.sh: measures classify latency in the QEMU/TCG guest against the host, through the same agent,
# and the virtio-serial round trip. A measurement, not a test (not registered with CTest).
#
# Usage: vm_latency.sh BUILD_DIR [ITERATIONS] [REPEATS]
#   Each configuration times `classify cat.bmp 1 model` and `classify cat.bmp 1+ITERATIONS model` REPEATS times
#   (default 20 and 3); per-call latency = (t[1+ITERATIONS] - t[1]) / ITERATIONS, which leaves out process
#   start, session setup, model upload and model load. The one-shot time (N=1) is reported as well.
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
image="$models_dir/cat.bmp"
model="$models_dir/mobilenetv2-12-int8.onnx"
labels="$models_dir/imagenet_labels_1000.txt"
for f in "$classify" "$rpc_plugin" "$onnx_plugin" "$agent" "$timeit" "$ping" "$echo_agent" "$image" "$model"; do
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

# Reads "vm_timeit: <ms> ms: ... <N> <model>" lines and prints one summary line per configuration:
# median one-shot time, median per-call time (pairs of runs in order), min/max per call.
summarise() {
  local label="$1" file="$2"
  awk -v label="$label" -v iters="$iterations" -v long="$long_run" '
    /^vm_timeit: / {
      ms = $2; n = $(NF - 1)
      if (n == 1) short[++ns] = ms; else if (n == long) longr[++nl] = ms
    }
    function median(a, k,   i, j, t) {
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    END {
      k = (ns < nl) ? ns : nl
      if (k == 0) { printf "%-44s no data\n", label; exit }
      for (i = 1; i <= k; i++) per[i] = (longr[i] - short[i]) / iters
      lo = per[1]; hi = per[1]
      for (i = 2; i <= k; i++) { if (per[i] < lo) lo = per[i]; if (per[i] > hi) hi = per[i] }
      printf "%-44s one-shot (N=1) %8.1f ms | per call %7.2f ms (%.2f-%.2f, %d runs)\n",
             label, median(short, ns), median(per, k), lo, hi, k
    }' "$file"
}

host_runs() {
  local out="$1"
  shift
  local r
  for ((r = 0; r < repeats; r++)); do
    env "$@" "$timeit" "$classify" "$image" 1 "$model" >/dev/null 2>>"$out"
    env "$@" "$timeit" "$classify" "$image" "$long_run" "$model" >/dev/null 2>>"$out"
  done
}

vm_log "host, onnx plugin in-process"
host_runs "$scratch/host-direct.txt" VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels"

vm_log "host, rpc plugin over a unix socket to vaccel-agent (onnx)"
VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels" "$agent" -a "unix://$scratch/agent.sock" \
  >"$scratch/agent.log" 2>&1 &
agent_pid=$!
for ((i = 0; i < 100; i++)); do [[ -S "$scratch/agent.sock" ]] && break; sleep 0.05; done
[[ -S "$scratch/agent.sock" ]] || vm_die "agent did not start: $(cat "$scratch/agent.log")"
host_runs "$scratch/host-rpc.txt" VACCEL_PLUGINS="$rpc_plugin" VACCEL_RPC_ADDRESS="unix://$scratch/agent.sock"
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null
agent_pid=""

vm_log "guest (QEMU TCG, virtio-serial) -> vaccel-agent (onnx)"
guest_dir="$build_dir/tests/vm/guest-latency"
"$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" \
  -b "$classify:/bin/classify" -b "$rpc_plugin" -b "$timeit:/bin/vm_timeit" -b "$ping:/bin/vm_ping" \
  -f "$image:/cat.bmp" -f "$model:/model.onnx" || vm_die "building the guest failed"
cat > "$scratch/guest-classify.sh" <<EOF
export VACCEL_PLUGINS=$rpc_plugin
export VACCEL_RPC_ADDRESS=serial:///dev/virtio-ports/vaccel
r=0
while [ \$r -lt $repeats ]; do
  vm_timeit classify /cat.bmp 1 /model.onnx > /dev/null
  vm_timeit classify /cat.bmp $long_run /model.onnx > /dev/null
  r=\$((r + 1))
done
EOF
"$VM_SCRIPTS/run-vm.sh" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 300 --quiet \
  --script "$scratch/guest-classify.sh" --console "$scratch/guest.txt" \
  -- env VACCEL_PLUGINS="$onnx_plugin" VACCEL_ONNX_LABELS="$labels" "$agent" -a "unix://@SOCK@" ||
  vm_die "guest classify run failed: $(cat "$scratch/guest.txt" 2>/dev/null)"

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
echo "classify cat.bmp with mobilenetv2-12-int8.onnx; per call = (t[N=$long_run] - t[N=1]) / $iterations; medians of $repeats"
summarise "host: onnx plugin in-process" "$scratch/host-direct.txt"
summarise "host: rpc -> unix socket -> agent" "$scratch/host-rpc.txt"
summarise "guest (TCG): rpc -> virtio-serial -> agent" "$scratch/guest.txt"
grep '^vm_ping: [0-9]' "$scratch/ping.txt" | sed 's/^vm_ping: /guest virtio-serial echo: /'
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); guest: QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}') TCG, 1 vCPU, qemu64"
