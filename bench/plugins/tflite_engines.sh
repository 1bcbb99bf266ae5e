#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tflite engines side by side in one run (bench_tflite_engines, one process per engine):
# XNNPACK 1 thread and Arm NN CpuRef pinned to one core, then XNNPACK on 2 threads and 2 cores.
# usage: bench/plugins/tflite_engines.sh <build_dir> [xnn_runs=200] [armnn_runs=20] [model] [core=1]
set -euo pipefail
B="$1"; XR="${2:-200}"; AR="${3:-20}"; M="${4:-mobilenet_v2_1.0_224_quant.tflite}"; C="${5:-1}"
bin="$B/bench/plugins/bench_tflite_engines"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
x1="$(taskset -c "$C" "$bin" xnnpack "$XR" 1 "$M")"; echo "$x1"
a1="$(taskset -c "$C" "$bin" armnn "$AR" 1 "$M")"; echo "$a1"
x2="$(taskset -c 0,1 "$bin" xnnpack "$XR" 2 "$M")"; echo "$x2"
med() { sed -n 's/.*run median \([0-9.]*\) ms.*/\1/p' <<<"$1"; }
cpu() { sed -n 's/.*CPU median \([0-9.]*\)).*/\1/p' <<<"$1"; }
low() { sed -n 's/.*(min \([0-9.]*\),.*/\1/p' <<<"$1"; }
# Wall medians suffer from other jobs on a shared machine; CPU time (1 thread) does not, and the
# minimum shows the 2-thread speed when both cores were free.
awk -v x="$(med "$x1")" -v a="$(med "$a1")" -v xc="$(cpu "$x1")" -v ac="$(cpu "$a1")" \
    -v x2="$(med "$x2")" -v xl="$(low "$x1")" -v x2l="$(low "$x2")" 'BEGIN {
  printf "Arm NN CpuRef / XNNPACK, 1 thread: %.0fx (wall medians), %.0fx (CPU medians)\n", a / x, ac / xc
  printf "XNNPACK 1 -> 2 threads: %.2fx (wall medians), %.2fx (minimums)\n", x / x2, xl / x2l }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
