#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Downloads the public test models, labels and images used by the image plugins (onnx, torch,
# tflite) and their tests, checking every file's sha256.  Model files are never committed: they go
# to a directory of your choice (default ./models, which is gitignored).  Point the tests at it
# with VACCEL_MODELS_DIR=<dir> (or -DVACCEL_MODELS_DIR=<dir> at configure time).
#
# usage: scripts/fetch-models.sh [-d DIR] [--derived-from DIR] [--force]
#   -d DIR               destination (default: ./models)
#   --derived-from DIR   where to copy the two derived float models from (see below)
#   --force              re-download files that are already present and valid
#
# Sources (see ../shared/models/README.md for licenses):
#   google-coral/test_data @ 104342d2d3480b3e66203073dac24f4e2dbb4c41 (Apache-2.0): TFLite
#     MobileNets, imagenet_labels.txt and the test images;
#   ONNX Model Zoo mobilenetv2-12-int8.onnx (Apache-2.0), a Git LFS object of onnx/models @
#     8b137f96; a byte-identical copy is in Lawrence-lugs/hwacc_design_garage @ 4eb1e155 and is
#     tried second.
# Made locally: imagenet_labels_1000.txt = imagenet_labels.txt without its first ("background")
# line.
# Derived models (no public download): mobilenetv2-12-f32-opset10.onnx and
# mobilenetv2-12-f32.torchscript.pt are the int8 zoo model dequantised to float32 (opset 10) and
# that graph traced to TorchScript with Debian python3-torch 1.13.1.  The conversion rules are in
# ../shared/reference/backends.md (appendix).  This script copies them, sha256-checked, from
# --derived-from DIR (default: ../shared/models next to the repository, when present); without them
# the f32 ONNX and torch tests fail, saying where they looked.
# Made here when python3-torch is installed: mobilenetv2-12-qint8-onednn.torchscript.pt (below).
#
# Environment overrides (mirrors, offline testing): CORAL_BASE_URL, ONNX_INT8_URLS (space-separated).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dest="./models"
derived_from=""
force=0
while (($#)); do
  case "$1" in
    -d) dest="${2:?-d needs a directory}"; shift 2 ;;
    --derived-from) derived_from="${2:?--derived-from needs a directory}"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '3,31p' "$0"; exit 0 ;;
    *) echo "fetch-models: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -z "$derived_from" && -d "$repo/../shared/models" ]]; then
  derived_from="$(cd "$repo/../shared/models" && pwd)"
fi

coral="${CORAL_BASE_URL:-https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41}"
read -r -a onnx_int8_urls <<<"${ONNX_INT8_URLS:-https://media.githubusercontent.com/media/onnx/models/8b137f96002939214a6a40cca0cf222d043b714a/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx https://raw.githubusercontent.com/Lawrence-lugs/hwacc_design_garage/4eb1e15524758aa3ba9e42edf398a71bd66ccb74/onnx_models/mobilenetv2-12-int8.onnx}"

# name  sha256
coral_files=(
  "mobilenet_v2_1.0_224_quant.tflite 7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776"
  "mobilenet_v1_0.25_128_quant.tflite cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785"
  "imagenet_labels.txt b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1"
  "cat.bmp 34f235786382686111728287fd26d4c24dd8c25de8233469d6eeb301888ce0a9"
  "grace_hopper.bmp c43444bf3b1b1e3080551ca194bd231da4b67f20fc91454502915a6b806b614f"
  "parrot.jpg a8fba9e7e29439fa414c13129aad661f2289ff891231920a7c33641b076f1833"
  "hot_dog.jpg ed6952e022eb71c0d0b1ff068dcee3abed056dfa1852f041c35f138c4ff15b2e"
  "bird.bmp 3fd22d6ed352b8e721d9982e38ed655f8429e168bb53ad205c6f3cdfa848e994"
)
onnx_int8_sha=cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f
labels1000_sha=4eb3da435cf544e4a6f390f62c84cb9c9bb68cf8b14e97f8a063452382e5efd2
derived_files=(
  "mobilenetv2-12-f32-opset10.onnx 126bf2c05fe6f6957424d5499e6de0671834e79555c870eaf8bd5772b4a9946c"
  "mobilenetv2-12-f32.torchscript.pt 8266b114b722fb4976c0317b6bfa39475e42a7471487e3237f4531db8f79e580"
)

command -v curl >/dev/null || { echo "fetch-models: curl is required" >&2; exit 1; }
command -v sha256sum >/dev/null || { echo "fetch-models: sha256sum is required" >&2; exit 1; }
mkdir -p "$dest"
failed=0

valid() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

# fetch NAME SHA URL...: first URL whose content has the right sha256 wins.
fetch() {
  local name="$1" sha="$2"; shift 2
  local out="$dest/$name" tmp="$dest/.$name.part" url
  if ((!force)) && valid "$out" "$sha"; then echo "ok       $name (already present)"; return 0; fi
  for url in "$@"; do
    if curl -fsSL --retry 2 --connect-timeout 20 --max-time 600 -o "$tmp" "$url" && valid "$tmp" "$sha"; then
      mv -f "$tmp" "$out"; echo "fetched  $name"; return 0
    fi
    [[ -f "$tmp" ]] && echo "warning: $name from $url: sha256 mismatch or download error" >&2
    rm -f "$tmp"
  done
  echo "FAILED   $name (tried: $*)" >&2
  failed=1
}

for entry in "${coral_files[@]}"; do
  read -r name sha <<<"$entry"
  fetch "$name" "$sha" "$coral/$name"
done
fetch mobilenetv2-12-int8.onnx "$onnx_int8_sha" "${onnx_int8_urls[@]}"

if valid "$dest/imagenet_labels.txt" b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1; then
  tail -n +2 "$dest/imagenet_labels.txt" >"$dest/.imagenet_labels_1000.txt.part"
  if valid "$dest/.imagenet_labels_1000.txt.part" "$labels1000_sha"; then
    mv -f "$dest/.imagenet_labels_1000.txt.part" "$dest/imagenet_labels_1000.txt"; echo "made     imagenet_labels_1000.txt"
  else
    rm -f "$dest/.imagenet_labels_1000.txt.part"; echo "FAILED   imagenet_labels_1000.txt (sha256 mismatch)" >&2; failed=1
  fi
fi

for entry in "${derived_files[@]}"; do
  read -r name sha <<<"$entry"
  if ((!force)) && valid "$dest/$name" "$sha"; then echo "ok       $name (already present)"; continue; fi
  if [[ -n "$derived_from" ]] && valid "$derived_from/$name" "$sha"; then
    cp -f "$derived_from/$name" "$dest/$name"; echo "copied   $name (from $derived_from)"
  else
    echo "MISSING  $name: derived model, no public download. Copy it from a machine that has it" >&2
    echo "         (--derived-from DIR) or make it as described in ../shared/reference/backends.md," >&2
    echo "         appendix 'how the derived float models were made'. Looked in: ${derived_from:-<none>}" >&2
    failed=1
  fi
done

# The quantized TorchScript test model (int8, oneDNN) has no download either: it is made here from
# the f32 ONNX model by scripts/make-torch-quantized-model.py (Debian python3-torch + python3-onnx,
# about 10 s of CPU; calibrated on synthetic images, none of the five test images).  Optional: its
# tests skip when it is absent, and CTest's setup step makes it in the build tree when it can.
qmodel=mobilenetv2-12-qint8-onednn.torchscript.pt
if ((!force)) && [[ -s "$dest/$qmodel" ]]; then
  echo "ok       $qmodel (already present)"
elif ((failed)); then
  echo "skipped  $qmodel (its f32 source is missing)" >&2
elif /usr/bin/python3 -c 'import torch, onnx' >/dev/null 2>&1; then
  if /usr/bin/python3 "$here/make-torch-quantized-model.py" -m "$dest" -o "$dest/$qmodel" >/dev/null; then
    echo "made     $qmodel"
  else
    echo "FAILED   $qmodel (scripts/make-torch-quantized-model.py)" >&2; failed=1
  fi
else
  echo "skipped  $qmodel: needs python3-torch and python3-onnx (its tests skip without it)" >&2
fi

if ((failed)); then
  echo "fetch-models: some files are missing or invalid (see above); destination: $dest" >&2
  exit 1
fi
echo "fetch-models: all files present and verified in $dest (use VACCEL_MODELS_DIR=$(cd "$dest" && pwd))"
