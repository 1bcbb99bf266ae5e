# SPDX-License-Identifier: Apache-2.0
"""Reference module path of ``Node``."""

from vaccel.ops.tf.objects import Node

__all__ = ["Node"]
