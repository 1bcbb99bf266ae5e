# SPDX-License-Identifier: Apache-2.0
"""TensorFlow Lite model ops."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaccel._base import check
from vaccel._ffi import ffi, lib
from vaccel.ops._tensor import in_ptrs, out_slots, wrap_outputs
from vaccel.ops.tf.lite.tensor import Tensor

if TYPE_CHECKING:
    from vaccel.resource import Resource


class TFLiteMixin:
    """``tflite_model_load``, ``tflite_model_unload``, ``tflite_model_run``."""

    _c_ptr: Any

    def tflite_model_load(self, resource: Resource) -> None:
        """Load a registered TFLite model."""
        check(lib.vaccel_tflite_model_load(self._c_ptr, resource._c_ptr), "TFLite model load failed")

    def tflite_model_unload(self, resource: Resource) -> None:
        """Unload a TFLite model."""
        check(lib.vaccel_tflite_model_unload(self._c_ptr, resource._c_ptr),
              "TFLite model unload failed")

    def tflite_model_run(self, resource: Resource, in_tensors: list[Tensor],
                         nr_out_tensors: int = 1) -> tuple[list[Tensor], int]:
        """Run a loaded TFLite model; returns (output tensors, the C status byte)."""
        ins = in_ptrs("tflite", in_tensors, Tensor)
        outs = out_slots("tflite", nr_out_tensors)
        status = ffi.new("uint8_t *")
        ret = lib.vaccel_tflite_model_run(self._c_ptr, resource._c_ptr, ins, len(in_tensors), outs,
                                          nr_out_tensors, status)
        results = wrap_outputs(Tensor, outs, nr_out_tensors)
        check(ret, "TFLite model run failed")
        return results, int(status[0])
