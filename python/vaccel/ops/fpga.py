# SPDX-License-Identifier: Apache-2.0
"""The (deprecated) FPGA example operations."""

from __future__ import annotations

from typing import Any

from vaccel._base import check
from vaccel._ffi import ffi, lib
from vaccel.ops._floats import c_array


class FpgaMixin:
    """``fpga_arraycopy``, ``fpga_mmult``, ``fpga_parallel``, ``fpga_vadd``."""

    _c_ptr: Any

    def fpga_arraycopy(self, a: list[int]) -> list[int]:
        """Copy an int array through the plugin; returns the copy."""
        out = ffi.new("int[]", max(len(a), 1))
        check(lib.vaccel_fpga_arraycopy(self._c_ptr, c_array(a, "int"), out, len(a)),
              "FPGA arraycopy failed")
        return list(out[0:len(a)])

    def fpga_mmult(self, a: list[float], b: list[float]) -> list[float]:
        """Matrix multiply example; returns len(a) floats."""
        if len(b) < len(a):
            raise ValueError("fpga_mmult: b is shorter than a")
        c = ffi.new("float[]", max(len(a), 1))
        check(lib.vaccel_fpga_mmult(self._c_ptr, c_array(a, "float"), c_array(b, "float"), c, len(a)),
              "FPGA mmult failed")
        return list(c[0:len(a)])

    def fpga_parallel(self, a: list[float], b: list[float]) -> tuple[list[float], list[float]]:
        """Returns (add output, mult output), len(a) floats each."""
        if len(b) < len(a):
            raise ValueError("fpga_parallel: b is shorter than a")
        add = ffi.new("float[]", max(len(a), 1))
        mul = ffi.new("float[]", max(len(a), 1))
        check(lib.vaccel_fpga_parallel(self._c_ptr, c_array(a, "float"), c_array(b, "float"), add, mul,
                                       len(a)), "FPGA parallel failed")
        return list(add[0:len(a)]), list(mul[0:len(a)])

    def fpga_vadd(self, a: list[float], b: list[float]) -> list[float]:
        """Vector add; returns len(a) floats."""
        if len(b) < len(a):
            raise ValueError("fpga_vadd: b is shorter than a")
        c = ffi.new("float[]", max(len(a), 1))
        check(lib.vaccel_fpga_vadd(self._c_ptr, c_array(a, "float"), c_array(b, "float"), c, len(a),
                                   len(b)), "FPGA vector add failed")
        return list(c[0:len(a)])
