#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vm_selftest.sh: tests the VM runner itself (scripts/vm/build-guest.sh + run-vm.sh) with a stand-in guest
# program (vm_ping, dynamically linked) and a host echo agent, independently of vAccel:
#   - the ldd closure of a dynamic program is enough to run it in the guest, the port symlink exists,
#     bytes make the round trip and the boot-to-poweroff time is small;
#   - the guest script's exit status is what run-vm.sh returns;
#   - no agent on the host side: the guest's bounded wait fails cleanly;
#   - agent killed during traffic: the guest sees the hang-up;
#   - an agent that never listens gives 125 and a hung guest gives 124, both in bounded time;
#   - no QEMU/agent process and no temporary directory is left behind.
# Usage: vm_selftest.sh BUILD_DIR VM_PING_BIN VM_ECHO_AGENT_BIN [CASE]
#   CASE: roundtrip | exit-status | no-agent | agent-killed | no-socket | timeout (default: all of them)
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/tests/vm/vm-common.sh"

(($# == 3 || $# == 4)) || vm_die "usage: $0 BUILD_DIR VM_PING_BIN VM_ECHO_AGENT_BIN [CASE]"
build_dir="$1"
ping_bin="$2"
echo_bin="$3"
selected="${4:-all}"
[[ -x "$ping_bin" && -x "$echo_bin" ]] || vm_die "vm_ping or vm_echo_agent not built"

guest_dir="$build_dir/tests/vm/guest-selftest-$selected"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/vm-selftest.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
# run-vm.sh makes its work directory (socket, console) under TMPDIR: this lets us check for leftovers below.
export TMPDIR="$scratch"

"$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" -b "$ping_bin:/bin/vm_ping" ||
  vm_die "building the guest failed"
guest=(--kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img")
echo_agent=(-- "$echo_bin" -a "unix://@SOCK@")

leftover_processes() { pgrep -f "$scratch/vaccel-vm" >/dev/null; }
no_leftover_dirs() { ! compgen -G "$scratch/vaccel-vm.*" >/dev/null; }

case_roundtrip() {
  vm_log "case 1: dynamic guest program round trip over virtio-serial"
  cat > "$scratch/ping.sh" <<'EOF'
export VACCEL_RPC_ADDRESS=serial:///dev/virtio-ports/vaccel
[ -c "$(readlink -f /dev/virtio-ports/vaccel)" ] && echo "port is a character device"
vm_ping -n 1000 -s 64
EOF
  vm_run "${guest[@]}" --script "$scratch/ping.sh" --console "$scratch/c1.log" --timeout 60 "${echo_agent[@]}"
  vm_check "guest exit status 0" vm_equals "$VM_RC" 0
  vm_check "port symlink present" vm_has_line "$scratch/c1.log" '^port is a character device$'
  vm_check "1000 echoes matched" vm_has_line "$scratch/c1.log" '^vm_ping: 1000 round trips of 64 bytes'
  vm_check "whole VM run under 30 s" vm_less_than "$VM_MS" 30000
}

case_exit_status() {
  vm_log "case 2: the guest script's exit status is propagated"
  echo 'exit 7' > "$scratch/exit7.sh"
  vm_run "${guest[@]}" --script "$scratch/exit7.sh" --quiet --timeout 60 "${echo_agent[@]}"
  vm_check "exit status 7" vm_equals "$VM_RC" 7
}

case_no_agent() {
  vm_log "case 3: no agent on the host side"
  echo 'vm_ping -t 2000' > "$scratch/noagent.sh"
  vm_run "${guest[@]}" --script "$scratch/noagent.sh" --console "$scratch/c3.log" --no-agent --timeout 60
  vm_check "guest program timed out (6)" vm_equals "$VM_RC" 6
  vm_check "clear message" vm_has_line "$scratch/c3.log" 'timed out writing'
}

case_agent_killed() {
  vm_log "case 4: agent killed during traffic"
  cat > "$scratch/kill.sh" <<'EOF'
vm_ping -n 100000 -t 5000 & pid=$!
sleep 1
echo "VM-E2E: KILL-AGENT"
wait $pid
EOF
  vm_run "${guest[@]}" --script "$scratch/kill.sh" --console "$scratch/c4.log" --kill-agent-on-marker --timeout 60 \
    "${echo_agent[@]}"
  vm_check "guest saw the hang-up (4)" vm_equals "$VM_RC" 4
  vm_check "clear message" vm_has_line "$scratch/c4.log" '^vm_ping: host hung up'
}

case_no_socket() {
  vm_log "case 5: an agent that never creates its socket"
  echo 'exit 7' > "$scratch/exit7.sh"
  vm_run "${guest[@]}" --script "$scratch/exit7.sh" --quiet --socket-wait 1 -- sleep 30
  vm_check "infrastructure failure (125)" vm_equals "$VM_RC" 125
  vm_check "within 5 s" vm_less_than "$VM_MS" 5000
}

case_timeout() {
  vm_log "case 6: a guest that never finishes"
  echo 'sleep 600' > "$scratch/hang.sh"
  vm_run "${guest[@]}" --script "$scratch/hang.sh" --quiet --timeout 6 "${echo_agent[@]}"
  vm_check "timed out (124)" vm_equals "$VM_RC" 124
  vm_check "within 15 s" vm_less_than "$VM_MS" 15000
}

case "$selected" in
  roundtrip) case_roundtrip ;;
  exit-status) case_exit_status ;;
  no-agent) case_no_agent ;;
  agent-killed) case_agent_killed ;;
  no-socket) case_no_socket ;;
  timeout) case_timeout ;;
  all) case_roundtrip; case_exit_status; case_no_agent; case_agent_killed; case_no_socket; case_timeout ;;
  *) vm_die "unknown case '$selected'" ;;
esac

vm_check "no QEMU or agent process left behind" eval '! leftover_processes'
vm_check "no runner work directory left behind" no_leftover_dirs
vm_summary
