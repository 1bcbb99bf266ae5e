# SPDX-License-Identifier: Apache-2.0
"""The no-op operation."""

from __future__ import annotations

from typing import Any

from vaccel import _life
from vaccel._ffi import lib
from vaccel.error import FFIError, NullPointerError


class NoopMixin:
    """``noop``: a round trip to the plugin doing nothing (measures the call overhead)."""

    _c_obj: Any
    _gen: int

    def noop(self) -> None:
        """Call the plugin's noop.

        Raises:
            FFIError: the plugin failed (or has no noop).
            NullPointerError: the session is closed.
        """
        p = self._c_obj  # inlined _c_ptr: this is the per-call-overhead benchmark's path
        if p is None or self._gen != _life.generation:
            raise NullPointerError("Session (closed or released by vaccel cleanup)")
        ret = lib.vaccel_noop(p)
        if ret:
            raise FFIError(ret, "Noop failed")
