# SPDX-License-Identifier: Apache-2.0
"""Lifetime bookkeeping shared by every wrapper (the fix for the reference's exit-time use-after-free).

``vaccel_cleanup()`` and a re-``bootstrap()`` release every session and resource the C runtime
tracks. Each wrapper of such a runtime-owned object records the *generation* it was created in;
``cleanup()`` and ``bootstrap()`` advance it, so a wrapper from an older generation never hands its
stale pointer back to C: its ops raise :class:`~vaccel.error.NullPointerError` and its finalizer
does nothing. The package registers no ``atexit`` cleanup: libvaccel's own destructor cleans up
after the interpreter has finalized every object, so no finalizer can run after it.
"""

from __future__ import annotations

import threading

# Serialises close() (so two threads cannot free one pointer twice) and generation changes.
lock = threading.Lock()
generation = 0


def advance() -> None:
    """Mark every runtime-owned object created so far as released by the C runtime."""
    global generation
    with lock:
        generation += 1
