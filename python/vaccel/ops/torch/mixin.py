# SPDX-License-Identifier: Apache-2.0
"""Torch model ops."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaccel._base import check
from vaccel._ffi import ffi, lib
from vaccel.ops._tensor import in_ptrs, out_slots, wrap_outputs
from vaccel.ops.torch.tensor import Buffer, Tensor

if TYPE_CHECKING:
    from vaccel.resource import Resource


class TorchMixin:
    """``torch_model_load``, ``torch_model_run``."""

    _c_ptr: Any

    def torch_model_load(self, resource: Resource) -> None:
        """Load a registered TorchScript model."""
        check(lib.vaccel_torch_model_load(self._c_ptr, resource._c_ptr), "Torch model load failed")

    def torch_model_run(self, resource: Resource, in_tensors: list[Tensor], nr_out_tensors: int = 1,
                        run_options: Buffer | None = None) -> list[Tensor]:
        """Run a loaded TorchScript model; returns the output tensors."""
        ins = in_ptrs("torch", in_tensors, Tensor)
        outs = out_slots("torch", nr_out_tensors)
        opts = run_options._c_ptr if run_options is not None else ffi.NULL
        ret = lib.vaccel_torch_model_run(self._c_ptr, resource._c_ptr, opts, ins, len(in_tensors), outs,
                                         nr_out_tensors)
        results = wrap_outputs(Tensor, outs, nr_out_tensors)
        check(ret, "Torch jitload forward operation failed")
        return results
