# SPDX-License-Identifier: Apache-2.0
"""``bootstrap`` and ``cleanup`` of the vAccel runtime.

libvaccel bootstraps itself from the environment (``VACCEL_PLUGINS``, ``VACCEL_LOG_LEVEL``, ...)
when it is loaded, so calling :func:`bootstrap` is optional. Both functions release every live
session and resource of the C runtime; their Python wrappers then raise on use and free nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vaccel import _life
from vaccel._base import check
from vaccel._ffi import lib

if TYPE_CHECKING:
    from vaccel.config import Config


def bootstrap(config: Config | None = None) -> None:
    """(Re)initialise vAccel from the environment, or from ``config``.

    Raises:
        FFIError: bootstrap failed.
    """
    _life.advance()
    ret = lib.vaccel_bootstrap() if config is None else lib.vaccel_bootstrap_with_config(config._c_ptr)
    check(ret, "Could not bootstrap vAccel library")


def cleanup() -> None:
    """Release every vAccel object and unload the plugins. Calling it twice is fine.

    Unlike the reference, it is not registered with ``atexit``: libvaccel cleans up in its own
    destructor, after Python has finalized every object.

    Raises:
        FFIError: cleanup failed.
    """
    _life.advance()
    check(lib.vaccel_cleanup(), "Could not cleanup vAccel library objects")
