#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages needed to build, test and run the project.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

PACKAGES=(
  # toolchain and test/bench frameworks
  cmake g++ make pkg-config libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (tests/fuzz): clang with libFuzzer and the sanitizer runtimes (-fsanitize=fuzzer)
  clang libclang-rt-14-dev
  # source rules: the .clang-format style check (scripts/check-format.sh)
  clang-format
  # core: URL resources
  libcurl4-openssl-dev ca-certificates
  # rpc: protocol metadata, HMAC of the optional shared-secret handshake (libcrypto)
  libprotobuf-dev protobuf-compiler libssl-dev
  # agent: the seccomp filter of each tenant's worker process (agent/sandbox.cpp)
  libseccomp-dev
  # plugins: image decoding, OpenCV DNN (onnx), libtorch (torch), Arm NN (tflite), OpenBLAS (blas)
  libstb-dev libopencv-dnn-dev libopencv-imgproc-dev
  libtorch-dev libopenblas0-openmp libopenblas-dev
  libarmnn-dev libarmnntfliteparser-dev libarmnn-cpuref-backend22
  # XNNPACK engine (tflite, onnx); xnnpack.h includes pthreadpool.h but the -dev does not depend on it
  libxnnpack-dev libpthreadpool-dev
  # onnx: the XNNPACK front end parses ONNX with libonnx's protobuf classes
  libonnx-dev
  # VM end-to-end test (QEMU/TCG guest with a busybox initramfs)
  qemu-system-x86 busybox-static cpio binutils lz4 zstd
  # Python bindings (python/): CFFI build, numpy zero copy, pytest (tests/python), offline pip install
  python3-dev python3-cffi python3-numpy python3-pytest python3-setuptools python3-pip
  # test helpers (local HTTP server for URL resources)
  python3 python3-protobuf curl
  # torch: makes the quantized MobileNet V2 test model (scripts/make-torch-quantized-model.py)
  python3-torch python3-onnx
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
