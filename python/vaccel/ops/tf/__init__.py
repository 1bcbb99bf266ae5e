# SPDX-License-Identifier: Apache-2.0
"""TensorFlow types and ops: ``Buffer``, ``Node``, ``Status``, ``TFMixin``, ``Tensor``, ``TensorType``."""

from vaccel.ops.tf.mixin import TFMixin
from vaccel.ops.tf.objects import Buffer, Node, Status
from vaccel.ops.tf.tensor import Tensor, TensorType

__all__ = ["Buffer", "Node", "Status", "TFMixin", "Tensor", "TensorType"]
