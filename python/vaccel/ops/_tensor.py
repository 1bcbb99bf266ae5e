# SPDX-License-Identifier: Apache-2.0
"""The tensor shape shared by ``vaccel.ops.tf``, ``vaccel.ops.tf.lite`` and ``vaccel.ops.torch``.

Zero-copy rules:
  * inputs built with ``from_numpy`` / ``from_buffer`` point at the Python object's memory (the
    tensor keeps a reference to it; ``as_numpy()`` returns that very array);
  * outputs of a model run own C memory; ``as_numpy()`` returns a view of it, and that view keeps
    the tensor alive. ``close()`` on a tensor with live views defers the free until the last view
    is gone, so a view never dangles.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar

from vaccel._base import CType, check
from vaccel._ffi import ffi
from vaccel.error import FFIError

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None  # type: ignore[assignment]


def _need_numpy() -> Any:
    if np is None:  # pragma: no cover
        raise NotImplementedError("NumPy is not available")
    return np


class TensorBase(CType):
    """Common implementation; subclasses set the framework's C names and type table."""

    _fw: ClassVar[str]              # "tf", "tflite", "torch"
    _dims_ctype: ClassVar[str]      # "int64_t" or "int32_t"
    _types: ClassVar[type[IntEnum]]
    _table: ClassVar[dict[int, tuple[str, str]]]  # TensorType -> (C element type, numpy dtype)
    _lib_new: ClassVar[Any]
    _lib_set_data: ClassVar[Any]
    _lib_delete: ClassVar[Any]

    def __init__(self, dims: list[int], data_type: Any, data: list[Any]) -> None:
        self._dims = [int(d) for d in dims]
        self._dtype = self._types(data_type)
        ctype = self._c_type(self._dtype)
        self._owner: Any = ffi.new(f"{ctype}[]", list(data))  # a copy, owned by this tensor
        self._views = 0
        self._closing = False
        super().__init__()

    # ---- construction -------------------------------------------------------------------------
    def _init_c_obj(self) -> None:
        dims = ffi.new(f"{self._dims_ctype}[]", self._dims)
        p = ffi.new(f"struct vaccel_{self._fw}_tensor **")
        # The reference built this FFIError without raising it (its bug 3).
        check(type(self)._lib_new(p, len(self._dims), dims, int(self._dtype)),
              f"Could not create {self._fw} tensor")
        self._adopt(p[0])
        if self._owner is not None:
            data = ffi.cast("void *", self._owner)
            ret = type(self)._lib_set_data(p[0], data, self._nbytes(self._owner))
            if ret:
                self.close()
                raise FFIError(ret, f"Could not set {self._fw} tensor data")

    @staticmethod
    def _nbytes(owner: Any) -> int:
        return ffi.sizeof(owner)

    @classmethod
    def _blank(cls) -> Any:
        obj = cls.__new__(cls)
        obj._views = 0
        obj._closing = False
        obj._owner = None
        return obj

    @classmethod
    def from_buffer(cls, dims: list[int], data_type: Any, data: bytes | bytearray | memoryview) -> Any:
        """A tensor over ``data`` without a copy (keep ``data`` unchanged in size)."""
        obj = cls._blank()
        obj._dims = [int(d) for d in dims]
        obj._dtype = cls._types(data_type)
        obj._src = data
        obj._owner = ffi.from_buffer(data)
        CType.__init__(obj)
        return obj

    @classmethod
    def from_numpy(cls, array: Any) -> Any:
        """A tensor over a numpy array without a copy (a non-contiguous array is copied once)."""
        npm = _need_numpy()
        arr = npm.ascontiguousarray(array)
        # The array itself is the buffer (a memoryview in a reference cycle with an exported
        # buffer cannot be cleared by the garbage collector).
        obj = cls.from_buffer(list(arr.shape), cls.type_from_numpy(arr.dtype), arr)
        obj._array = arr
        return obj

    @classmethod
    def empty(cls) -> Any:
        """A tensor with no C object (an output slot)."""
        obj = cls._blank()
        obj._dims, obj._dtype = [], None
        return obj

    @classmethod
    def from_c_obj(cls, c_obj: Any) -> Any:
        """Take ownership of a C tensor (e.g. a model run's output)."""
        if ffi.typeof(c_obj) is not ffi.typeof(f"struct vaccel_{cls._fw}_tensor *"):
            raise TypeError(f"expected struct vaccel_{cls._fw}_tensor *, got {ffi.typeof(c_obj).cname}")
        obj = cls._blank()
        obj._dims = [int(c_obj.dims[i]) for i in range(int(c_obj.nr_dims))]
        obj._dtype = cls._types(int(c_obj.data_type))
        CType.__init__(obj)
        obj._adopt(c_obj)
        return obj

    # ---- type mapping -------------------------------------------------------------------------
    @classmethod
    def _c_type(cls, t: Any) -> str:
        try:
            return cls._table[int(t)][0]
        except KeyError:
            raise ValueError(f"Unsupported {cls._fw} tensor type {t!r}") from None

    @classmethod
    def type_from_numpy(cls, dtype: Any) -> Any:
        """The TensorType of a numpy dtype (ValueError if unsupported)."""
        name = _need_numpy().dtype(dtype).name
        for t, (_, np_name) in cls._table.items():
            if np_name == name:
                return cls._types(t)
        raise ValueError(f"Unsupported numpy dtype {name} for {cls._fw} tensors")

    @classmethod
    def type_to_numpy(cls, t: Any) -> Any:
        """The numpy dtype of a TensorType (ValueError if unsupported)."""
        try:
            return _need_numpy().dtype(cls._table[int(t)][1])
        except KeyError:
            raise ValueError(f"Unsupported {cls._fw} tensor type {t!r}") from None

    # ---- lifetime -----------------------------------------------------------------------------
    def _c_delete(self, ptr: Any) -> int:
        return type(self)._lib_delete(ptr)

    def close(self) -> None:
        """Release the C tensor; deferred while numpy views of C-owned data are alive."""
        if self._views:
            self._closing = True
            return
        super().close()

    def _view_done(self) -> None:
        self._views -= 1
        if self._views == 0 and self._closing:
            super().close()

    # ---- data ---------------------------------------------------------------------------------
    @property
    def dims(self) -> list[int]:
        """The shape."""
        p = self._c_ptr
        return [int(p.dims[i]) for i in range(int(p.nr_dims))]

    shape = dims

    @property
    def data_type(self) -> Any:
        """The TensorType."""
        return self._types(int(self._c_ptr.data_type))

    @property
    def c_size(self) -> int:
        """Size of the tensor's data in bytes."""
        return int(self._c_ptr.size)

    def _raw(self) -> Any:
        p = self._c_ptr
        if p.data == ffi.NULL or p.size == 0:
            return ffi.buffer(ffi.new("char[]", 1), 0)
        return ffi.buffer(p.data, p.size)

    @property
    def data(self) -> list[Any]:
        """The elements as a Python list (a copy)."""
        p = self._c_ptr
        n = int(p.size) // ffi.sizeof(self._c_type(self.data_type))
        return list(ffi.cast(f"{self._c_type(self.data_type)} *", p.data)[0:n]) if n else []

    def as_bytelike(self) -> bytes | bytearray | memoryview:
        """The data as the original bytes-like object, or a memoryview of C memory."""
        src = getattr(self, "_src", None)
        return src if src is not None else self.as_memoryview()

    def as_memoryview(self) -> memoryview:
        """A memoryview of the tensor's data (no copy)."""
        return memoryview(self._raw())

    def to_bytes(self) -> bytes:
        """A copy of the data as bytes."""
        return bytes(self._raw())

    def as_numpy(self) -> Any:
        """The data as a numpy array shaped ``dims``, without a copy.

        For a tensor made by ``from_numpy`` this is the original array. For C-owned data (model
        outputs) it is a view that keeps this tensor alive until the view is gone.
        """
        npm = _need_numpy()
        arr = getattr(self, "_array", None)
        if arr is not None:
            return arr
        p = self._c_ptr
        dtype = self.type_to_numpy(self.data_type)
        src = getattr(self, "_src", None)
        if src is not None:  # from_buffer: a view of the caller's object (kept alive by numpy)
            return npm.frombuffer(src, dtype=dtype).reshape(self.dims)
        if getattr(self, "_owner", None) is not None:  # built from a list: our cffi array
            return npm.frombuffer(ffi.buffer(self._owner), dtype=dtype).reshape(self.dims)
        if p.data == ffi.NULL or p.size == 0:
            return npm.zeros(self.dims, dtype=dtype)
        # Tie the view to this tensor: the holder's destructor runs when numpy drops the buffer.
        self._views += 1
        holder = ffi.gc(ffi.cast("char *", p.data), lambda _p, t=self: t._view_done())
        return npm.frombuffer(ffi.buffer(holder, int(p.size)), dtype=dtype).reshape(self.dims)

    def _repr_fields(self) -> str:
        return f"dims={self.dims} data_type={self.data_type.name}"


def out_slots(fw: str, n: int) -> Any:
    """A NULL-initialised ``struct vaccel_<fw>_tensor *[n]`` for a model run's outputs."""
    if n < 0:
        raise ValueError("the number of output tensors must be >= 0")
    return ffi.new(f"struct vaccel_{fw}_tensor *[]", max(n, 1))


def in_ptrs(fw: str, tensors: list[Any], cls: type) -> Any:
    """The input tensors as a ``struct vaccel_<fw>_tensor *[]``."""
    for t in tensors:
        if not isinstance(t, cls):
            raise TypeError(f"expected {cls.__module__}.{cls.__name__}, got {type(t).__name__}")
    return ffi.new(f"struct vaccel_{fw}_tensor *[]", [t._c_ptr for t in tensors] or [ffi.NULL])


def wrap_outputs(cls: Any, slots: Any, n: int) -> list[Any]:
    """Take ownership of the C output tensors."""
    return [cls.from_c_obj(slots[i]) if slots[i] != ffi.NULL else cls.empty() for i in range(n)]
