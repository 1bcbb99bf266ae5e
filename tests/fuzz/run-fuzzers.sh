#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer harness of a VACCEL_FUZZ build for a bounded time on a copy of the
# committed seed corpus (the corpus in the checkout is never modified), at most `jobs` at once.
# Fails (exit 1) when any harness finds a crash, leak, timeout or out-of-memory input; the
# reproducer is kept in <build_dir>/fuzz-artifacts/<harness>/ and its name printed.
# usage: run-fuzzers.sh <build_dir> [seconds_per_harness (default 40)] [jobs (default nproc)] [harness...]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
B="$(cd "$1" && pwd)"
secs="${2:-40}"
jobs="${3:-$(nproc)}"
shift $(( $# < 3 ? $# : 3 ))
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(fuzz_frame fuzz_genop fuzz_image fuzz_tflite fuzz_onnx fuzz_agent fuzz_vsock_bridge)
tmp="$(mktemp -d "${TMPDIR:-/tmp}/vaccel-fuzz-run.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

run_one() { # harness
  local h=$1 bin="$B/tests/fuzz/$1" art="$B/fuzz-artifacts/$1/"
  mkdir -p "$tmp/$h" "$art"
  cp -r "$here/corpus/$h/." "$tmp/$h/" 2>/dev/null || true
  # Seeds written at build time (fuzz_onnx: tiny models made by the build, never committed).
  cp -r "$B/tests/fuzz/corpus/$h/." "$tmp/$h/" 2>/dev/null || true
  # -timeout: one input may take at most 10 s; -rss_limit_mb: an input driving the process past
  # 2 GiB is a finding too. Both count as failures, like crashes.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$art" "$tmp/$h" >"$tmp/$h.log" 2>&1
  local rc=$?
  local stats
  stats=$(grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$tmp/$h.log" | awk '{print $2}' | paste -sd/)
  local cov
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$tmp/$h.log" | tail -1)
  if ((rc != 0)); then
    echo "FAIL $h (rc=$rc): $(ls "$art" | head -3 | tr '\n' ' ')"
    grep -E 'ERROR: |SUMMARY: |runtime error|==[0-9]+==' "$tmp/$h.log" | head -20
    tail -5 "$tmp/$h.log"
    return 1
  fi
  echo "OK   $h: ${secs}s, execs/peak_rss_mb $stats, $cov"
}

fail=0
running=0
for h in "${harnesses[@]}"; do
  [ -x "$B/tests/fuzz/$h" ] || { echo "FAIL $h: not built in $B"; fail=1; continue; }
  run_one "$h" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || fail=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || fail=1
  running=$((running - 1))
done
exit $fail
