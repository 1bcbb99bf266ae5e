# SPDX-License-Identifier: Apache-2.0
"""TensorFlow model ops."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaccel._base import check
from vaccel._ffi import ffi, lib
from vaccel.ops._tensor import in_ptrs, out_slots, wrap_outputs
from vaccel.ops.tf.objects import Buffer, Node, Status
from vaccel.ops.tf.tensor import Tensor

if TYPE_CHECKING:
    from vaccel.resource import Resource


def _nodes(nodes: list[Node]) -> Any:
    for n in nodes:
        if not isinstance(n, Node):
            raise TypeError(f"expected vaccel.ops.tf.Node, got {type(n).__name__}")
    arr = ffi.new("struct vaccel_tf_node[]", max(len(nodes), 1))
    for i, n in enumerate(nodes):
        arr[i] = n._c_ptr[0]
    return arr


class TFMixin:
    """``tf_model_load``, ``tf_model_unload``, ``tf_model_run``."""

    _c_ptr: Any

    def tf_model_load(self, resource: Resource) -> Status:
        """Load a registered TF model; returns its Status."""
        status = Status()
        check(lib.vaccel_tf_model_load(self._c_ptr, resource._c_ptr, status._c_ptr),
              "TF model load failed")
        return status

    def tf_model_unload(self, resource: Resource) -> Status:
        """Unload a TF model; returns its Status."""
        status = Status()
        check(lib.vaccel_tf_model_unload(self._c_ptr, resource._c_ptr, status._c_ptr),
              "TF model unload failed")
        return status

    def tf_model_run(self, resource: Resource, in_nodes: list[Node], in_tensors: list[Tensor],
                     out_nodes: list[Node], run_options: Buffer | None = None
                     ) -> tuple[list[Tensor], Status]:
        """Run a loaded TF model; returns (one output tensor per out node, Status)."""
        if len(in_nodes) != len(in_tensors):
            raise ValueError("tf_model_run: one input node per input tensor")
        ins = in_ptrs("tf", in_tensors, Tensor)
        outs = out_slots("tf", len(out_nodes))
        status = Status()
        opts = run_options._c_ptr if run_options is not None else ffi.NULL
        ret = lib.vaccel_tf_model_run(self._c_ptr, resource._c_ptr, opts, _nodes(in_nodes), ins,
                                      len(in_tensors), _nodes(out_nodes), outs, len(out_nodes),
                                      status._c_ptr)
        results = wrap_outputs(Tensor, outs, len(out_nodes))  # owned even on failure
        check(ret, "TF model run failed")
        return results, status
