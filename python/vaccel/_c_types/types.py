# SPDX-License-Identifier: Apache-2.0
"""Python values as C memory: what ``Arg`` and the ops pass to C.

Buffers (bytes, bytearray, memoryview, numpy arrays) are passed without a copy: C reads (and, for
write arguments, writes) the Python object's own memory. Scalars, strings and lists are copied
into C memory that the wrapper owns, and ``value`` reads them back from there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaccel._ffi import ffi

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is optional
    np = None  # type: ignore[assignment]

_INT_TYPES = {"int", "int8_t", "int16_t", "int32_t", "int64_t", "unsigned", "unsigned int",
              "uint8_t", "uint16_t", "uint32_t", "uint64_t", "bool", "char", "unsigned char"}
_FLOAT_TYPES = {"float", "double"}


class CType:
    """A Python value held in C memory: ``_c_ptr`` (a cdata), ``c_size`` (bytes), ``value``."""

    _c_ptr: Any
    c_size: int

    @property
    def value(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class CInt(CType):
    """An integer in a C integer of the given precision (e.g. ``"int64_t"``)."""

    def __init__(self, value: int, precision: str = "int") -> None:
        if precision not in _INT_TYPES:
            raise ValueError(f"Unsupported integer precision: {precision}")
        self._c_ptr = ffi.new(f"{precision} *", int(value))
        self.c_size = ffi.sizeof(precision)

    @property
    def value(self) -> int:
        return int(self._c_ptr[0])


class CFloat(CType):
    """A float in a C ``float`` or ``double``."""

    def __init__(self, value: float, precision: str = "float") -> None:
        if precision not in _FLOAT_TYPES:
            raise ValueError(f"Unsupported float precision: {precision}")
        self._c_ptr = ffi.new(f"{precision} *", float(value))
        self.c_size = ffi.sizeof(precision)

    @property
    def value(self) -> float:
        return float(self._c_ptr[0])


class CStr(CType):
    """A NUL-terminated copy of a string (or path); ``c_size`` includes the NUL."""

    def __init__(self, value: str | Path) -> None:
        self._c_ptr = ffi.new("char[]", str(value).encode())
        self.c_size = len(self._c_ptr)

    @property
    def value(self) -> str:
        return ffi.string(self._c_ptr).decode()


class CBytes(CType):
    """A bytes-like object passed without a copy; ``value`` is the object itself."""

    def __init__(self, value: bytes | bytearray | memoryview) -> None:
        self._obj = value
        self._c_ptr = ffi.from_buffer(value)
        self.c_size = len(self._c_ptr)

    @property
    def value(self) -> bytes | bytearray | memoryview:
        return self._obj

    def to_str(self) -> str:
        """The bytes up to the first NUL, decoded as UTF-8."""
        return bytes(self._obj).split(b"\0", 1)[0].decode()


class CNumpyArray(CType):
    """A numpy array passed without a copy (a non-contiguous array is made contiguous once)."""

    def __init__(self, value: Any) -> None:
        if np is None:  # pragma: no cover
            raise NotImplementedError("NumPy is not available")
        self._arr = np.ascontiguousarray(value)
        self._c_ptr = ffi.from_buffer(self._arr)
        self.c_size = self._arr.nbytes

    @property
    def value(self) -> Any:
        return self._arr


class CList(CType):
    """A list copied into a C array: scalars by value, strings as ``char *[]``.

    The element type is the given precision (e.g. ``"int64_t"``), else ``int`` or ``float``
    from the first element. Unlike the reference, an array precision is honoured.
    """

    def __init__(self, values: list[Any] | tuple[Any, ...], precision: str | None = None) -> None:
        if not values:
            raise ValueError("CList cannot be empty")
        first = type(values[0])
        if any(not isinstance(v, first) and not (isinstance(v, (int, float)) and
                                                  isinstance(values[0], (int, float)))
               for v in values):
            raise TypeError("CList elements must all have the same type")
        self._strs: list[Any] = []
        if isinstance(values[0], (str, Path)):
            self._strs = [ffi.new("char[]", str(v).encode()) for v in values]
            self._ctype = "char *"
            self._c_ptr = ffi.new("char *[]", self._strs)
        else:
            if precision is None:
                precision = "float" if isinstance(values[0], float) else "int"
            self._ctype = precision
            self._c_ptr = ffi.new(f"{precision}[]", list(values))
        self.c_size = ffi.sizeof(self._c_ptr)

    @property
    def value(self) -> list[Any]:
        if self._ctype == "char *":
            return [ffi.string(p).decode() for p in self._c_ptr]
        return list(self._c_ptr)


def to_ctype(value: Any, *, precision: str | None = None) -> CType:
    """Wrap ``value`` for C; ``precision`` is the C element type for numbers."""
    if isinstance(value, CType):
        return value
    if isinstance(value, bool) or isinstance(value, int):
        if precision in _FLOAT_TYPES:
            return CFloat(value, precision)  # type: ignore[arg-type]
        return CInt(value, precision or "int")
    if isinstance(value, float):
        return CFloat(value, precision or "float")
    if isinstance(value, (str, Path)):
        return CStr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return CBytes(value)
    if isinstance(value, (list, tuple)):
        return CList(value, precision)
    if np is not None and isinstance(value, np.ndarray):
        return CNumpyArray(value)
    raise TypeError(f"No CType wrapper registered for {type(value)}")


CAny = to_ctype
