#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every CPU engine on MobileNet V2, side by side in one run, each in its own process pinned with
# taskset to one core, one thread: torch f32 and quantized (libtorch), onnx int8/f32 (OpenCV DNN,
# and XNNPACK when the onnx plugin honours VACCEL_ONNX_ENGINE), tflite uint8 (Arm NN, and XNNPACK
# when the tflite plugin honours VACCEL_TFLITE_ENGINE), and ONNX Runtime int8/f32 from npm as the
# external anchor (skipped, with a note, when bench/ort/install.sh has not been run).  Prints every
# engine's top-1 on the five shared images, then a table of medians and peak RSS.
#
# usage: bench/plugins/cpu_engines.sh [BUILD_DIR=build]
# env:   RUNS (30, at least 20 is the rule for docs/performance.md), ARMNN_RUNS (20), CPU (1),
#        ROUNDS (1: each round runs every engine once, in a rotated order), VACCEL_MODELS_DIR,
#        THREADS (1: threads per engine, e.g. THREADS=2 CPU=0,1 for the 2-thread scaling),
#        ONLY (a regex: run only the engines whose name matches it),
#        TORCH_PLUGIN / ONNX_PLUGIN / TFLITE_PLUGIN (a plugin .so of another build),
#        OPENBLAS_INFO=1 also runs the OpenBLAS users with OPENBLAS_CORETYPE unset (information:
#        tests and CI never change it), LOG (raw output file, default /tmp/cpu_engines.log).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
models="${VACCEL_MODELS_DIR:-$(grep -s '^VACCEL_MODELS_DIR:' "$build/CMakeCache.txt" | cut -d= -f2-)}"
models="${models:-$repo/models}"
runs="${RUNS:-30}"
armnn_runs="${ARMNN_RUNS:-20}"
cpu="${CPU:-1}"
rounds="${ROUNDS:-1}"
log="${LOG:-/tmp/cpu_engines.log}"
export VACCEL_MODELS_DIR="$models" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# THREADS=N: every engine's own thread setting (the plugins' VACCEL_*_THREADS, ORT's intra-op threads).
threads="${THREADS:-1}"
export VACCEL_TORCH_THREADS="${VACCEL_TORCH_THREADS:-$threads}" VACCEL_ONNX_THREADS="${VACCEL_ONNX_THREADS:-$threads}"
export VACCEL_TFLITE_THREADS="${VACCEL_TFLITE_THREADS:-$threads}" ORT_THREADS="$threads"

bench="$build/bench/plugins/bench_classify"
[[ -x "$bench" ]] || { echo "cpu_engines: $bench not built (cmake --build $build --target bench_classify)" >&2; exit 1; }
plugin() { echo "$build/plugins/$1/libvaccel-$1.so"; }
# TORCH_PLUGIN / ONNX_PLUGIN / TFLITE_PLUGIN: another build's plugin instead of BUILD_DIR's.
honours() { [[ -f "$1" ]] && grep -aq "$2" "$1"; }  # does the plugin read this variable?

qmodel=mobilenetv2-12-qint8-onednn.torchscript.pt
if [[ -f "$models/$qmodel" ]]; then qpath="$models/$qmodel"; else qpath="$build/models/$qmodel"; fi
if [[ ! -f "$qpath" ]]; then
  echo "cpu_engines: making $qpath (scripts/make-torch-quantized-model.py)"
  mkdir -p "$build/models"
  /usr/bin/python3 "$repo/scripts/make-torch-quantized-model.py" -m "$models" -o "$qpath"
fi

# name | env | command...   (one engine per line, '|' separated)
engines=()
add() { [[ "$1" =~ ${ONLY:-.} ]] && engines+=("$1|$2|$3"); return 0; }
torch="${TORCH_PLUGIN:-$(plugin torch)}" onnx="${ONNX_PLUGIN:-$(plugin onnx)}"
tflite="${TFLITE_PLUGIN:-$(plugin tflite)}"
if [[ -f "$torch" ]]; then
  add torch-f32 "" "$bench torch-f32 $torch mobilenetv2-12-f32.torchscript.pt imagenet_labels_1000.txt $runs"
  add torch-f32-as-loaded "VACCEL_TORCH_XNNPACK=0" "$bench torch-f32-as-loaded $torch mobilenetv2-12-f32.torchscript.pt imagenet_labels_1000.txt $runs"
  add torch-qint8 "" "$bench torch-qint8 $torch $qpath imagenet_labels_1000.txt $runs"
  add torch-f32-malloc-default "VACCEL_TORCH_MALLOC_TUNING=0" "$bench torch-f32-malloc-default $torch mobilenetv2-12-f32.torchscript.pt imagenet_labels_1000.txt $runs"
  if [[ "${OPENBLAS_INFO:-0}" == 1 && -n "${OPENBLAS_CORETYPE:-}" ]]; then
    add torch-f32-blas-auto "-u OPENBLAS_CORETYPE" "$bench torch-f32-blas-auto $torch mobilenetv2-12-f32.torchscript.pt imagenet_labels_1000.txt $runs"
  fi
fi
if [[ -f "$onnx" ]]; then
  for q in int8 f32; do
    m=mobilenetv2-12-int8.onnx; [[ $q == f32 ]] && m=mobilenetv2-12-f32-opset10.onnx
    add "onnx-opencv-$q" "VACCEL_ONNX_ENGINE=opencv" "$bench onnx-opencv-$q $onnx $m imagenet_labels_1000.txt $runs"
    if honours "$onnx" VACCEL_ONNX_ENGINE; then
      add "onnx-xnnpack-$q" "VACCEL_ONNX_ENGINE=xnnpack" "$bench onnx-xnnpack-$q $onnx $m imagenet_labels_1000.txt $runs"
    fi
  done
fi
if [[ -f "$tflite" ]]; then
  tfl="mobilenet_v2_1.0_224_quant.tflite imagenet_labels.txt"
  add tflite-armnn-uint8 "VACCEL_TFLITE_ENGINE=armnn BENCH_WARMUP=1" "$bench tflite-armnn-uint8 $tflite $tfl $armnn_runs cat.bmp whole"
  if honours "$tflite" VACCEL_TFLITE_ENGINE; then
    add tflite-xnnpack-uint8 "VACCEL_TFLITE_ENGINE=xnnpack" "$bench tflite-xnnpack-uint8 $tflite $tfl $runs cat.bmp whole"
  fi
fi
ort_dir="$repo/bench/ort"
if [[ -f "$ort_dir/node_modules/onnxruntime-node/package.json" ]] && command -v node >/dev/null; then
  input="$(mktemp /tmp/cpu_engines_input.XXXXXX)"
  trap 'rm -f "$input"' EXIT
  "$bench" --dump-input cat.bmp "$input"
  add ort-int8 "" "node $ort_dir/ort_bench.js ort-int8 $models/mobilenetv2-12-int8.onnx $input $runs"
  add ort-f32 "" "node $ort_dir/ort_bench.js ort-f32 $models/mobilenetv2-12-f32-opset10.onnx $input $runs"
else
  echo "cpu_engines: ONNX Runtime not installed (run bench/ort/install.sh): no ORT rows" >&2
fi

{
  echo "# cpu_engines $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc --all) CPUs, pinned to CPU $cpu, runs $runs, threads $threads"
  echo "# OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}, load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$log"
n=${#engines[@]}
for ((r = 0; r < rounds; ++r)); do
  for ((i = 0; i < n; ++i)); do
    IFS='|' read -r name envs cmd <<<"${engines[$(((i + r) % n))]}"
    echo "## round $r $name (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$log"
    # shellcheck disable=SC2086  # envs and cmd are word lists built above
    env $envs taskset -c "$cpu" $cmd 2>&1 | grep -v '^\[' | tee -a "$log" || echo "RESULT engine=$name FAILED" | tee -a "$log"
  done
done

echo
echo "| engine | CPU ms/img (median per round) | inference CPU ms | wall ms | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
awk '/^RESULT/ {
  for (i = 2; i <= NF; ++i) { split($i, kv, "="); f[kv[1]] = kv[2] }
  e = f["engine"]; if (!(e in order)) { order[e] = ++n; names[n] = e }
  tot = (f["classify_cpu_ms"] != "") ? f["classify_cpu_ms"] : f["infer_cpu_ms"]
  wall = (f["classify_wall_ms"] != "") ? f["classify_wall_ms"] : f["infer_wall_ms"]
  c[e] = c[e] (c[e] ? ", " : "") tot; inf[e] = inf[e] (inf[e] ? ", " : "") f["infer_cpu_ms"]
  w[e] = w[e] (w[e] ? ", " : "") wall; rss[e] = f["peak_rss_mib"]; delete f
} END { for (k = 1; k <= n; ++k) { e = names[k]
  printf "| %s | %s | %s | %s | %s |\n", e, c[e], inf[e], w[e], rss[e] } }' "$log"
echo "(bench_classify rows: IMAGE_CLASSIFY through the plugin, decode + preprocess included; their"
echo " inference column subtracts the decode + preprocess time measured in the same process. ORT rows:"
echo " session.run() on a ready tensor, node's own RSS included. Raw log: $log)"
