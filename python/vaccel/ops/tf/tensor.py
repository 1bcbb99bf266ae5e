# SPDX-License-Identifier: Apache-2.0
"""TensorFlow tensors (``struct vaccel_tf_tensor``)."""

from __future__ import annotations

from enum import IntEnum

from vaccel._ffi import lib
from vaccel.ops._tensor import TensorBase


class TensorType(IntEnum):
    """TF data types (``enum vaccel_tf_data_type``; ``COMPLEX64`` is an alias of ``COMPLEX``)."""

    FLOAT = 1
    DOUBLE = 2
    INT32 = 3
    UINT8 = 4
    INT16 = 5
    INT8 = 6
    STRING = 7
    COMPLEX = 8
    COMPLEX64 = 8
    INT64 = 9
    BOOL = 10
    QINT8 = 11
    QUINT8 = 12
    QINT32 = 13
    BFLOAT16 = 14
    QINT16 = 15
    QUINT16 = 16
    UINT16 = 17
    COMPLEX128 = 18
    HALF = 19
    RESOURCE = 20
    VARIANT = 21
    UINT32 = 22
    UINT64 = 23


class Tensor(TensorBase):
    """A TF tensor: ``Tensor(dims, data_type, data_list)``, ``from_numpy``, ``from_buffer``."""

    _fw = "tf"
    _dims_ctype = "int64_t"
    _types = TensorType
    _table = {
        TensorType.FLOAT: ("float", "float32"), TensorType.DOUBLE: ("double", "float64"),
        TensorType.INT32: ("int32_t", "int32"), TensorType.UINT8: ("uint8_t", "uint8"),
        TensorType.INT16: ("int16_t", "int16"), TensorType.INT8: ("int8_t", "int8"),
        TensorType.INT64: ("int64_t", "int64"), TensorType.BOOL: ("bool", "bool"),
        TensorType.UINT16: ("uint16_t", "uint16"), TensorType.UINT32: ("uint32_t", "uint32"),
        TensorType.UINT64: ("uint64_t", "uint64"),
    }
    _lib_new = lib.vaccel_tf_tensor_new
    _lib_set_data = lib.vaccel_tf_tensor_set_data
    _lib_delete = lib.vaccel_tf_tensor_delete


TensorTypeMapper = Tensor
