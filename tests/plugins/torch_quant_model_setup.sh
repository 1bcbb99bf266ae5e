#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CTest setup of the quantized torch tests: makes the quantized MobileNet V2 once.
# usage: torch_quant_model_setup.sh OUT MODELS_DIR SCRIPT
# Does nothing when OUT or MODELS_DIR (or $VACCEL_MODELS_DIR) already holds the model; exits 77
# (CTest: skipped) when Debian python3-torch / python3-onnx are missing.
set -eu
out="$1"
models="${VACCEL_MODELS_DIR:-$2}"
script="$3"
name=mobilenetv2-12-qint8-onednn.torchscript.pt
if [ -s "$out" ] || [ -s "$models/$name" ]; then
  echo "quantized torch model present"
  exit 0
fi
if ! /usr/bin/python3 -c 'import torch, onnx' >/dev/null 2>&1; then
  echo "python3-torch or python3-onnx missing: the quantized torch tests will skip" >&2
  exit 77
fi
mkdir -p "$(dirname "$out")"
exec /usr/bin/python3 "$script" -m "$models" -o "$out"
