# SPDX-License-Identifier: Apache-2.0
"""The generic operation: an op selected by its first argument."""

from __future__ import annotations

from typing import Any

from vaccel._base import check
from vaccel._ffi import lib
from vaccel.arg import Arg, args_array


class GenopMixin:
    """``genop``: any op, with all arguments as :class:`vaccel.Arg` (first read arg: the OpType)."""

    _c_ptr: Any

    def genop(self, arg_read: list[Arg], arg_write: list[Arg]) -> None:
        """Run the op; results are written in place (read them with ``arg_write[i].buf``).

        Raises:
            TypeError: an item is not an Arg.
            FFIError: the op failed.
        """
        rd, nr, keep_r = args_array(arg_read, wrap=False)
        wr, nw, keep_w = args_array(arg_write, wrap=False)
        check(lib.vaccel_genop(self._c_ptr, rd, nr, wr, nw), "Genop failed")
        del keep_r, keep_w
