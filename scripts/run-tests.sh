#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Quick start, step 2 of 2: runs the whole test suite.
#   0. checks the written source rules: the include table of docs/architecture.md
#      (scripts/check-includes.py) and the .clang-format style (scripts/check-format.sh);
#   1. installs the Debian packages (idempotent) and builds everything in ./build;
#   2. runs every CTest test (core, plugins, examples, rpc, vm);
#   3. rebuilds the core, the bundled plugins, examples, rpc plugin and agent with
#      AddressSanitizer + UBSan in ./build-asan and runs their tests again;
#   4. builds the libFuzzer harnesses (tests/fuzz) with clang in ./build-fuzz and runs each one
#      for a bounded time on its seed corpus; any crash, leak, timeout or OOM fails the run;
#   5. the same with ThreadSanitizer in ./build-tsan for the core and rpc tests.
# Options: --no-asan (skip 3), --no-fuzz (skip 4), --no-tsan (skip 5).
# VACCEL_FUZZ_SECONDS sets the time per harness of step 4 (default 30).
# Models are read from $VACCEL_MODELS_DIR, else ../shared/models next to the checkout.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
asan=1
fuzz=1
tsan=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    --no-fuzz) fuzz=0 ;;
    --no-tsan) tsan=0 ;;
    *) echo "run-tests: unknown option $arg" >&2; exit 2 ;;
  esac
done
jobs="$(nproc)"

"$repo/scripts/install-deps.sh"

echo "== source rules =="
python3 "$repo/scripts/check-includes.py"
"$repo/scripts/check-format.sh"

models_flag=()
if [[ -n "${VACCEL_MODELS_DIR:-}" ]]; then models_flag=(-DVACCEL_MODELS_DIR="$VACCEL_MODELS_DIR"); fi

echo "== build (RelWithDebInfo) =="
cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${models_flag[@]}" >/dev/null
cmake --build "$repo/build" -j"$jobs"
echo "== tests =="
(cd "$repo/build" && ctest --output-on-failure -j"$jobs")

# Sanitizer builds skip the heavy engine plugins (their own libraries are not instrumented) and benchmarks.
light=(-DVACCEL_PLUGIN_TORCH=OFF -DVACCEL_PLUGIN_ONNX=OFF -DVACCEL_PLUGIN_TFLITE=OFF -DVACCEL_BUILD_BENCH=OFF)
if ((asan)); then
  echo "== build (ASan + UBSan) =="
  cmake -S "$repo" -B "$repo/build-asan" -DCMAKE_BUILD_TYPE=Debug -DVACCEL_ASAN=ON "${light[@]}" "${models_flag[@]}" >/dev/null
  cmake --build "$repo/build-asan" -j"$jobs"
  echo "== tests under ASan + UBSan =="
  (cd "$repo/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j"$jobs" -L 'core|examples|rpc' -LE 'slow|vm')
fi
if ((fuzz)); then
  echo "== build (libFuzzer harnesses, clang, ASan + UBSan) =="
  CC=clang CXX=clang++ cmake -S "$repo" -B "$repo/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVACCEL_FUZZ=ON >/dev/null
  cmake --build "$repo/build-fuzz" -j"$jobs" --target fuzzers
  echo "== fuzzing, ${VACCEL_FUZZ_SECONDS:-30} s per harness =="
  "$repo/tests/fuzz/run-fuzzers.sh" "$repo/build-fuzz" "${VACCEL_FUZZ_SECONDS:-30}" "$jobs"
fi
if ((tsan)); then
  echo "== build (TSan) =="
  cmake -S "$repo" -B "$repo/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DVACCEL_TSAN=ON "${light[@]}" "${models_flag[@]}" >/dev/null
  cmake --build "$repo/build-tsan" -j"$jobs"
  echo "== tests under TSan =="
  (cd "$repo/build-tsan" && ctest --output-on-failure -j"$jobs" -L 'core|rpc' -LE 'slow|vm')
fi
echo "run-tests: all passed"
