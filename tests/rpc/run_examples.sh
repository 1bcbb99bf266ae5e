#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every example locally and through rpc -> vaccel-agent -> the same plugin, and checks that
# the program prints the same thing both ways (lines printed by the exec'd test library itself
# appear in the agent's output instead, and are checked there).
# usage: run_examples.sh <unix|tcp> <build_dir> <models_dir>
set -u
mode=$1
B=$2
M=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-rpc-examples.XXXXXX")
agent_pid=""
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

RPC=$B/plugins/rpc/libvaccel-rpc.so
AGENT=$B/agent/vaccel-agent
EX=$B/examples
LIB=$(ls "$B"/examples/libmytestlib.so 2>/dev/null)
fail=0
ran=0

start_agent() { # $1 = plugin .so, rest = agent flags
	local plugin=$1
	shift
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	agent_pid=""
	local addr
	if [ "$mode" = unix ]; then addr="unix://$tmp/agent.sock"; else addr="tcp://127.0.0.1:0"; fi
	VACCEL_PLUGINS=$plugin "$AGENT" -a "$addr" --workdir "$tmp" "$@" >"$tmp/agent.out" 2>&1 &
	agent_pid=$!
	for _ in $(seq 1 100); do
		if [ "$mode" = unix ] && [ -S "$tmp/agent.sock" ]; then ADDRESS=$addr; return 0; fi
		if [ "$mode" = tcp ] && grep -q "tcp port" "$tmp/agent.out"; then
			ADDRESS="tcp://127.0.0.1:$(grep -o 'tcp port [0-9]*' "$tmp/agent.out" | awk '{print $3}')"
			return 0
		fi
		sleep 0.05
	done
	echo "agent did not start"; cat "$tmp/agent.out"; return 1
}

# Lines the exec'd library prints itself (they go to the process that runs it).
lib_filter() { grep -v -e '^I got' -e '^Will return' | sed -E 's/[0-9]+(\.[0-9]+)? ms per call/<t> ms per call/' || true; }

run_case() { # $1 = plugin, $2 = example, rest = args
	local plugin=$1 ex=$2
	shift 2
	[ -x "$EX/$ex" ] || { echo "SKIP $ex (not built)"; return; }
	[ -f "$plugin" ] || { echo "SKIP $ex (plugin $(basename "$plugin") not built)"; return; }
	ran=$((ran + 1))
	local lo ro lrc rrc
	lo=$(cd "$tmp" && timeout 60 env VACCEL_PLUGINS="$plugin" "$EX/$ex" "$@" 2>&1)
	lrc=$?
	ro=$(cd "$tmp" && timeout 60 env VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$ADDRESS" "$EX/$ex" "$@" 2>&1)
	rrc=$?
	if [ "$lrc" != "$rrc" ] || [ "$(echo "$lo" | lib_filter)" != "$(echo "$ro" | lib_filter)" ]; then
		echo "FAIL $ex $* (local rc=$lrc, rpc rc=$rrc)"
		diff <(echo "$lo") <(echo "$ro") | head -20
		fail=1
	else
		echo "OK   $ex $* (rc=$lrc, $(echo "$lo" | wc -l) lines)"
	fi
}

IMG=$M/cat.bmp
NOOP=$B/plugins/noop/libvaccel-noop.so
start_agent "$NOOP" || exit 1
for ex in classify classify_generic detect detect_generic segment segment_generic pose pose_generic depth depth_generic; do
	run_case "$NOOP" "$ex" "$IMG" 2
done
run_case "$NOOP" noop 3
run_case "$NOOP" sgemm 1
run_case "$NOOP" sgemm_generic 1
run_case "$NOOP" tflite_inference "$IMG" "$M/mobilenet_v1_0.25_128_quant.tflite" "$M/imagenet_labels.txt" 1
run_case "$NOOP" torch_inference "$IMG" "$M/mobilenetv2-12-f32.torchscript.pt" "$M/imagenet_labels.txt" 1

# Real classifiers: the model travels as a resource, the agent's plugin answers. Skipped only when the
# plugin is not part of this build (sanitizer builds); a missing model is a failure.
classify_through_agent() { # plugin-name model labels-var labels-file
	local plugin=$B/plugins/$1/libvaccel-$1.so model=$M/$2
	if [ ! -f "$plugin" ]; then
		echo "SKIP $1 classify (plugin not built)"
		return
	fi
	if [ ! -f "$model" ]; then
		echo "FAIL $1 classify: model $model missing (set VACCEL_MODELS_DIR)"; fail=1
		return
	fi
	export "$3=$4"
	start_agent "$plugin" || exit 1
	run_case "$plugin" classify "$IMG" 1 "$model"
	if ! (cd "$tmp" && VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$ADDRESS" "$EX/classify" "$IMG" 1 "$model" 2>&1 |
		grep -q "Egyptian cat"); then
		echo "FAIL $1 classify through the agent did not answer Egyptian cat"; fail=1
	fi
	unset "$3"
}
classify_through_agent onnx mobilenetv2-12-int8.onnx VACCEL_ONNX_LABELS "$M/imagenet_labels_1000.txt"
classify_through_agent tflite mobilenet_v2_1.0_224_quant.tflite VACCEL_TFLITE_LABELS "$M/imagenet_labels.txt"

EXECP=$B/plugins/exec/libvaccel-exec.so
if [ -f "$EXECP" ] && [ -n "$LIB" ]; then
	start_agent "$EXECP" --allow-exec || exit 1
	for ex in exec exec_generic exec_with_resource; do
		run_case "$EXECP" "$ex" "$LIB" 2
	done
	if ! grep -q "I got" "$tmp/agent.out"; then
		echo "FAIL exec: the library's own output did not appear on the agent side"; fail=1
	fi
	# Without --allow-exec the agent refuses, and the app sees EPERM (a non-zero exit).
	start_agent "$EXECP" || exit 1
	if (cd "$tmp" && VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$ADDRESS" "$EX/exec" "$LIB" 1 >/dev/null 2>&1); then
		echo "FAIL exec succeeded on an agent without --allow-exec"; fail=1
	else
		echo "OK   exec refused without --allow-exec"
	fi
else
	echo "SKIP exec examples (exec plugin or libmytestlib.so not built)"
fi

[ "$ran" -gt 0 ] || { echo "no example ran"; exit 1; }
exit $fail
