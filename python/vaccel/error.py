# SPDX-License-Identifier: Apache-2.0
"""Exceptions raised by the vaccel package.

Every failing vAccel C call raises :class:`FFIError`; ``code`` is the vAccel error code (an errno
value such as ``errno.EINVAL``) and ``message`` says what failed.
"""

from __future__ import annotations

import errno as _errno
from typing import Any


class FFIError(RuntimeError):
    """A vAccel C call returned a nonzero code.

    Attributes:
        code: the vAccel error code (an errno value, e.g. ``errno.ENOENT``).
        message: a description of the failed operation.
    """

    def __init__(self, error_code: int, message: str) -> None:
        # Unlike the reference, .args is filled (code, message) so pickling and logging work.
        super().__init__(error_code, message)
        self.code = error_code
        self.message = message

    def __str__(self) -> str:
        # The reference raises KeyError here for a code that is not an errno value.
        name = _errno.errorcode.get(self.code, "UNKNOWN")
        return f"[errno {self.code}] {name}: {self.message}"


class NullPointerError(RuntimeError):
    """A C object was NULL: never created, or already released by ``close()`` or ``cleanup()``."""

    def __init__(self, context: str) -> None:
        super().__init__(f"Unexpected NULL pointer encountered in {context}")
        self.context = context


def ptr_or_raise(ptr: Any, context: str = "pointer") -> Any:
    """Return ``ptr`` unless it is None or a NULL cdata, else raise :class:`NullPointerError`."""
    from vaccel._ffi import ffi

    if ptr is None or ptr == ffi.NULL:
        raise NullPointerError(context)
    return ptr


__all__ = ["FFIError", "NullPointerError", "ptr_or_raise"]
