#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates the committed seed corpus of tests/fuzz (corpus/<harness>/). Test tool only.
#   fuzz_image:  tiny JPEG/PNG/BMP images written with stb_image_write (seeds/make_images.c);
#   fuzz_tflite: the header and operator codes of the real .tflite models (seeds/make_tflite_seed.py)
#     and the tests' tiny float32/int8 models (seeds/make_tflite_models.cpp);
#   fuzz_frame, fuzz_agent, fuzz_genop: real traffic. The project's example programs run through
#     the rpc plugin -> a recording relay (capture/relay.py) -> vaccel-agent with the noop plugin,
#     and capture/make_seeds.py cuts the recorded streams into seeds.
# usage: make-corpus.sh <build_dir> [models_dir]
#   build_dir: a normal build with vaccel-agent, libvaccel-rpc.so, libvaccel-noop.so, examples.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
B="$(cd "$1" && pwd)"
M="${2:-${VACCEL_MODELS_DIR:-$repo/../shared/models}}"
corpus="$here/corpus"
PY="${PYTHON:-/usr/bin/python3}" # Debian's, with python3-protobuf
tmp="$(mktemp -d "${TMPDIR:-/tmp}/vaccel-fuzz-corpus.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Recorded seeds are regenerated; anything a campaign added by hand (other names) stays.
mkdir -p "$corpus"/{fuzz_image,fuzz_tflite,fuzz_frame,fuzz_agent,fuzz_genop}
rm -f "$corpus"/fuzz_image/gen-* "$corpus"/fuzz_tflite/gen-* "$corpus"/fuzz_{frame,agent,genop}/rec-*

echo "== images"
cc -O1 -o "$tmp/make_images" "$here/seeds/make_images.c" -I/usr/include/stb -lm
mkdir -p "$tmp/img"
"$tmp/make_images" "$tmp/img"
for f in "$tmp"/img/*; do cp "$f" "$corpus/fuzz_image/gen-$(basename "$f")"; done

echo "== tflite"
for m in "$M"/mobilenet_v1_0.25_128_quant.tflite "$M"/mobilenet_v2_1.0_224_quant.tflite; do
  [ -f "$m" ] || { echo "make-corpus: $m missing (set VACCEL_MODELS_DIR)" >&2; exit 1; }
  "$PY" "$here/seeds/make_tflite_seed.py" "$m" "$tmp/tfl"
done
# Whole tiny models (float32 and int8, written by the tests' own writer) for read_model.
c++ -std=c++20 -O1 -I"$repo/tests/plugins" -o "$tmp/make_tflite_models" "$here/seeds/make_tflite_models.cpp"
"$tmp/make_tflite_models" "$tmp/tfl"
for f in "$tmp"/tfl/*; do cp "$f" "$corpus/fuzz_tflite/gen-$(basename "$f")"; done

echo "== traffic"
AGENT="$B/agent/vaccel-agent" RPC="$B/plugins/rpc/libvaccel-rpc.so" NOOP="$B/plugins/noop/libvaccel-noop.so"
for f in "$AGENT" "$RPC" "$NOOP"; do [ -e "$f" ] || { echo "make-corpus: $f not built" >&2; exit 1; }; done
# --allow-exec: the noop plugin only copies the args of exec; nothing is run.
VACCEL_PLUGINS="$NOOP" "$AGENT" -a tcp://127.0.0.1:0 --workdir "$tmp" --allow-exec >"$tmp/agent.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "tcp port" "$tmp/agent.out" && break; sleep 0.05; done
agent_port="$(grep -o 'tcp port [0-9]*' "$tmp/agent.out" | awk '{print $3}')"
"$PY" "$here/capture/relay.py" "$agent_port" "$tmp/rec" >"$tmp/relay.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "tcp port" "$tmp/relay.out" && break; sleep 0.05; done
relay_port="$(grep -o 'tcp port [0-9]*' "$tmp/relay.out" | awk '{print $3}')"
[ -n "$agent_port" ] && [ -n "$relay_port" ] || { cat "$tmp/agent.out" "$tmp/relay.out"; exit 1; }

img="$tmp/img/rgb8x8.jpg" model="$tmp/tfl/mobilenet_v1_0.25_128_quant.opcodes.tflite"
printf 'background\ncat\n' >"$tmp/labels.txt"
run() { # example (name in $B/examples, or a path) args...: runs it through the relay (output not checked)
  local ex="$1"; shift
  [[ $ex == */* ]] || ex="$B/examples/$ex"
  [ -x "$ex" ] || { echo "  skip $(basename "$ex") (not built)"; return; }
  local t0=$SECONDS
  (cd "$tmp" && timeout 60 env VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="tcp://127.0.0.1:$relay_port" \
     "$ex" "$@" >/dev/null 2>&1) || echo "  note: $(basename "$ex") exited non-zero"
  ((SECONDS - t0 < 5)) || echo "  note: $(basename "$ex") took $((SECONDS - t0)) s"
}
for ex in classify classify_generic detect detect_generic segment segment_generic pose pose_generic depth depth_generic; do
  run "$ex" "$img" 1
done
run noop 2
run sgemm 1
run sgemm_generic 1
run exec "$B/examples/libmytestlib.so" 1
run exec_generic "$B/examples/libmytestlib.so" 1
run exec_serialized "$B/examples/libmytestlib.so" 1
run exec_with_resource "$B/examples/libmytestlib.so" 1
run tflite_inference "$img" "$model" "$tmp/labels.txt" 1
run torch_inference "$img" "$model" "$tmp/labels.txt" 1
run mbench 1 1 2>/dev/null || true
# Ops no example calls (minmax, fpga, opencv, multi-file and synced resources).
cc -o "$tmp/more_ops" "$here/capture/more_ops.c" -I"$repo/include" -L"$B/src/core" -Wl,-rpath,"$B/src/core" -lvaccel
run "$tmp/more_ops" "$tmp/labels.txt" "$img"
sleep 0.3 # the relay flushes each connection when both ends closed

protoc --python_out="$tmp" -I "$repo/src/rpc/proto" "$repo/src/rpc/proto/vaccel_rpc.proto"
"$PY" "$here/capture/make_seeds.py" "$tmp/rec" "$tmp" "$corpus"
du -sh "$corpus"
