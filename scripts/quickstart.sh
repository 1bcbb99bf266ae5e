#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Quick start, step 1 of 2: installs the Debian packages, builds everything, makes sure the test models
# are present, then runs the main demo:
#   1. classify cat.bmp in-process with the onnx plugin (OpenCV DNN),
#   2. the same unmodified binary through the rpc plugin -> vaccel-agent (unix socket) -> onnx plugin.
# usage: scripts/quickstart.sh [build-dir]      (default: ./build)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$repo/build}"

"$repo/scripts/install-deps.sh"

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"

# Models: $VACCEL_MODELS_DIR, else ../shared/models next to the checkout, else download to ./models.
models="${VACCEL_MODELS_DIR:-}"
if [[ -z "$models" && -f "$repo/../shared/models/cat.bmp" ]]; then
  models="$(cd "$repo/../shared/models" && pwd)"
fi
if [[ -z "$models" ]]; then
  "$repo/scripts/fetch-models.sh" -d "$repo/models"
  models="$repo/models"
fi

classify="$build/examples/classify"
onnx="$build/plugins/onnx/libvaccel-onnx.so"
rpc="$build/plugins/rpc/libvaccel-rpc.so"
agent_bin="$build/agent/vaccel-agent"
labels="$models/imagenet_labels_1000.txt"
model="$models/mobilenetv2-12-int8.onnx"

echo
echo "== 1. classify on the host, onnx plugin in-process =="
echo "\$ VACCEL_PLUGINS=libvaccel-onnx.so classify cat.bmp 1 mobilenetv2-12-int8.onnx"
VACCEL_PLUGINS="$onnx" VACCEL_ONNX_LABELS="$labels" "$classify" "$models/cat.bmp" 1 "$model"

echo
echo "== 2. the same binary through the rpc plugin and vaccel-agent (unix socket) =="
tmp="$(mktemp -d)"
sock="$tmp/vaccel.sock"
VACCEL_PLUGINS="$onnx" VACCEL_ONNX_LABELS="$labels" "$agent_bin" -a "unix://$sock" >"$tmp/agent.log" 2>&1 &
agent_pid=$!
cleanup() { kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.05; done
echo "\$ VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock classify cat.bmp 1 mobilenetv2-12-int8.onnx"
VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="unix://$sock" "$classify" "$models/cat.bmp" 1 "$model"
echo
echo "Quick start done. Run the whole test suite with: scripts/run-tests.sh"
