#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run-vm.sh: boots the test guest under QEMU TCG, with a host agent on the other end of a virtio-serial port,
# and exits with the guest script's exit status. Bounded: QEMU runs under `timeout -k 5`, and the agent and
# QEMU are always stopped (by PID) and the temporary directory removed, whatever happens.
#
# Usage: run-vm.sh --kernel VMLINUZ --initrd INITRD --script GUEST_SCRIPT [options] [-- AGENT_CMD...]
#   --script FILE      shell script run in the guest as /guest/run.sh (busybox sh; cwd /)
#   -- AGENT_CMD...    host agent command; "@SOCK@" in any argument becomes the unix socket path, on which the
#                      agent must listen before QEMU starts (QEMU connects to it as a client)
#   --no-agent         start no agent: QEMU retries the (absent) socket every second (chardev reconnect=1),
#                      so the guest sees a port whose host side is not connected
#   --kill-agent-on-marker  SIGKILL the agent as soon as the guest console shows "VM-E2E: KILL-AGENT"
#   --timeout SECONDS  QEMU wall-clock limit (default 60)
#   --port-name NAME   virtio-serial port name (default vaccel; guest: /dev/virtio-ports/NAME)
#   --transport serial|vsock  the guest channel (default serial). vsock: vaccel-vsock-bridge is started
#                      before QEMU and QEMU gets shared guest RAM and a vhost-user-vsock-pci device; "@SOCK@"
#                      becomes the bridge's host socket <uds>_PORT, and the guest reaches it at vsock://2:PORT
#                      (the guest's /guest/env exports VACCEL_VM_RPC_ADDRESS for either transport)
#   --vsock-port PORT  the vsock port the agent serves (default 2048)
#   --bridge BIN       the vaccel-vsock-bridge binary (default: $VACCEL_VSOCK_BRIDGE or the one in PATH)
#   --bridge-log FILE  keep the bridge's log in FILE
#   --bridge-opt WORD  one more word for the bridge's command line (repeatable), e.g.
#                      --bridge-opt --buf-alloc --bridge-opt 262144
#   --cpu MODEL        QEMU -cpu model (default: QEMU's qemu64; baseline x86-64 without SSE4.2/AVX2)
#   --mem MIB          guest memory (default 512)
#   --console FILE     keep the guest console log in FILE
#   --agent-log FILE   keep the agent's stdout+stderr in FILE
#   --socket-wait SECONDS  how long the agent may take to create its socket (default 20)
#   --quiet            do not print the console and agent log at the end
# Exit status: the guest script's status, taken from the last "VM-E2E: GUEST-EXIT=<rc>" console line;
#   124 = QEMU timed out; 125 = infrastructure failure (bad arguments, missing tool, agent did not create its
#   socket, QEMU failed, no GUEST-EXIT marker).
# Always TCG: KVM on the project's machines (nested PVM) makes guests crawl.
set -uo pipefail

readonly TIMED_OUT=124
readonly INFRA_FAILURE=125

kernel=""
initrd=""
guest_script=""
timeout_s=60
port_name="vaccel"
cpu_model=""
mem_mib=512
console_copy=""
agent_log_copy=""
socket_wait_s=20
no_agent=0
kill_on_marker=0
quiet=0
agent_cmd=()
transport="serial"
vsock_port=2048
bridge_bin="${VACCEL_VSOCK_BRIDGE:-vaccel-vsock-bridge}"
bridge_log_copy=""
bridge_opts=()

log() { echo "run-vm: $*" >&2; }

fail_infra() {
  log "error: $*"
  exit "$INFRA_FAILURE"
}

usage() { sed -n '3,34p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case "$1" in
    --kernel) kernel="$2"; shift 2 ;;
    --initrd) initrd="$2"; shift 2 ;;
    --script) guest_script="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --port-name) port_name="$2"; shift 2 ;;
    --transport) transport="$2"; shift 2 ;;
    --vsock-port) vsock_port="$2"; shift 2 ;;
    --bridge) bridge_bin="$2"; shift 2 ;;
    --bridge-log) bridge_log_copy="$2"; shift 2 ;;
    --bridge-opt) bridge_opts+=("$2"); shift 2 ;;
    --cpu) cpu_model="$2"; shift 2 ;;
    --mem) mem_mib="$2"; shift 2 ;;
    --console) console_copy="$2"; shift 2 ;;
    --agent-log) agent_log_copy="$2"; shift 2 ;;
    --socket-wait) socket_wait_s="$2"; shift 2 ;;
    --no-agent) no_agent=1; shift ;;
    --kill-agent-on-marker) kill_on_marker=1; shift ;;
    --quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; agent_cmd=("$@"); break ;;
    *) usage >&2; fail_infra "unknown argument '$1'" ;;
  esac
done

[[ -f "$kernel" ]] || fail_infra "--kernel '$kernel' is not a file"
[[ -f "$initrd" ]] || fail_infra "--initrd '$initrd' is not a file"
[[ -f "$guest_script" ]] || fail_infra "--script '$guest_script' is not a file"
[[ "$timeout_s" =~ ^[0-9]+$ && "$timeout_s" -gt 0 ]] || fail_infra "--timeout must be a positive integer"
[[ "$socket_wait_s" =~ ^[0-9]+$ ]] || fail_infra "--socket-wait must be an integer"
if ((no_agent)) && ((${#agent_cmd[@]})); then fail_infra "--no-agent and an agent command exclude each other"; fi
if ((!no_agent)) && ((${#agent_cmd[@]} == 0)); then fail_infra "no agent command given (or pass --no-agent)"; fi
[[ "$transport" == serial || "$transport" == vsock ]] || fail_infra "--transport must be serial or vsock"
[[ "$vsock_port" =~ ^[0-9]+$ ]] || fail_infra "--vsock-port must be a number"
if [[ "$transport" == vsock ]]; then
  command -v "$bridge_bin" >/dev/null || fail_infra "vsock transport: no bridge binary '$bridge_bin' (--bridge)"
fi
for tool in qemu-system-x86_64 timeout cpio gzip; do
  command -v "$tool" >/dev/null || fail_infra "missing host tool '$tool'"
done

# A short directory name keeps the socket path under the 108-byte sun_path limit.
work="$(mktemp -d "${TMPDIR:-/tmp}/vaccel-vm.XXXXXX")" || fail_infra "mktemp failed"
sock="$work/agent.sock"
agent_pid=""
qemu_pid=""
bridge_pid=""
if [[ "$transport" == vsock ]]; then
  # Firecracker's hybrid-vsock naming: guest port P arrives at <uds>_P.
  sock="$work/v.sock_$vsock_port"
fi

stop_pid() {
  local pid="$1" tries=0
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((tries < 20)); do
    sleep 0.1
    tries=$((tries + 1))
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  stop_pid "$qemu_pid"
  stop_pid "$agent_pid"
  stop_pid "$bridge_pid"
  [[ -z "$bridge_log_copy" || ! -f "$work/bridge.log" ]] || cp "$work/bridge.log" "$bridge_log_copy"
  [[ -z "$console_copy" || ! -f "$work/console.log" ]] || tr -d '\r' < "$work/console.log" > "$console_copy"
  [[ -z "$agent_log_copy" || ! -f "$work/agent.log" ]] || cp "$work/agent.log" "$agent_log_copy"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- per-run initramfs: the base image plus a small appended cpio holding /guest/run.sh ---------------------
mkdir -p "$work/overlay/guest"
cp "$guest_script" "$work/overlay/guest/run.sh"
if [[ "$transport" == vsock ]]; then
  echo "export VACCEL_VM_RPC_ADDRESS=vsock://2:$vsock_port" > "$work/overlay/guest/env"
else
  echo "export VACCEL_VM_RPC_ADDRESS=serial:///dev/virtio-ports/$port_name" > "$work/overlay/guest/env"
fi
{
  cat "$initrd"
  # The kernel unpacks concatenated compressed cpio archives in order; later entries add files.
  (cd "$work/overlay" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1)
} > "$work/initrd.img" || fail_infra "cannot assemble the per-run initramfs"

# --- host agent ----------------------------------------------------------------------------------------------
start_agent() {
  local args=() arg
  for arg in "${agent_cmd[@]}"; do args+=("${arg//@SOCK@/$sock}"); done
  log "agent: ${args[*]}"
  "${args[@]}" > "$work/agent.log" 2>&1 < /dev/null &
  agent_pid=$!
  local tries=0 limit=$((socket_wait_s * 20))
  while [[ ! -S "$sock" ]] && ((tries < limit)); do
    kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; fail_infra "the agent exited before creating $sock"; }
    sleep 0.05
    tries=$((tries + 1))
  done
  [[ -S "$sock" ]] || { cat "$work/agent.log" >&2; fail_infra "the agent did not create $sock within ${socket_wait_s}s"; }
  sleep 0.05 # the bind() -> listen() window
}

# The bridge must accept before QEMU starts: QEMU asks it for the device's features at realize.
start_bridge() {
  local args=("$bridge_bin" --socket "$work/vu.sock" --uds "$work/v.sock" --guest-cid 3 ${bridge_opts[@]+"${bridge_opts[@]}"})
  log "bridge: ${args[*]}"
  "${args[@]}" > "$work/bridge.log" 2>&1 < /dev/null &
  bridge_pid=$!
  local tries=0
  while [[ ! -S "$work/vu.sock" ]] && ((tries < 200)); do
    kill -0 "$bridge_pid" 2>/dev/null || { cat "$work/bridge.log" >&2; fail_infra "the bridge exited"; }
    sleep 0.05
    tries=$((tries + 1))
  done
  [[ -S "$work/vu.sock" ]] || fail_infra "the bridge did not create $work/vu.sock within 10 s"
}

chardev="socket,id=vaccel0,path=$sock"
if [[ "$transport" == vsock ]]; then
  start_bridge
  ((no_agent)) || start_agent
elif ((no_agent)); then
  chardev+=",reconnect=1"
else
  start_agent
fi

# --- QEMU ----------------------------------------------------------------------------------------------------
# Under TCG the guest reads the host TSC; telling the kernel its rate skips the PIT/HPET calibration, which on a
# loaded host sometimes goes wrong and makes guest time run at the wrong speed.
kernel_cmdline="console=ttyS0 panic=-1 rdinit=/init quiet"
host_tsc_khz="$(awk '/^cpu MHz/{printf "%d", $4 * 1000; exit}' /proc/cpuinfo 2>/dev/null)"
[[ -z "$host_tsc_khz" || "$host_tsc_khz" == 0 ]] || kernel_cmdline+=" tsc_early_khz=$host_tsc_khz"

qemu_args=(
  -accel tcg -M pc -m "$mem_mib" -smp 1
  -nodefaults -no-user-config -display none -no-reboot
  -serial "file:$work/console.log"
  -kernel "$kernel" -initrd "$work/initrd.img"
  -append "$kernel_cmdline"
  -device virtio-serial-pci
)
if [[ "$transport" == vsock ]]; then
  # vhost-user needs the guest RAM shared with the bridge. The null serial port only spares the
  # guest's /init its wait for a named port.
  qemu_args+=(
    -object "memory-backend-memfd,id=mem0,size=${mem_mib}M,share=on" -machine memory-backend=mem0
    -chardev "socket,id=vu0,path=$work/vu.sock" -device vhost-user-vsock-pci,chardev=vu0
    -chardev null,id=vaccel0 -device "virtserialport,chardev=vaccel0,name=$port_name"
  )
else
  qemu_args+=(-chardev "$chardev" -device "virtserialport,chardev=vaccel0,name=$port_name")
fi
[[ -z "$cpu_model" ]] || qemu_args+=(-cpu "$cpu_model")

start_ns=$(date +%s%N)
timeout -k 5 "$timeout_s" qemu-system-x86_64 "${qemu_args[@]}" < /dev/null > "$work/qemu.log" 2>&1 &
qemu_pid=$!

# Poll until QEMU ends; bounded by QEMU's own timeout plus the kill grace, whatever the guest does.
polls=0
max_polls=$(((timeout_s + 10) * 10))
while kill -0 "$qemu_pid" 2>/dev/null && ((polls < max_polls)); do
  if ((kill_on_marker)) && [[ -n "$agent_pid" ]] && grep -q 'VM-E2E: KILL-AGENT' "$work/console.log" 2>/dev/null; then
    log "guest asked for it: SIGKILL to agent pid $agent_pid at $((($(date +%s%N) - start_ns) / 1000000)) ms"
    kill -KILL "$agent_pid" 2>/dev/null
    wait "$agent_pid" 2>/dev/null
    agent_pid=""
  fi
  sleep 0.1
  polls=$((polls + 1))
done
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=""
wall_ms=$((($(date +%s%N) - start_ns) / 1000000))
if [[ -n "$bridge_pid" ]]; then
  # The bridge leaves by itself once QEMU is gone; its last line counts the bytes it forwarded.
  tries=0
  while kill -0 "$bridge_pid" 2>/dev/null && ((tries < 30)); do sleep 0.1; tries=$((tries + 1)); done
  kill -0 "$bridge_pid" 2>/dev/null && log "warning: the bridge did not exit after QEMU"
  stop_pid "$bridge_pid"
  bridge_pid=""
fi

if ((!quiet)); then
  echo "----- guest console -----"
  tr -d '\r' < "$work/console.log" 2>/dev/null
  if [[ -s "$work/agent.log" ]]; then
    echo "----- agent log -----"
    sed 's/^/agent| /' "$work/agent.log"
  fi
  if [[ -s "$work/bridge.log" ]]; then
    echo "----- bridge log -----"
    sed 's/^/bridge| /' "$work/bridge.log"
  fi
  if [[ -s "$work/qemu.log" ]]; then
    echo "----- qemu -----"
    cat "$work/qemu.log"
  fi
  echo "-------------------------"
fi

guest_rc="$(tr -d '\r' < "$work/console.log" 2>/dev/null | sed -n 's/^VM-E2E: GUEST-EXIT=\([0-9]*\)$/\1/p' | tail -n1)"
log "qemu rc=$qemu_rc, wall ${wall_ms} ms, guest exit=${guest_rc:-none}"
if [[ "$qemu_rc" == 124 || "$qemu_rc" == 137 ]]; then
  log "error: QEMU timed out after ${timeout_s}s"
  exit "$TIMED_OUT"
fi
if [[ -z "$guest_rc" ]]; then
  [[ "$qemu_rc" == 0 ]] || cat "$work/qemu.log" >&2
  fail_infra "no 'VM-E2E: GUEST-EXIT=' marker in the guest console (qemu rc=$qemu_rc)"
fi
exit "$guest_rc"
