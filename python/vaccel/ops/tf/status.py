# SPDX-License-Identifier: Apache-2.0
"""Reference module path of ``Status``."""

from vaccel.ops.tf.objects import Status

__all__ = ["Status"]
