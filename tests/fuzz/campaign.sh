#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Longer offline fuzzing campaign (not part of CI): runs harnesses niced, $CAMPAIGN_JOBS (default 2)
# at a time, each for its own time budget, keeping the grown corpus, logs and any reproducer under
# <out_dir>, then prints one line per harness: executions, final cov/ft, corpus size and findings.
# usage: campaign.sh <build_dir> <out_dir> <harness:seconds>...
#   harness: a name in <build_dir>/tests/fuzz, or a path to a harness binary (its seeds are then
#   looked up by its basename up to the first '.', e.g. /tmp/fuzz_image.hardened -> fuzz_image).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
B="$(cd "$1" && pwd)"
out="$2"
shift 2
mkdir -p "$out"

one() { # bin label seconds
  local bin=$1 label=$2 secs=$3 seeds
  seeds=${label%%.*}
  mkdir -p "$out/$label/corpus" "$out/$label/artifacts"
  cp -n "$here/corpus/$seeds/"* "$out/$label/corpus/" 2>/dev/null || true
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    nice -n 10 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$out/$label/artifacts/" "$out/$label/corpus" \
    >"$out/$label/log" 2>&1
  echo "$?" >"$out/$label/rc"
}

running=0
for spec in "$@"; do
  h=${spec%%:*} secs=${spec##*:}
  if [[ $h == */* ]]; then bin=$h label=$(basename "$h"); else bin="$B/tests/fuzz/$h" label=$h; fi
  one "$bin" "$label" "$secs" &
  running=$((running + 1))
  if ((running >= ${CAMPAIGN_JOBS:-2})); then wait -n; running=$((running - 1)); fi
done
wait

printf '%-24s %6s %12s %8s %8s %8s %s\n' harness secs execs cov ft corpus findings
for spec in "$@"; do
  h=${spec%%:*} secs=${spec##*:}
  label=$(basename "$h")
  log="$out/$label/log"
  execs=$(awk '/^stat::number_of_executed_units/{print $2}' "$log")
  covft=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | awk '{print $2, $4}')
  printf '%-24s %6s %12s %8s %8s %8s rc=%s %s\n' "$label" "$secs" "${execs:-?}" ${covft:-? ?} \
    "$(ls "$out/$label/corpus" | wc -l)" "$(cat "$out/$label/rc")" "$(ls "$out/$label/artifacts" | tr '\n' ' ')"
done
