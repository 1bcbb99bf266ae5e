# SPDX-License-Identifier: Apache-2.0
"""Exec: call a function of a shared library through the plugin."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaccel._base import check
from vaccel._ffi import lib
from vaccel.arg import args_array

if TYPE_CHECKING:
    from vaccel.resource import Resource


def _writable(args: list[Any] | None) -> list[Any] | None:
    # An immutable bytes output would be written in place by C (reference bug 6): give C a copy.
    return None if args is None else [bytearray(a) if isinstance(a, bytes) else a for a in args]


class ExecMixin:
    """``exec`` and ``exec_with_resource``."""

    _c_ptr: Any

    def exec(self, library: str | Path, symbol: str, arg_read: list[Any] | None = None,
             arg_write: list[Any] | None = None) -> list[Any] | None:
        """Call ``symbol`` of ``library`` with the args (non-Arg items become ``Arg(item)``).

        Returns:
            ``[a.buf for a in write args]``, or None when ``arg_write`` is None.

        Raises:
            FFIError: the library or symbol cannot be loaded, or the function failed.
        """
        rd, nr, keep_r = args_array(arg_read, wrap=True)
        wr, nw, keep_w = args_array(_writable(arg_write), wrap=True)
        ret = lib.vaccel_exec(self._c_ptr, str(library).encode(), symbol.encode(), rd, nr, wr, nw)
        check(ret, "Exec failed")
        del keep_r
        return None if arg_write is None else [a.buf for a in keep_w]

    def exec_with_resource(self, resource: Resource, symbol: str, arg_read: list[Any] | None = None,
                           arg_write: list[Any] | None = None) -> list[Any] | None:
        """Like :meth:`exec`, with the library given as a registered LIB resource."""
        rd, nr, keep_r = args_array(arg_read, wrap=True)
        wr, nw, keep_w = args_array(_writable(arg_write), wrap=True)
        ret = lib.vaccel_exec_with_resource(self._c_ptr, resource._c_ptr, symbol.encode(), rd, nr,
                                            wr, nw)
        check(ret, "Exec with resource failed")
        del keep_r
        return None if arg_write is None else [a.buf for a in keep_w]
