# SPDX-License-Identifier: Apache-2.0
"""TF ``Node``, ``Status`` and ``Buffer``."""

from __future__ import annotations

from typing import Any

from vaccel._base import CType, check
from vaccel._ffi import ffi, lib


class Node(CType):
    """A graph node (``struct vaccel_tf_node``): its name and output index."""

    def __init__(self, name: str, id_: int) -> None:
        self._args = (name, int(id_))
        super().__init__()

    def _init_c_obj(self) -> None:
        p = ffi.new("struct vaccel_tf_node **")
        check(lib.vaccel_tf_node_new(p, self._args[0].encode(), self._args[1]),
              "Could not create TF node")
        self._adopt(p[0])

    def _c_delete(self, ptr: Any) -> int:
        return lib.vaccel_tf_node_delete(ptr)

    @property
    def name(self) -> str:
        """The node name."""
        return ffi.string(self._c_ptr.name).decode()

    @property
    def id(self) -> int:
        """The output index."""
        return int(self._c_ptr.id)

    def _repr_fields(self) -> str:
        return f"name={self.name!r} id={self.id}"


class Status(CType):
    """The status of a TF op (``struct vaccel_tf_status``)."""

    def __init__(self, error_code: int = 0, message: str = "") -> None:
        self._args = (int(error_code), message)
        super().__init__()

    def _init_c_obj(self) -> None:
        p = ffi.new("struct vaccel_tf_status **")
        check(lib.vaccel_tf_status_new(p, self._args[0], self._args[1].encode()),
              "Could not create TF status")
        self._adopt(p[0])

    def _c_delete(self, ptr: Any) -> int:
        return lib.vaccel_tf_status_delete(ptr)

    @property
    def code(self) -> int:
        """The status code (0: OK). The reference raised AttributeError here (its bug 1)."""
        return int(self._c_ptr.code)

    @property
    def message(self) -> str:
        """The status message."""
        m = self._c_ptr.message
        return ffi.string(m).decode() if m != ffi.NULL else ""

    def _repr_fields(self) -> str:
        return f"code={self.code} message={self.message!r}"


class _BufferBase(CType):
    """A buffer over Python bytes (no copy); C never frees the Python memory."""

    _fw = ""

    def __init__(self, data: bytes | bytearray) -> None:
        self._data = data
        super().__init__()

    def _init_c_obj(self) -> None:
        buf = ffi.from_buffer(self._data)
        self._cbuf = buf
        p = ffi.new(f"struct vaccel_{self._fw}_buffer **")
        ctype = "void *" if self._fw == "tf" else "char *"
        new = getattr(lib, f"vaccel_{self._fw}_buffer_new")
        check(new(p, ffi.cast(ctype, buf), len(buf)), f"Could not create {self._fw} buffer")
        self._adopt(p[0])

    def _c_delete(self, ptr: Any) -> int:
        ctype = "void **"
        getattr(lib, f"vaccel_{self._fw}_buffer_take_data")(ptr, ffi.new(ctype), ffi.new("size_t *"))
        return getattr(lib, f"vaccel_{self._fw}_buffer_delete")(ptr)

    @property
    def size(self) -> int:
        """The size in bytes."""
        return int(self._c_ptr.size)

    @property
    def data(self) -> bytes:
        """A copy of the bytes (the reference raised AttributeError here, its bug 2)."""
        p = self._c_ptr
        return bytes(ffi.buffer(p.data, p.size)) if p.size else b""

    def _repr_fields(self) -> str:
        return f"size={self.size}"


class Buffer(_BufferBase):
    """TF run options (``struct vaccel_tf_buffer``)."""

    _fw = "tf"
