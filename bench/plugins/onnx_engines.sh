#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The onnx engines side by side in one run (bench_onnx_engines, one process per engine, pinned to
# one core): the f32 model on XNNPACK and on OpenCV DNN, the int8 model on OpenCV DNN (the XNNPACK
# engine does not cover QOperator graphs yet). The ONNX Runtime anchor is a separate bench.
# usage: bench/plugins/onnx_engines.sh <build_dir> [runs=50] [core=1]
set -euo pipefail
B="$1"; R="${2:-50}"; C="${3:-1}"
bin="$B/bench/plugins/bench_onnx_engines"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
taskset -c "$C" "$bin" xnnpack "$R" mobilenetv2-12-f32-opset10.onnx
taskset -c "$C" "$bin" opencv "$R" mobilenetv2-12-f32-opset10.onnx
taskset -c "$C" "$bin" opencv "$R" mobilenetv2-12-int8.onnx
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
