# SPDX-License-Identifier: Apache-2.0
"""Reference module path of the torch ``Buffer``."""

from vaccel.ops.torch.tensor import Buffer

__all__ = ["Buffer"]
