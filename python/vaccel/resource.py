# SPDX-License-Identifier: Apache-2.0
"""``Resource`` and ``ResourceType``: models, libraries and data registered with sessions."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from vaccel._base import CType, check
from vaccel._ffi import ffi, lib

if TYPE_CHECKING:
    from vaccel.session import BaseSession


class ResourceType(IntEnum):
    """Resource types (values of the C ``vaccel_resource_type_t``; ``MAX`` is the guard)."""

    LIB = 0
    DATA = 1
    MODEL = 2
    MAX = 3


PathLike = Union[str, Path]


class Resource(CType):
    """A ``struct vaccel_resource``: one or more files, a directory, a URL, or a buffer.

    Args:
        paths: a path (str or Path) or a list of them.
        type_: the resource type.

    Raises:
        FFIError: e.g. ``code == errno.ENOENT`` when a local path does not exist.
    """

    _runtime_owned = True

    def __init__(self, paths: list[Path] | list[str] | PathLike, type_: ResourceType) -> None:
        self._paths: list[str] | None = ([str(p) for p in paths] if isinstance(paths, list)
                                         else [str(paths)])
        self._type = ResourceType(type_)
        self._buf: Any = None
        super().__init__()

    def _init_c_obj(self) -> None:
        if self._paths is None:
            return
        strs = [ffi.new("char[]", p.encode()) for p in self._paths]
        arr = ffi.new("const char *[]", strs)
        p = ffi.new("struct vaccel_resource **")
        check(lib.vaccel_resource_multi_new(p, arr, len(strs), int(self._type)),
              "Could not initialize resource")
        self._adopt(p[0])

    @classmethod
    def from_buffer(cls, data: bytes | bytearray | memoryview, type_: ResourceType) -> Resource:
        """A resource whose single blob holds ``data`` (the C side keeps its own copy)."""
        obj = cls.__new__(cls)
        obj._paths = None
        obj._type = ResourceType(type_)
        obj._buf = None  # the C side copies the bytes
        CType.__init__(obj)
        buf = ffi.from_buffer(data)
        p = ffi.new("struct vaccel_resource **")
        check(lib.vaccel_resource_from_buf(p, buf, len(buf), int(obj._type), ffi.NULL, True),
              "Could not initialize resource")
        obj._adopt(p[0])
        return obj

    @classmethod
    def from_numpy(cls, data: Any) -> Resource:
        """A DATA resource holding the bytes of a numpy array (C order).

        Raises:
            NotImplementedError: numpy is not installed.
        """
        try:
            import numpy as np
        except ImportError as exc:  # pragma: no cover
            raise NotImplementedError("NumPy is not available") from exc
        arr = np.ascontiguousarray(data)
        return cls.from_buffer(arr, ResourceType.DATA)

    def _c_delete(self, ptr: Any) -> int:
        return lib.vaccel_resource_delete(ptr)

    @property
    def id(self) -> int:
        """The resource id (> 0)."""
        return int(self._c_ptr.id)

    @property
    def remote_id(self) -> int:
        """The id on the agent for a resource of a remote session, else 0."""
        return int(self._c_ptr.remote_id)

    @property
    def paths(self) -> list[str] | None:
        """The paths given at creation (None for buffer resources)."""
        return None if self._paths is None else list(self._paths)

    @property
    def type(self) -> ResourceType:
        """The resource type."""
        return self._type

    def _op(self, fn: Any, session: BaseSession, what: str) -> None:
        ret = fn(self._c_ptr, session._c_ptr)
        check(ret, lambda: f"Could not {what} resource {self.id} with session {session.id}")

    def register(self, session: BaseSession) -> None:
        """Register with ``session`` (URLs are downloaded, directories read).

        Raises:
            FFIError: e.g. the resource is already registered with the session.
        """
        self._op(lib.vaccel_resource_register, session, "register")

    def unregister(self, session: BaseSession) -> None:
        """Unregister from ``session``."""
        self._op(lib.vaccel_resource_unregister, session, "unregister")

    def sync(self, session: BaseSession) -> None:
        """Refresh the local copy of a resource the session's plugin may have changed."""
        self._op(lib.vaccel_resource_sync, session, "sync")

    def _repr_fields(self) -> str:
        return (f"id={self.id} remote_id={self.remote_id} paths={self._paths} "
                f"type={self._type.name}")
