# SPDX-License-Identifier: Apache-2.0
"""numpy without copies: the C side sees writes made through the array after wrapping."""

from __future__ import annotations

import gc

import numpy as np

from vaccel import Arg, ArgType, Resource, ResourceType
from vaccel._ffi import ffi
from vaccel.ops.tf import lite
from vaccel.ops import torch


def addr(cdata) -> int:
    return int(ffi.cast("uintptr_t", cdata))


def test_tensor_from_numpy_shares_memory(noop_session):
    arr = np.zeros((2, 8), dtype=np.float32)
    t = torch.Tensor.from_numpy(arr)
    assert addr(t.value.data) == arr.ctypes.data and t.value.size == arr.nbytes
    arr[1, 3] = 42.0  # written after wrapping: a copy would not see it
    with Resource(__file__, ResourceType.MODEL) as r:
        r.register(noop_session)
        outs = noop_session.torch_model_run(r, [t])
    assert outs[0].as_numpy()[1, 3] == 42.0


def test_output_view_is_c_memory_and_outlives_tensor(noop_session):
    arr = np.arange(16, dtype=np.uint8).reshape(4, 4)
    with Resource(__file__, ResourceType.MODEL) as r:
        r.register(noop_session)
        outs, _ = noop_session.tflite_model_run(r, [lite.Tensor.from_numpy(arr)])
    out = outs[0]
    view = out.as_numpy()
    assert view.ctypes.data == addr(out.value.data)  # a view, not a copy
    out.close()  # deferred: a view is alive
    del outs, out
    gc.collect()
    np.testing.assert_array_equal(view, arr)  # still valid memory
    view[0, 0] = 99
    assert view[0, 0] == 99
    del view
    gc.collect()


def test_arg_from_numpy_write_through(noop_session):
    src = np.zeros(4, dtype=np.int32)
    dst = np.zeros(4, dtype=np.int32)
    read, write = Arg(src, ArgType.INT32_ARRAY), Arg(dst, ArgType.INT32_ARRAY)
    assert addr(read.value.buf) == src.ctypes.data and addr(write.value.buf) == dst.ctypes.data
    src[:] = [5, 6, 7, 8]  # after wrapping
    import os
    lib = os.environ.get("VACCEL_TEST_MYTESTLIB", __file__)
    noop_session.exec(lib, "mytestfunc", [read], [write])  # noop: write[0] = read[0]
    np.testing.assert_array_equal(dst, [5, 6, 7, 8])
    assert write.buf is dst

