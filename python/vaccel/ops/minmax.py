# SPDX-License-Identifier: Apache-2.0
"""The (deprecated) minmax operation."""

from __future__ import annotations

from typing import Any

from vaccel._base import check
from vaccel._ffi import ffi, lib


class MinmaxMixin:
    """``minmax``."""

    _c_ptr: Any

    def minmax(self, indata: bytes, ndata: int, low_threshold: int,
               high_threshold: int) -> tuple[bytearray, float, float]:
        """Min and max of ``ndata`` doubles read from ``indata`` (passed without a copy).

        Returns:
            (outdata: ``ndata * 8`` bytes, min, max).

        Raises:
            ValueError: ``indata`` holds fewer than ``ndata`` doubles (the reference read past it).
        """
        src = ffi.from_buffer(indata)
        if ndata < 0 or len(src) < ndata * 8:
            raise ValueError(f"minmax: indata holds {len(src)} bytes, need {ndata} doubles")
        out = bytearray(ndata * 8)
        mn = ffi.new("double *")
        mx = ffi.new("double *")
        ret = lib.vaccel_minmax(self._c_ptr, ffi.cast("double *", src), ndata, low_threshold,
                                high_threshold, ffi.cast("double *", ffi.from_buffer(out)), mn, mx)
        check(ret, "Minmax failed")
        return out, float(mn[0]), float(mx[0])
