# SPDX-License-Identifier: Apache-2.0
"""Float/int arrays for the BLAS and FPGA ops: numpy arrays of the right dtype without a copy."""

from __future__ import annotations

from typing import Any

from vaccel._ffi import ffi

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None  # type: ignore[assignment]

_NP = {"float": "float32", "int": "int32", "double": "float64"}


def c_array(values: Any, ctype: str) -> Any:
    """``values`` as a C ``ctype[]``: a matching contiguous numpy array is shared, else copied."""
    if np is not None and isinstance(values, np.ndarray):
        if values.dtype == np.dtype(_NP[ctype]) and values.flags.c_contiguous:
            return ffi.cast(f"{ctype} *", ffi.from_buffer(values))
        return ffi.new(f"{ctype}[]", values.astype(_NP[ctype]).ravel().tolist())
    return ffi.new(f"{ctype}[]", list(values))
