# SPDX-License-Identifier: Apache-2.0
"""``Config``: a vAccel configuration for :func:`vaccel.bootstrap`."""

from __future__ import annotations

from typing import Any

from vaccel._base import CType, check
from vaccel._ffi import ffi, lib


class Config(CType):
    """A ``struct vaccel_config``.

    Args:
        plugins: ``:``-separated plugin libraries (names or paths).
        log_level: 1 error, 2 warn, 3 info, 4 debug.
        log_file: log file path, or None for stdout.
        profiling_enabled: collect and print profiling regions.
        version_ignore: skip the plugins' vAccel version check.

    Raises:
        FFIError: the C side rejected the values (e.g. a log level out of range).
    """

    def __init__(self, plugins: str = "libvaccel-noop.so", log_level: int = 1,
                 log_file: str | None = None, *, profiling_enabled: bool = False,
                 version_ignore: bool = False) -> None:
        self._args = (plugins, int(log_level), log_file, bool(profiling_enabled), bool(version_ignore))
        super().__init__()

    def _init_c_obj(self) -> None:
        plugins, level, log_file, prof, ignore = self._args
        p = ffi.new("struct vaccel_config **")
        ret = lib.vaccel_config_new(p, plugins.encode(), level,
                                    log_file.encode() if log_file is not None else ffi.NULL, prof, ignore)
        check(ret, "Could not initialize config")
        self._adopt(p[0])

    def _c_delete(self, ptr: Any) -> int:
        return lib.vaccel_config_delete(ptr)

    @staticmethod
    def _str(c: Any) -> str | None:
        return ffi.string(c).decode() if c != ffi.NULL else None

    @property
    def plugins(self) -> str:
        """The plugin list, read back from C."""
        return self._str(self._c_ptr.plugins) or ""

    @property
    def log_level(self) -> int:
        """The log level (1..4)."""
        return int(self._c_ptr.log_level)

    @property
    def log_file(self) -> str | None:
        """The log file, or None (stdout)."""
        return self._str(self._c_ptr.log_file)

    @property
    def profiling_enabled(self) -> bool:
        """Whether profiling is enabled."""
        return bool(self._c_ptr.profiling_enabled)

    @property
    def version_ignore(self) -> bool:
        """Whether the plugin version check is skipped."""
        return bool(self._c_ptr.version_ignore)

    def _repr_fields(self) -> str:
        return (f"plugins={self.plugins!r} log_level={self.log_level} log_file={self.log_file!r} "
                f"profiling_enabled={self.profiling_enabled} version_ignore={self.version_ignore}")
