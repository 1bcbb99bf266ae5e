# SPDX-License-Identifier: Apache-2.0
"""Loads the compiled CFFI module and turns a missing libvaccel into a clear ImportError."""

from __future__ import annotations

try:
    from vaccel._libvaccel import ffi, lib
except ImportError as _exc:  # pragma: no cover - exercised by test_loader.py in a subprocess
    _msg = str(_exc)
    if "libvaccel" in _msg:
        raise ImportError(
            "vaccel: the dynamic loader cannot find libvaccel.so.0 "
            f"({_msg}). Install vAccel, or add its library directory "
            "(pkg-config --variable=libdir vaccel) to LD_LIBRARY_PATH or /etc/ld.so.conf.d") from _exc
    raise ImportError(
        f"vaccel: the compiled module vaccel._libvaccel is missing or broken ({_msg}). Build it with "
        "'pip install ./python --no-build-isolation' or the CMake build (VACCEL_BUILD_PYTHON=ON)") from _exc

__all__ = ["ffi", "lib"]
