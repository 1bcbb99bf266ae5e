# SPDX-License-Identifier: Apache-2.0
"""Private Python-to-C conversions (kept importable because reference tests import ``CBytes``)."""

from vaccel._c_types.types import CAny, CBytes, CFloat, CInt, CList, CNumpyArray, CStr, CType, to_ctype

__all__ = ["CAny", "CBytes", "CFloat", "CInt", "CList", "CNumpyArray", "CStr", "CType", "to_ctype"]
