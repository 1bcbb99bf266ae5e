#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Derives small fuzz_tflite seeds from a real .tflite model (test tool only).

Model.operator_codes sits near the end of a real model (after the weights), so a truncated copy
would not reach it. This keeps the model's own bytes that read_operator_codes walks: the header
(root offset, 'TFL3', the Model table and its vtable) and the operator_codes vector with its
tables and vtables, moved next to each other, with the one uoffset that links them patched.
A second seed is the model's first 256 bytes (a header whose operator_codes lie past the end).
usage: make_tflite_seed.py <model.tflite> <out_dir>
"""
import os
import struct
import sys


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    d = open(src, "rb").read()
    u32 = lambda p: struct.unpack_from("<I", d, p)[0]
    vtable_of = lambda t: t - struct.unpack_from("<i", d, t)[0]
    root = u32(0)
    vt = vtable_of(root)
    table_size = struct.unpack_from("<H", d, vt + 2)[0]
    field_off = struct.unpack_from("<H", d, vt + 4 + 2 * 1)[0]  # Model.operator_codes
    field = root + field_off
    codes = field + u32(field)
    n = u32(codes)
    lo, hi = codes, codes + 4 + 4 * n
    for i in range(n):
        slot = codes + 4 + 4 * i
        t = slot + u32(slot)
        tvt = vtable_of(t)
        lo = min(lo, tvt)
        hi = max(hi, t + struct.unpack_from("<H", d, tvt + 2)[0])
        nf = (struct.unpack_from("<H", d, tvt)[0] - 4) // 2
        for k in range(nf):
            fo = struct.unpack_from("<H", d, tvt + 4 + 2 * k)[0]
            if fo and k == 1:  # custom_code string
                s = t + fo + u32(t + fo)
                hi = max(hi, s + 4 + u32(s) + 1)
    head = bytearray(d[:max(root + table_size, vt + struct.unpack_from("<H", d, vt)[0])])
    head += b"\0" * ((-len(head)) % 4)
    lo -= lo % 4
    moved_codes = len(head) + (codes - lo)
    struct.pack_into("<I", head, field, moved_codes - field)
    seed = bytes(head) + d[lo:hi]
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.splitext(os.path.basename(src))[0]
    with open(os.path.join(out_dir, base + ".opcodes.tflite"), "wb") as f:
        f.write(seed)
    with open(os.path.join(out_dir, base + ".truncated-head.tflite"), "wb") as f:
        f.write(d[:256])
    print(f"make_tflite_seed: {len(seed)} bytes ({n} operator codes) from {src}")


if __name__ == "__main__":
    main()
