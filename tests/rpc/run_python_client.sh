#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the Python client printed in docs/protocol.md (extracted verbatim, socket and image paths
# substituted) against a real agent: the specification is enough to write a working client.
# usage: run_python_client.sh <source_dir> <build_dir> <models_dir>
set -u
SRC=$1
B=$2
M=$3
PY=/usr/bin/python3
if ! $PY -c "import google.protobuf" 2>/dev/null; then
	echo "SKIP: Debian python3-protobuf not installed"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-rpc-py.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
protoc --python_out="$tmp" -I "$SRC/src/rpc/proto" "$SRC/src/rpc/proto/vaccel_rpc.proto" || exit 1
awk '/^```python$/{on=1; next} /^```$/{on=0} on' "$SRC/docs/protocol.md" |
	sed -e "s|/run/vaccel.sock|$tmp/agent.sock|" -e "s|\"cat.bmp\"|\"$M/cat.bmp\"|" >"$tmp/client.py"
VACCEL_PLUGINS=$B/plugins/noop/libvaccel-noop.so "$B/agent/vaccel-agent" -a "unix://$tmp/agent.sock" \
	--workdir "$tmp" >"$tmp/agent.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -S "$tmp/agent.sock" ] && break; sleep 0.05; done
out=$(cd "$tmp" && timeout 30 $PY client.py 2>&1)
echo "$out"
[ "$out" = "0 This is a dummy classification tag!" ] || { cat "$tmp/agent.log"; exit 1; }
