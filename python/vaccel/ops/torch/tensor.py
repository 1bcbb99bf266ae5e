# SPDX-License-Identifier: Apache-2.0
"""Torch tensors (``struct vaccel_torch_tensor``) and ``Buffer``."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from vaccel._ffi import lib
from vaccel.ops._tensor import TensorBase
from vaccel.ops.tf.objects import _BufferBase


class TensorType(IntEnum):
    """Torch data types (``enum vaccel_torch_data_type``)."""

    BYTE = 1
    CHAR = 2
    SHORT = 3
    INT = 4
    LONG = 5
    HALF = 6
    FLOAT = 7


class Tensor(TensorBase):
    """A Torch tensor: ``Tensor(dims, data_type, data_list)``, ``from_numpy``, ``from_buffer``."""

    _fw = "torch"
    _dims_ctype = "int64_t"
    _types = TensorType
    _table = {
        TensorType.BYTE: ("uint8_t", "uint8"), TensorType.CHAR: ("int8_t", "int8"),
        TensorType.SHORT: ("int16_t", "int16"), TensorType.INT: ("int32_t", "int32"),
        TensorType.LONG: ("int64_t", "int64"), TensorType.FLOAT: ("float", "float32"),
    }
    _lib_new = lib.vaccel_torch_tensor_new
    _lib_set_data = lib.vaccel_torch_tensor_set_data
    _lib_delete = lib.vaccel_torch_tensor_delete

    @classmethod
    def from_torch(cls, tensor: Any) -> Tensor:
        """A tensor sharing a (contiguous, CPU) torch tensor's storage (needs PyTorch)."""
        t = tensor.contiguous().cpu()
        obj = cls.from_numpy(t.numpy())
        obj._torch = t
        return obj

    def as_torch(self) -> Any:
        """The data as a torch tensor without a copy (needs PyTorch)."""
        t = getattr(self, "_torch", None)
        if t is not None:
            return t
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("PyTorch is not available") from exc
        return torch.from_numpy(self.as_numpy())


class Buffer(_BufferBase):
    """Torch run options (``struct vaccel_torch_buffer``)."""

    _fw = "torch"


TensorTypeMapper = Tensor
