# SPDX-License-Identifier: Apache-2.0
"""``CType``: the base of every wrapper of a C object (ownership, close, context manager)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from vaccel import _life
from vaccel._ffi import ffi
from vaccel.error import FFIError, NullPointerError

_log = logging.getLogger(__name__)


class CType:
    """A Python object that owns one C object.

    The C object is released by :meth:`close`, by leaving a ``with`` block, or by the garbage
    collector (``__del__``), whichever comes first; using the object afterwards raises
    :class:`~vaccel.error.NullPointerError`. ``close()`` is idempotent. Do not close an object while
    another thread is inside an operation on it.
    """

    # Sessions and resources are released by vaccel_cleanup(); their wrappers honour generations.
    _runtime_owned = False
    _c_obj: Any = None
    _gen = 0

    def __init__(self) -> None:
        self._c_obj = None
        self._c_size: int | None = None
        self._gen = _life.generation
        self._init_c_obj()

    def _init_c_obj(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _c_delete(self, ptr: Any) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _adopt(self, ptr: Any) -> None:
        """Take ownership of a freshly created C object."""
        self._c_obj = ptr
        self._gen = _life.generation

    @property
    def _c_ptr(self) -> Any:
        """The C pointer; raises NullPointerError once closed or released by ``cleanup()``."""
        p = self._c_obj
        if p is None or (self._runtime_owned and self._gen != _life.generation):
            raise NullPointerError(f"{type(self).__name__} (closed or released by vaccel cleanup)")
        return p

    # Reference name.
    def _c_ptr_or_raise(self) -> Any:
        return self._c_ptr

    @property
    def c_size(self) -> int:
        """Size in bytes of the underlying C object."""
        return self._c_size if self._c_size is not None else ffi.sizeof(self._c_ptr[0])

    @property
    def value(self) -> Any:
        """The underlying C struct (a CFFI cdata; its fields can be read)."""
        return self._c_ptr[0]

    @property
    def closed(self) -> bool:
        """True once the C object has been released."""
        return self._c_obj is None or (self._runtime_owned and self._gen != _life.generation)

    def close(self) -> None:
        """Release the C object now. Idempotent; later use raises NullPointerError."""
        with _life.lock:
            ptr, self._c_obj = self._c_obj, None
            stale = self._runtime_owned and self._gen != _life.generation
        if ptr is None or stale:
            return  # already released here, or by vaccel_cleanup(): never free twice
        ret = self._c_delete(ptr)
        if ret:
            raise FFIError(ret, f"Could not delete {type(self).__name__}")

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except FFIError as e:  # never raise from a finalizer
            _log.warning("%s", e)
        except Exception:  # noqa: BLE001 - interpreter shutdown may have torn modules down
            pass

    def _repr_fields(self) -> str:
        return ""

    def __repr__(self) -> str:
        try:
            fields = self._repr_fields()
            addr = int(ffi.cast("uintptr_t", self._c_ptr))
        except (AttributeError, TypeError, NullPointerError):
            return f"<{type(self).__name__} (uninitialized or invalid)>"
        return f"<{type(self).__name__}{' ' + fields if fields else ''} at 0x{addr:x}>"


def check(ret: int, message: str | Callable[[], str]) -> None:
    """Raise FFIError(ret, message) when a C call returned nonzero."""
    if ret:
        raise FFIError(ret, message() if callable(message) else message)
