# SPDX-License-Identifier: Apache-2.0
"""Reference module path of ``Buffer``."""

from vaccel.ops.tf.objects import Buffer

__all__ = ["Buffer"]
