#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vm_classify_test.sh: vAccel end to end through a real VM. A Linux guest under QEMU TCG runs the unmodified,
# dynamically linked `classify` example with the rpc plugin; the plugin talks over the virtio-serial port
# `vaccel` to vaccel-agent on the host, which runs the onnx or tflite plugin.
#
# Usage: vm_classify_test.sh BUILD_DIR CASE
#   onnx          classify cat.bmp with mobilenetv2-12-int8.onnx through the agent's onnx plugin
#   tflite        the same with mobilenet_v2_1.0_224_quant.tflite through the agent's tflite plugin
#   no-agent      nothing on the host side of the port: classify must fail, with an error, in bounded time
#   agent-killed  the agent is SIGKILLed while classify is looping: the op must fail, no hang
#   after-crash   a classify process is SIGKILLed mid-session; a second one on the same port must then work
# Environment: VACCEL_MODELS_DIR (default: <repo>/../shared/models).
# Artifacts used from BUILD_DIR: examples/classify, src/core/libvaccel.so (through classify's ldd closure),
# plugins/rpc/libvaccel-rpc.so, agent/vaccel-agent, plugins/onnx/libvaccel-onnx.so, plugins/tflite/libvaccel-tflite.so.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/tests/vm/vm-common.sh"

(($# == 2)) || vm_die "usage: $0 BUILD_DIR onnx|tflite|no-agent|agent-killed|after-crash"
build_dir="$(cd "$1" && pwd)" || vm_die "no build directory '$1'"
test_case="$2"
models_dir="${VACCEL_MODELS_DIR:-$REPO_ROOT/../shared/models}"

classify_bin="$build_dir/examples/classify"
rpc_plugin="$build_dir/plugins/rpc/libvaccel-rpc.so"
agent_bin="$build_dir/agent/vaccel-agent"
onnx_plugin="$build_dir/plugins/onnx/libvaccel-onnx.so"
tflite_plugin="$build_dir/plugins/tflite/libvaccel-tflite.so"
cat_image="$models_dir/cat.bmp"
onnx_model="$models_dir/mobilenetv2-12-int8.onnx"
tflite_model="$models_dir/mobilenet_v2_1.0_224_quant.tflite"

require_file() { [[ -f "$1" ]] || vm_die "missing $1 ($2)"; }
require_file "$classify_bin" "build the classify example"
require_file "$rpc_plugin" "build the rpc plugin"
require_file "$agent_bin" "build vaccel-agent"
require_file "$cat_image" "set VACCEL_MODELS_DIR"

# What the guest runs. The rpc plugin lives at its host path, so any build RPATH it carries still resolves.
guest_model="/model.onnx"
agent_plugin="$onnx_plugin"
agent_env=(VACCEL_ONNX_LABELS="$models_dir/imagenet_labels_1000.txt")
host_model="$onnx_model"
if [[ "$test_case" == tflite ]]; then
  guest_model="/model.tflite"
  agent_plugin="$tflite_plugin"
  agent_env=(VACCEL_TFLITE_LABELS="$models_dir/imagenet_labels.txt")
  host_model="$tflite_model"
fi
require_file "$host_model" "set VACCEL_MODELS_DIR"
[[ "$test_case" == no-agent ]] || require_file "$agent_plugin" "build the host-side plugin"
image_bytes=$(stat -c %s "$cat_image")

scratch="$(mktemp -d "${TMPDIR:-/tmp}/vm-classify.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"

guest_dir="$build_dir/tests/vm/guest-$test_case"
"$VM_SCRIPTS/build-guest.sh" -o "$guest_dir" -c "$build_dir/vm-cache" \
  -b "$classify_bin:/bin/classify" -b "$rpc_plugin" \
  -f "$cat_image:/cat.bmp" -f "$host_model:$guest_model" || vm_die "building the guest failed"

# The guest environment of every case: the unmodified example, the rpc plugin, the virtio-serial port.
cat > "$scratch/guest-env.sh" <<EOF
export VACCEL_PLUGINS=$rpc_plugin
export VACCEL_RPC_ADDRESS=serial:///dev/virtio-ports/vaccel
EOF
# QEMU's chardev connects before the guest boots and says HELLO: no HELLO deadline on its socket.
agent_cmd=(-- env VACCEL_PLUGINS="$agent_plugin" "${agent_env[@]}" "$agent_bin" -a "unix://@SOCK@" --hello-timeout-ms 0)
run_common=(--kernel "$guest_dir/vmlinuz" --initrd "$guest_dir/initrd.img" --timeout 80
  --console "$scratch/console.log" --agent-log "$scratch/agent.log")
console="$scratch/console.log"

# Guest-side helper: waits (bounded) until FILE contains PATTERN; used to act in the middle of a session.
wait_for_text_fn='wait_for_text() { i=0; while [ $i -lt 300 ]; do grep -q "$2" "$1" 2>/dev/null && return 0; usleep 100000; i=$((i + 1)); done; return 1; }'

expect_classification() {
  local log="$1" session_id="${2:-1}"
  vm_check "Initialized session with id: $session_id" vm_has_line "$log" "^Initialized session with id: $session_id\$"
  vm_check "Image size: ${image_bytes}B" vm_has_line "$log" "^Image size: ${image_bytes}B\$"
  vm_check "classification tags name Egyptian cat" vm_has_line "$log" '^classification tags: .*Egyptian cat'
}

case "$test_case" in
  onnx | tflite)
    { cat "$scratch/guest-env.sh"; echo "classify /cat.bmp 1 $guest_model"; } > "$scratch/guest.sh"
    vm_run "${run_common[@]}" --script "$scratch/guest.sh" "${agent_cmd[@]}"
    vm_check "guest classify exit status 0" vm_equals "$VM_RC" 0
    expect_classification "$console"
    ;;
  no-agent)
    cat "$scratch/guest-env.sh" > "$scratch/guest.sh"
    cat >> "$scratch/guest.sh" <<EOF
start=\$(cut -d. -f1 /proc/uptime)
timeout -s KILL 40 classify /cat.bmp 1 $guest_model
rc=\$?
echo "VM-TEST: classify exit \$rc after \$((\$(cut -d. -f1 /proc/uptime) - start)) s"
[ \$rc -ne 0 ] && [ \$rc -ne 137 ]
EOF
    vm_run "${run_common[@]}" --script "$scratch/guest.sh" --no-agent
    vm_check "classify failed by itself (not killed by the 40 s guard)" vm_equals "$VM_RC" 0
    vm_check "no classification printed" vm_lacks_line "$console" '^classification tags:'
    vm_check "the rpc plugin logged why" vm_has_line "$console" '<error> \[rpc\]'
    vm_check "classify reported the failed call" vm_has_line "$console" '^Could not '
    ;;
  agent-killed)
    cat "$scratch/guest-env.sh" > "$scratch/guest.sh"
    cat >> "$scratch/guest.sh" <<EOF
$wait_for_text_fn
timeout -s KILL 50 classify /cat.bmp 1000 $guest_model > /tmp/classify.out 2>&1 &
pid=\$!
wait_for_text /tmp/classify.out 'Initialized session' || echo "VM-TEST: no session after 30 s"
sleep 1
echo "VM-E2E: KILL-AGENT"
killed_at=\$(cut -d. -f1 /proc/uptime)
wait \$pid
rc=\$?
cat /tmp/classify.out
echo "VM-TEST: classify exit \$rc, \$((\$(cut -d. -f1 /proc/uptime) - killed_at)) s after the agent was killed"
[ \$rc -ne 0 ] && [ \$rc -ne 137 ]
EOF
    vm_run "${run_common[@]}" --script "$scratch/guest.sh" --kill-agent-on-marker "${agent_cmd[@]}"
    vm_check "classify failed by itself (not killed by the 50 s guard)" vm_equals "$VM_RC" 0
    vm_check "the session had started" vm_has_line "$console" '^Initialized session with id: 1$'
    vm_check "the classification op returned an error" vm_has_line "$console" '^Could not run image classification: '
    vm_check "the rpc plugin logged why" vm_has_line "$console" '<error> \[rpc\]'
    ;;
  after-crash)
    cat "$scratch/guest-env.sh" > "$scratch/guest.sh"
    cat >> "$scratch/guest.sh" <<EOF
$wait_for_text_fn
classify /cat.bmp 1000 $guest_model > /tmp/first.out 2>&1 &
pid=\$!
wait_for_text /tmp/first.out 'Initialized session' || echo "VM-TEST: no session after 30 s"
sleep 1
kill -KILL \$pid
wait \$pid
echo "VM-TEST: first classify killed mid-session (exit \$?)"
sed 's/^/first| /' /tmp/first.out
timeout -s KILL 40 classify /cat.bmp 1 $guest_model
EOF
    vm_run "${run_common[@]}" --script "$scratch/guest.sh" "${agent_cmd[@]}"
    vm_check "first classify was killed" vm_has_line "$console" '^VM-TEST: first classify killed mid-session \(exit 137\)$'
    vm_check "... after its session had started" vm_has_line "$console" '^first\| Initialized session with id: 1$'
    vm_check "... while it was classifying" vm_has_line "$console" '^first\| classification tags: '
    vm_check "second classify exit status 0" vm_equals "$VM_RC" 0
    # A new process gets a new session; its id is not part of what this case checks.
    expect_classification "$console" '[0-9]+'
    ;;
  *)
    vm_die "unknown case '$test_case'"
    ;;
esac

# Every case must really have gone through the rpc plugin: a plugin that failed to load fails differently.
vm_check "the guest loaded the rpc plugin" vm_lacks_line "$console" 'Could not load plugin|no plugin is loaded'
vm_check "whole VM run under 90 s" vm_less_than "$VM_MS" 90000
vm_summary
