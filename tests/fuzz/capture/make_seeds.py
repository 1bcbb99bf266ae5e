#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns traffic recorded by relay.py into seed inputs of the fuzz harnesses (test tool only).

usage: make_seeds.py <recorded_dir> <pb2_dir> <corpus_dir>
  pb2_dir: where `protoc --python_out` wrote vaccel_rpc_pb2.py (from src/rpc/proto)
Writes, under corpus_dir:
  fuzz_frame/  mode byte + the start of each recorded stream, cut at a frame boundary (both
               directions; a copy in discard mode and one behind garbage in resync mode);
  fuzz_agent/  the client messages after HELLO as fuzz_agent records (see fuzz_agent.cpp);
  fuzz_genop/  every recorded Genop request in fuzz_genop's arg format (see fuzz_genop.cpp).
Seeds are capped in size (MAX_SEED bytes) and deduplicated by content.
"""
import hashlib
import os
import struct
import sys

MAX_SEED = 6 * 1024
HDR = 32
MAGIC = 0x52434156
AGENT_MAX_META, AGENT_MAX_PAYLOAD = 4096, 16384
GENOP_MAX_ARGS, GENOP_MAX_ARG_SIZE = 16, 1024


def frames(stream):
    """(header fields, metadata, data) of each whole frame at the start of a byte stream."""
    off = 0
    while off + HDR <= len(stream):
        magic, ver, ftype, flags, sid, meta_len, data_len, aux = struct.unpack_from("<IBBHIIQQ", stream, off)
        if magic != MAGIC or ver != 1:
            return
        end = off + HDR + meta_len + data_len
        if end > len(stream):
            return
        meta = stream[off + HDR:off + HDR + meta_len]
        yield off, end, ftype, flags, sid, meta, stream[off + HDR + meta_len:end]
        off = end


def messages(stream):
    """(type, stream id, metadata, payload) of each whole message: head frame + DATA frames."""
    cur = None
    for _, _, ftype, flags, sid, meta, data in frames(stream):
        if ftype != 5:
            cur = [ftype, sid, meta, bytearray(data)]
        elif cur is not None:
            cur[3] += data
        if flags & 1 and cur is not None:
            yield cur[0], cur[1], bytes(cur[2]), bytes(cur[3])
            cur = None


class Writer:
    def __init__(self, root):
        self.root, self.seen, self.count = root, set(), {}

    def put(self, harness, data):
        if not data or len(data) > MAX_SEED:
            return
        digest = hashlib.sha1(data).hexdigest()[:16]
        if digest in self.seen:
            return
        self.seen.add(digest)
        d = os.path.join(self.root, harness)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "rec-" + digest), "wb") as f:
            f.write(data)
        self.count[harness] = self.count.get(harness, 0) + 1


def frame_seeds(w, stream):
    cut = 0
    for _, end, *_ in frames(stream):
        if end + 1 > MAX_SEED:
            break
        cut = end
    if cut:
        w.put("fuzz_frame", b"\x00" + stream[:cut])
        w.put("fuzz_frame", b"\x02" + stream[:cut])
        w.put("fuzz_frame", b"\x01" + b"\x56\x41\x43garbage" + stream[:cut])


def agent_seeds(w, stream):
    rec = bytearray()
    for ftype, _, meta, payload in messages(stream):
        if ftype == 1:  # HELLO: the harness sends its own
            continue
        if len(meta) > AGENT_MAX_META or len(payload) > AGENT_MAX_PAYLOAD:
            continue
        one = struct.pack("<BHH", 1 if ftype == 3 else 7, len(meta), len(payload)) + meta + payload
        if len(rec) + len(one) > MAX_SEED:
            w.put("fuzz_agent", bytes(rec))
            rec = bytearray()
        rec += one
    w.put("fuzz_agent", bytes(rec))


def genop_seeds(w, stream, pb):
    for ftype, _, meta, payload in messages(stream):
        if ftype != 3:
            continue
        req = pb.Request()
        req.ParseFromString(meta)
        if req.WhichOneof("call") != "genop":
            continue
        g = req.genop
        args = list(g.read) + list(g.write)
        if len(g.read) > GENOP_MAX_ARGS or len(g.write) > GENOP_MAX_ARGS or \
                any(a.size > GENOP_MAX_ARG_SIZE for a in args):
            continue
        out = bytearray([len(g.read), len(g.write)])
        pos = 0
        for a in g.read:
            out += struct.pack("<BHB", a.type, a.size, a.custom_type_id & 0xff)
            out += payload[pos:pos + a.size]
            pos += a.size
        for a in g.write:
            out += struct.pack("<BHB", a.type, a.size, a.custom_type_id & 0xff)
        w.put("fuzz_genop", bytes(out) + bytes(range(12)))


def main():
    rec_dir, pb2_dir, corpus = sys.argv[1:4]
    sys.path.insert(0, pb2_dir)
    import vaccel_rpc_pb2 as pb
    w = Writer(corpus)
    for name in sorted(os.listdir(rec_dir)):
        with open(os.path.join(rec_dir, name), "rb") as f:
            stream = f.read()
        frame_seeds(w, stream)
        if name.endswith(".c2a"):
            agent_seeds(w, stream)
            genop_seeds(w, stream, pb)
    for h, n in sorted(w.count.items()):
        print(f"make_seeds: {h}: {n} seeds")


if __name__ == "__main__":
    main()
