# SPDX-License-Identifier: Apache-2.0
"""Torch types and ops: ``Buffer``, ``Tensor``, ``TensorType``, ``TorchMixin``."""

from vaccel.ops.torch.mixin import TorchMixin
from vaccel.ops.torch.tensor import Buffer, Tensor, TensorType

__all__ = ["Buffer", "Tensor", "TensorType", "TorchMixin"]
