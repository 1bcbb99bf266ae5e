# SPDX-License-Identifier: Apache-2.0
"""BLAS single-precision matrix multiply."""

from __future__ import annotations

from typing import Any

from vaccel._base import check
from vaccel._ffi import ffi, lib
from vaccel.ops._floats import c_array


class BlasMixin:
    """``sgemm``."""

    _c_ptr: Any

    def sgemm(self, m: int, n: int, k: int, alpha: float, a: Any, lda: int, b: Any, ldb: int,
              beta: float, ldc: int) -> list[float]:
        """C = alpha * A(m x k) * B(k x n) + beta * C, row-major, with C zero-filled first.

        ``a`` and ``b`` are lists of floats or float32 numpy arrays (shared without a copy).

        Returns:
            C as a list of m * n floats.
        """
        m, n, k = int(m), int(n), int(k)
        if m < 0 or n < 0 or k < 0:
            raise ValueError("sgemm: negative dimension")
        c = ffi.new("float[]", max(m * n, 1))
        ret = lib.vaccel_sgemm(self._c_ptr, m, n, k, float(alpha), c_array(a, "float"), int(lda),
                               c_array(b, "float"), int(ldb), float(beta), c, int(ldc))
        check(ret, "Sgemm failed")
        return list(c[0:m * n])
