# SPDX-License-Identifier: Apache-2.0
"""TensorFlow Lite tensors (``struct vaccel_tflite_tensor``)."""

from __future__ import annotations

from enum import IntEnum

from vaccel._ffi import lib
from vaccel.ops._tensor import TensorBase


class TensorType(IntEnum):
    """TFLite data types (``enum vaccel_tflite_data_type``)."""

    NOTYPE = 0
    FLOAT32 = 1
    INT32 = 2
    UINT8 = 3
    INT64 = 4
    STRING = 5
    BOOL = 6
    INT16 = 7
    COMPLEX64 = 8
    INT8 = 9
    FLOAT16 = 10
    FLOAT64 = 11
    COMPLEX128 = 12
    UINT64 = 13
    RESOURCE = 14
    VARIANT = 15
    UINT32 = 16
    UINT16 = 17
    INT4 = 18


class Tensor(TensorBase):
    """A TFLite tensor: ``Tensor(dims, data_type, data_list)``, ``from_numpy``, ``from_buffer``."""

    _fw = "tflite"
    _dims_ctype = "int32_t"
    _types = TensorType
    _table = {
        TensorType.FLOAT32: ("float", "float32"), TensorType.FLOAT64: ("double", "float64"),
        TensorType.INT32: ("int32_t", "int32"), TensorType.UINT8: ("uint8_t", "uint8"),
        TensorType.INT64: ("int64_t", "int64"), TensorType.BOOL: ("bool", "bool"),
        TensorType.INT16: ("int16_t", "int16"), TensorType.INT8: ("int8_t", "int8"),
        TensorType.UINT64: ("uint64_t", "uint64"), TensorType.UINT32: ("uint32_t", "uint32"),
        TensorType.UINT16: ("uint16_t", "uint16"),
    }
    _lib_new = lib.vaccel_tflite_tensor_new
    _lib_set_data = lib.vaccel_tflite_tensor_set_data
    _lib_delete = lib.vaccel_tflite_tensor_delete


TensorTypeMapper = Tensor
