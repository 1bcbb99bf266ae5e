# SPDX-License-Identifier: Apache-2.0
"""TensorFlow Lite types and ops: ``TFLiteMixin``, ``Tensor``, ``TensorType``."""

from vaccel.ops.tf.lite.mixin import TFLiteMixin
from vaccel.ops.tf.lite.tensor import Tensor, TensorType

__all__ = ["TFLiteMixin", "Tensor", "TensorType"]
