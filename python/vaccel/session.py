# SPDX-License-Identifier: Apache-2.0
"""``Session``: a vAccel session bound to one plugin, with every operation as a method."""

from __future__ import annotations

from typing import Any

from vaccel._base import CType, check
from vaccel._ffi import ffi, lib
from vaccel.ops.blas import BlasMixin
from vaccel.ops.exec import ExecMixin
from vaccel.ops.fpga import FpgaMixin
from vaccel.ops.genop import GenopMixin
from vaccel.ops.image import ImageMixin
from vaccel.ops.minmax import MinmaxMixin
from vaccel.ops.noop import NoopMixin
from vaccel.ops.tf.lite.mixin import TFLiteMixin
from vaccel.ops.tf.mixin import TFMixin
from vaccel.ops.torch.mixin import TorchMixin
from vaccel.plugin import PluginType
from vaccel.resource import Resource


class BaseSession(CType):
    """A ``struct vaccel_session``.

    Args:
        flags: plugin type bits choosing the plugin (0: the first local plugin;
            ``PluginType.REMOTE``: the rpc transport).

    Raises:
        FFIError: no plugin is loaded or matches, or too many sessions.
    """

    _runtime_owned = True

    def __init__(self, flags: PluginType | int = 0) -> None:
        self._flags = PluginType(int(flags))
        super().__init__()

    def _init_c_obj(self) -> None:
        p = ffi.new("struct vaccel_session **")
        check(lib.vaccel_session_new(p, int(self._flags)), "Could not init session")
        self._adopt(p[0])

    def _c_delete(self, ptr: Any) -> int:
        return lib.vaccel_session_delete(ptr)

    @property
    def id(self) -> int:
        """The session id (> 0)."""
        return int(self._c_ptr.id)

    @property
    def remote_id(self) -> int:
        """The id of the agent-side session for a remote session, else 0."""
        return int(self._c_ptr.remote_id)

    @property
    def flags(self) -> PluginType:
        """The flags given at creation."""
        return PluginType(int(self._c_ptr.hint))

    @property
    def is_remote(self) -> bool:
        """True when a transport (rpc) plugin serves the session."""
        return bool(self._c_ptr.is_virtio)

    def has_resource(self, resource: Resource) -> bool:
        """Whether ``resource`` is registered with this session."""
        return bool(lib.vaccel_session_has_resource(self._c_ptr, resource._c_ptr))

    def _repr_fields(self) -> str:
        f = self.flags
        name = f.name if f.name else f"0x{int(f):x}"
        return f"id={self.id} remote_id={self.remote_id} flags={name}"


class Session(BaseSession, NoopMixin, GenopMixin, ExecMixin, ImageMixin, BlasMixin, FpgaMixin,
              MinmaxMixin, TFMixin, TFLiteMixin, TorchMixin):
    """A session with every vAccel operation as a method.

    Use it as a context manager (``with Session() as s:``) or call :meth:`close`; the garbage
    collector releases it otherwise. Long operations release the GIL.
    """
