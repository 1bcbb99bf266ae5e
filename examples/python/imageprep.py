# SPDX-License-Identifier: Apache-2.0
"""Tiny numpy-only image helpers for the examples: read an uncompressed BMP, bilinear resize.

No imaging library is needed (Debian's python3-numpy is enough); other formats are out of scope.
"""

from __future__ import annotations

import struct

import numpy as np


def read_bmp(path: str) -> np.ndarray:
    """An uncompressed 24/32-bit BMP as an (h, w, 3) uint8 RGB array."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"BM" or len(data) < 54:
        raise ValueError(f"{path}: not a BMP file")
    offset = struct.unpack_from("<I", data, 10)[0]
    width, height, _, bpp, compression = struct.unpack_from("<iiHHI", data, 18)
    if bpp not in (24, 32) or compression not in (0, 3) or width <= 0 or height == 0:
        raise ValueError(f"{path}: only uncompressed 24/32-bit BMP is supported")
    channels = bpp // 8
    stride = (width * channels + 3) & ~3
    rows = abs(height)
    if offset + stride * rows > len(data):
        raise ValueError(f"{path}: truncated BMP")
    pix = np.frombuffer(data, np.uint8, stride * rows, offset).reshape(rows, stride)
    pix = pix[:, :width * channels].reshape(rows, width, channels)[:, :, 2::-1]  # BGR(A) -> RGB
    return np.ascontiguousarray(pix[::-1] if height > 0 else pix)  # bottom-up rows


def resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Bilinear resize (pixel centres aligned) of an (h, w, c) uint8 image; returns float32."""
    src_h, src_w = img.shape[:2]
    ys = np.clip((np.arange(h) + 0.5) * src_h / h - 0.5, 0, src_h - 1)
    xs = np.clip((np.arange(w) + 0.5) * src_w / w - 0.5, 0, src_w - 1)
    y0, x0 = ys.astype(int), xs.astype(int)
    y1, x1 = np.minimum(y0 + 1, src_h - 1), np.minimum(x0 + 1, src_w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    f = img.astype(np.float32)
    top = f[y0][:, x0] * (1 - fx) + f[y0][:, x1] * fx
    bottom = f[y1][:, x0] * (1 - fx) + f[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def center_crop(img: np.ndarray, fraction: float) -> np.ndarray:
    """The centre square covering ``fraction`` of the shorter side."""
    h, w = img.shape[:2]
    side = int(min(h, w) * fraction)
    y, x = (h - side) // 2, (w - side) // 2
    return img[y:y + side, x:x + side]


def read_labels(path: str) -> list[str]:
    """One label per line."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f]
