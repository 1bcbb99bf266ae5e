#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vm_vsock_test.sh: vAccel over AF_VSOCK in a real guest. One guest boot per case runs several
# checks in sequence (boots are the expensive part under TCG); the host asserts on the console.
#
# Usage: vm_vsock_test.sh BUILD_DIR CASE
#   loopback  guest-internal: vaccel-agent listens on vsock://-1:2048 (any CID) inside the guest and
#             clients use vsock://1:2048 (vsock_loopback): noop, an 8 MiB streamed payload (x2), two concurrent
#             clients, a port nobody listens on (fails in < 2 s), the agent killed mid-loop
#   onnx      through vaccel-vsock-bridge (vhost-user-vsock-pci) to a host agent on <uds>_2048, the guest
#             on vsock://2:2048 with the unmodified classify: classify, no agent on a second port (< 2 s),
#             3 concurrent clients, a 64 MiB streamed payload (a 4736x4724 BMP classified), after a client
#             crash, and the agent killed mid-loop (last)
#   tflite    the same bridge path, one tflite classify
# Never touches AF_VSOCK on the host: the guest scripts refuse to run outside the test guest, and the
# bridge is AF_UNIX only. Environment: VACCEL_MODELS_DIR.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/tests/vm/vm-common.sh"

(($# == 2)) || vm_die "usage: $0 BUILD_DIR loopback|onnx|tflite"
build_dir="$(cd "$1" && pwd)" || vm_die "no build directory '$1'"
test_case="$2"
models_dir="${VACCEL_MODELS_DIR:-$REPO_ROOT/../shared/models}"

rpc_plugin="$build_dir/plugins/rpc/libvaccel-rpc.so"
agent_bin="$build_dir/agent/vaccel-agent"
bridge_bin="$build_dir/vsock-bridge/vaccel-vsock-bridge"
mbench_plugin="$build_dir/plugins/mbench/libvaccel-mbench.so"
noop_plugin="$build_dir/plugins/noop/libvaccel-noop.so"
for f in "$rpc_plugin" "$agent_bin" "$bridge_bin" "$mbench_plugin" "$build_dir/examples/mbench"; do
  [[ -f "$f" ]] || vm_die "missing $f (build it first)"
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/vm-vsock.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
console="$scratch/console.log"
run_common=(--timeout 80 --console "$console" --agent-log "$scratch/agent.log" --bridge-log "$scratch/bridge.log")

# Guest-side prelude of every script: refuse to run anywhere but the test guest (these scripts
# open AF_VSOCK sockets, which must never happen on a host), plus small helpers.
cat > "$scratch/prelude.sh" <<'PRELUDE'
grep -q 'rdinit=/init' /proc/cmdline && [ -f /guest/run.sh ] || { echo "refusing: not inside the test guest"; exit 125; }
now_ms() { t=$(cut -d' ' -f1 /proc/uptime); echo $(( ${t%.*} * 1000 + 10#${t#*.} * 10 )); }
wait_for_text() { i=0; while [ $i -lt 300 ]; do grep -q "$2" "$1" 2>/dev/null && return 0; usleep 100000; i=$((i + 1)); done; return 1; }
# run_timed NAME CMD...: runs CMD, prints "VM-TEST: NAME rc=<rc> ms=<ms>" and its output prefixed "NAME| ".
run_timed() { n=$1; shift; s=$(now_ms); "$@" > /tmp/$n.out 2>&1; rc=$?; echo "VM-TEST: $n rc=$rc ms=$(( $(now_ms) - s ))"; sed "s/^/$n| /" /tmp/$n.out; }
PRELUDE

# Reads "VM-TEST: NAME rc=<rc> ms=<ms>" from the console into RC and MS (999 / 999999 when absent).
result_of() {
  local line
  line="$(grep -E "^VM-TEST: $1 rc=" "$console" | tail -n1)"
  RC="$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$line")"
  MS="$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$line")"
  [[ -n "$RC" ]] || { RC=999; MS=999999; }
}
failed_by_itself() { [[ $1 -ne 0 && $1 -ne 137 && $1 -ne 999 ]]; }
expect_rc() { result_of "$1"; vm_check "$1 exit status $2 (got $RC)" vm_equals "$RC" "$2"; }
expect_fail_fast() {
  result_of "$1"
  vm_check "$1 failed by itself (rc $RC; 137 = the guard killed it)" failed_by_itself "$RC"
  vm_check "$1 failed in under $2 ms (took $MS ms)" vm_less_than "$MS" "$2"
}

write_loopback_script() {
  cat "$scratch/prelude.sh"
  cat <<GUEST
VACCEL_PLUGINS=$noop_plugin:$mbench_plugin vaccel-agent -l 3 -a vsock://-1:2048 --exec-allowlist mbench > /tmp/agent.log 2>&1 &
agent=\$!
wait_for_text /tmp/agent.log listening || echo "VM-TEST: the agent did not listen"
sed 's/^/agent| /' /tmp/agent.log
export VACCEL_PLUGINS=$rpc_plugin VACCEL_RPC_ADDRESS=vsock://1:2048
run_timed noop20 noop 20
dd if=/dev/zero of=/tmp/p8m bs=1M count=8 2>/dev/null
run_timed stream8m mbench 1 /tmp/p8m 2
noop 50 > /tmp/k1.out 2>&1 & p1=\$!
noop 50 > /tmp/k2.out 2>&1 & p2=\$!
wait \$p1; echo "VM-TEST: concurrent1 rc=\$? ms=0"; wait \$p2; echo "VM-TEST: concurrent2 rc=\$? ms=0"
VACCEL_RPC_ADDRESS=vsock://1:2049 run_timed nolistener timeout -s KILL 20 noop 1
timeout -s KILL 40 noop 1000000 > /tmp/loop.out 2>&1 & loop=\$!
wait_for_text /tmp/loop.out 'Initialized session'
sleep 1
kill -KILL \$agent
s=\$(now_ms); wait \$loop; rc=\$?
echo "VM-TEST: agentkilled rc=\$rc ms=\$(( \$(now_ms) - s ))"; sed 's/^/agentkilled| /' /tmp/loop.out
exit 0
GUEST
}

# $1 = guest model path; the onnx case adds the transport cases after the first classify.
write_bridge_script() {
  local model="$1" more="$2"
  cat "$scratch/prelude.sh"
  cat <<GUEST
export VACCEL_PLUGINS=$rpc_plugin VACCEL_RPC_ADDRESS=\$VACCEL_VM_RPC_ADDRESS
echo "VM-TEST: address \$VACCEL_RPC_ADDRESS"
run_timed classify timeout -s KILL 60 classify /cat.bmp 1 $model
GUEST
  ((more)) || { echo "exit 0"; return; }
  cat <<GUEST
VACCEL_RPC_ADDRESS=vsock://2:2049 run_timed noagent timeout -s KILL 20 classify /cat.bmp 1 $model
classify /cat.bmp 2 $model > /tmp/k1.out 2>&1 & p1=\$!
classify /cat.bmp 2 $model > /tmp/k2.out 2>&1 & p2=\$!
classify /cat.bmp 2 $model > /tmp/k3.out 2>&1 & p3=\$!
wait \$p1; echo "VM-TEST: concurrent1 rc=\$? ms=0"; sed 's/^/concurrent1| /' /tmp/k1.out
wait \$p2; echo "VM-TEST: concurrent2 rc=\$? ms=0"; sed 's/^/concurrent2| /' /tmp/k2.out
wait \$p3; echo "VM-TEST: concurrent3 rc=\$? ms=0"; sed 's/^/concurrent3| /' /tmp/k3.out
cp /big-header.bmp /tmp/big.bmp && dd if=/dev/zero bs=$big_row count=$big_height >> /tmp/big.bmp 2>/dev/null
run_timed stream64m timeout -s KILL 60 classify /tmp/big.bmp 1 $model
rm -f /tmp/big.bmp
classify /cat.bmp 1000 $model > /tmp/first.out 2>&1 & first=\$!
wait_for_text /tmp/first.out 'classification tags'
kill -KILL \$first; wait \$first; echo "VM-TEST: crashed rc=\$? ms=0"; sed 's/^/crashed| /' /tmp/first.out
run_timed aftercrash timeout -s KILL 40 classify /cat.bmp 1 $model
timeout -s KILL 50 classify /cat.bmp 1000 $model > /tmp/loop.out 2>&1 & loop=\$!
wait_for_text /tmp/loop.out 'classification tags'
echo "VM-E2E: KILL-AGENT"
s=\$(now_ms); wait \$loop; rc=\$?
echo "VM-TEST: agentkilled rc=\$rc ms=\$(( \$(now_ms) - s ))"; sed 's/^/agentkilled| /' /tmp/loop.out
exit 0
GUEST
}

case "$test_case" in
  loopback)
    guest_dir="$build_dir/tests/vm/guest-vsock-loopback"
    "$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" \
      -b "$agent_bin:/bin/vaccel-agent" -b "$build_dir/examples/noop:/bin/noop" -b "$build_dir/examples/mbench:/bin/mbench" \
      -b "$rpc_plugin" -b "$noop_plugin" -b "$mbench_plugin" || vm_die "building the guest failed"
    write_loopback_script > "$scratch/guest.sh"
    vm_run "${run_common[@]}" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --script "$scratch/guest.sh" --no-agent
    vm_check "guest script ran to the end" vm_equals "$VM_RC" 0
    vm_check "the in-guest agent listened on AF_VSOCK" vm_has_line "$console" '^agent\| .*listening on vsock://-1:2048'
    expect_rc noop20 0
    vm_check "noop reached the in-guest agent" vm_has_line "$console" '^noop20\| Initialized session with id: 1$'
    expect_rc stream8m 0
    expect_rc concurrent1 0
    expect_rc concurrent2 0
    expect_fail_fast nolistener 2000
    vm_check "the failed connect is logged with its reason" vm_has_line "$console" '^nolistener\| .*<error> \[rpc\] .*vsock://1:2049: '
    result_of agentkilled
    vm_check "client failed by itself after the agent was killed (rc $RC)" failed_by_itself "$RC"
    ;;
  onnx | tflite)
    cat_image="$models_dir/cat.bmp"
    if [[ "$test_case" == onnx ]]; then
      host_model="$models_dir/mobilenetv2-12-int8.onnx"; guest_model=/model.onnx
      agent_plugin="$build_dir/plugins/onnx/libvaccel-onnx.so"; agent_env=(VACCEL_ONNX_LABELS="$models_dir/imagenet_labels_1000.txt")
    else
      host_model="$models_dir/mobilenet_v2_1.0_224_quant.tflite"; guest_model=/model.tflite
      agent_plugin="$build_dir/plugins/tflite/libvaccel-tflite.so"; agent_env=(VACCEL_TFLITE_LABELS="$models_dir/imagenet_labels.txt")
    fi
    for f in "$cat_image" "$host_model" "$agent_plugin" "$build_dir/examples/classify"; do
      [[ -f "$f" ]] || vm_die "missing $f"
    done
    image_bytes=$(stat -c %s "$cat_image")
    # A 64 MiB image the guest assembles itself (a black 24-bit BMP: this header plus zero rows), so that the
    # initramfs stays small; one classify of it streams 64 MiB through the bridge (no fd passing on vsock).
    big_width=4736 big_height=4724
    big_row=$((big_width * 3))
    big_bytes=$((54 + big_row * big_height))
    le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
    printf "BM$(le32 $big_bytes)$(le32 0)$(le32 54)$(le32 40)$(le32 $big_width)$(le32 $big_height)\\x01\\x00\\x18\\x00$(le32 0)$(le32 $((big_row * big_height)))$(le32 2835)$(le32 2835)$(le32 0)$(le32 0)" \
      > "$scratch/big-header.bmp"
    [[ $(stat -c %s "$scratch/big-header.bmp") == 54 ]] || vm_die "BMP header is not 54 bytes"
    guest_dir="$build_dir/tests/vm/guest-vsock-$test_case"
    "$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" \
      -b "$build_dir/examples/classify:/bin/classify" -b "$rpc_plugin" -f "$scratch/big-header.bmp:/big-header.bmp" \
      -f "$cat_image:/cat.bmp" -f "$host_model:$guest_model" || vm_die "building the guest failed"
    more=0
    [[ "$test_case" == onnx ]] && more=1
    write_bridge_script "$guest_model" "$more" > "$scratch/guest.sh"
    vm_run "${run_common[@]}" --kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --script "$scratch/guest.sh" \
      --transport vsock --bridge "$bridge_bin" --kill-agent-on-marker \
      -- env VACCEL_PLUGINS="$agent_plugin" "${agent_env[@]}" "$agent_bin" -a "unix://@SOCK@"
    vm_check "guest script ran to the end" vm_equals "$VM_RC" 0
    vm_check "the guest used vsock://2:2048" vm_has_line "$console" '^VM-TEST: address vsock://2:2048$'
    expect_rc classify 0
    vm_check "classify: Initialized session with id: 1" vm_has_line "$console" '^classify\| Initialized session with id: 1$'
    vm_check "classify: Image size: ${image_bytes}B" vm_has_line "$console" "^classify\\| Image size: ${image_bytes}B\$"
    vm_check "classify: tags name Egyptian cat" vm_has_line "$console" '^classify\| classification tags: .*Egyptian cat'
    if ((more)); then
      expect_fail_fast noagent 2000
      vm_check "no agent: the rpc plugin logged why" vm_has_line "$console" '^noagent\| .*<error> \[rpc\] .*vsock://2:2049: '
      for k in 1 2 3; do
        expect_rc "concurrent$k" 0
        vm_check "concurrent client $k classified" vm_has_line "$console" "^concurrent$k\\| classification tags: .*Egyptian cat"
      done
      expect_rc stream64m 0
      vm_check "64 MiB image: Image size: ${big_bytes}B" vm_has_line "$console" "^stream64m\\| Image size: ${big_bytes}B\$"
      vm_check "64 MiB image classified" vm_has_line "$console" '^stream64m\| classification tags: '
      # 64 MiB with no memfd over vsock: the bytes crossed the bridge as stream data.
      forwarded="$(sed -n 's/.*exit: \([0-9]*\) bytes to host.*/\1/p' "$scratch/bridge.log" | tail -n1)"
      vm_check "the bridge forwarded >= 64 MiB to the host (${forwarded:-none})" vm_less_than 67108863 "${forwarded:-0}"
      vm_check "the crashed client had been classifying" vm_has_line "$console" '^crashed\| classification tags: '
      expect_rc aftercrash 0
      vm_check "after the crash: Egyptian cat" vm_has_line "$console" '^aftercrash\| classification tags: .*Egyptian cat'
      result_of agentkilled
      vm_check "agent killed: classify failed by itself (rc $RC)" failed_by_itself "$RC"
      vm_check "agent killed: the op returned an error" vm_has_line "$console" '^agentkilled\| Could not run image classification: '
    fi
    vm_check "the bridge saw no malformed ring or packet" vm_lacks_line "$scratch/bridge.log" 'dropped:|ring stopped|<error>'
    ;;
  *)
    vm_die "unknown case '$test_case'"
    ;;
esac
vm_check "whole VM run under 90 s" vm_less_than "$VM_MS" 90000
vm_summary
