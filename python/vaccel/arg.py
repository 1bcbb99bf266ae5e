# SPDX-License-Identifier: Apache-2.0
"""``Arg`` and ``ArgType``: typed arguments of ``genop`` and ``exec``."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from vaccel._base import CType, check
from vaccel._c_types.types import to_ctype
from vaccel._ffi import ffi, lib


class ArgType(IntEnum):
    """Argument types (values of the C ``vaccel_arg_type_t``; ``MAX`` is the guard)."""

    RAW = 0
    INT8 = 1
    INT8_ARRAY = 2
    INT16 = 3
    INT16_ARRAY = 4
    INT32 = 5
    INT32_ARRAY = 6
    INT64 = 7
    INT64_ARRAY = 8
    UINT8 = 9
    UINT8_ARRAY = 10
    UINT16 = 11
    UINT16_ARRAY = 12
    UINT32 = 13
    UINT32_ARRAY = 14
    UINT64 = 15
    UINT64_ARRAY = 16
    FLOAT32 = 17
    FLOAT32_ARRAY = 18
    FLOAT64 = 19
    FLOAT64_ARRAY = 20
    BOOL = 21
    BOOL_ARRAY = 22
    CHAR = 23
    CHAR_ARRAY = 24
    UCHAR = 25
    UCHAR_ARRAY = 26
    STRING = 27
    BUFFER = 28
    CUSTOM = 29
    MAX = 30


_ELEMENT = {
    ArgType.INT8: "int8_t", ArgType.INT16: "int16_t", ArgType.INT32: "int32_t",
    ArgType.INT64: "int64_t", ArgType.UINT8: "uint8_t", ArgType.UINT16: "uint16_t",
    ArgType.UINT32: "uint32_t", ArgType.UINT64: "uint64_t", ArgType.FLOAT32: "float",
    ArgType.FLOAT64: "double", ArgType.BOOL: "bool", ArgType.CHAR: "char", ArgType.UCHAR: "unsigned char",
}


class ArgTypeMapper:
    """C types of the numeric ``ArgType`` values."""

    @staticmethod
    def is_numeric(t: ArgType) -> bool:
        """True for the integer and float scalar and array types."""
        return ArgType.INT8 <= t <= ArgType.FLOAT64_ARRAY

    @staticmethod
    def element_type(t: ArgType) -> str | None:
        """The C type of a scalar or of one element of an array type, or None."""
        t = ArgType(t)
        if t in _ELEMENT:
            return _ELEMENT[t]
        if t - 1 in _ELEMENT.keys() and t.name.endswith("_ARRAY"):
            return _ELEMENT[ArgType(t - 1)]
        return None

    @staticmethod
    def type_to_c_type(t: ArgType) -> str:
        """The C type of ``t`` (``"int8_t"``, ``"int8_t *"``, ``"char *"``, ``"void *"``...)."""
        t = ArgType(t)
        if t == ArgType.STRING:
            return "char *"
        if t == ArgType.BUFFER:
            return "void *"
        elem = ArgTypeMapper.element_type(t)
        if elem is None:
            raise ValueError(f"No C type for {t.name}")
        return elem + " *" if t.name.endswith("_ARRAY") else elem


class Arg(CType):
    """One ``struct vaccel_arg`` over Python data.

    Buffers (bytes, bytearray, memoryview, numpy arrays) are not copied: C reads and writes the
    Python object's memory, so keep the object alive and do not resize it while the Arg lives.
    Numbers, strings and lists are copied into C memory owned by the Arg; for numeric types the
    C width follows ``type_`` (``Arg(5, ArgType.INT64)`` is 8 bytes, ``INT64_ARRAY`` lists are
    ``int64_t[]``).

    Args:
        data: the value.
        type_: the vAccel argument type.
        custom_type_id: id for ``ArgType.CUSTOM``.

    Raises:
        TypeError / ValueError: ``data`` cannot be converted.
        FFIError: the C side rejected the arg.
    """

    def __init__(self, data: Any, type_: ArgType = ArgType.RAW, custom_type_id: int = 0) -> None:
        self._type = ArgType(type_)
        self._data = to_ctype(data, precision=ArgTypeMapper.element_type(self._type))
        self._custom = int(custom_type_id)
        super().__init__()

    def _init_c_obj(self) -> None:
        p = ffi.new("struct vaccel_arg **")
        ret = lib.vaccel_arg_from_buf(p, ffi.cast("void *", self._data._c_ptr), self._data.c_size,
                                      int(self._type), self._custom)
        check(ret, "Could not initialize arg")
        self._adopt(p[0])

    def _c_delete(self, ptr: Any) -> int:
        return lib.vaccel_arg_delete(ptr)

    @property
    def buf(self) -> Any:
        """The data as Python, read back from the memory C sees (so it shows C's writes)."""
        return self._data.value

    @property
    def type(self) -> ArgType:
        """The argument type, read from C."""
        return ArgType(self._c_ptr.type)

    def _repr_fields(self) -> str:
        return f"size={self._c_ptr.size} type={self.type.name}"


def args_array(args: list[Any] | None, wrap: bool) -> tuple[Any, int, list[Arg]]:
    """A contiguous ``struct vaccel_arg[]`` (copies of the structs; buffers still point at Python).

    Returns (cdata or NULL, count, the Arg objects to keep alive). ``wrap`` turns non-Arg items into
    ``Arg(item)``; an empty list or None means no args.
    """
    if not args:
        return ffi.NULL, 0, []
    objs = [a if isinstance(a, Arg) else _wrap(a, wrap) for a in args]
    arr = ffi.new("struct vaccel_arg[]", len(objs))
    for i, a in enumerate(objs):
        arr[i] = a._c_ptr[0]
    return arr, len(objs), objs


def _wrap(item: Any, wrap: bool) -> Arg:
    if not wrap:
        raise TypeError(f"expected vaccel.Arg, got {type(item).__name__}")
    return Arg(item)
