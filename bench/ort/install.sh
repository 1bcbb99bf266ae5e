#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bench-only step: installs ONNX Runtime from npm (onnxruntime-node, pinned in package.json) into
# bench/ort/node_modules (gitignored, about 300 MB).  Never run by the tests or CI.
# --ignore-scripts: the package's install script would try to download GPU binaries; the CPU
# library for linux-x64 is inside the npm tarball itself.
set -eu
cd "$(dirname "$0")"
if [ -f node_modules/onnxruntime-node/package.json ]; then
  echo "onnxruntime-node already installed in $(pwd)/node_modules"
  exit 0
fi
command -v npm >/dev/null || { echo "bench/ort: npm is required (Debian: apt-get install npm)" >&2; exit 1; }
npm install --ignore-scripts --no-audit --no-fund
