# SPDX-License-Identifier: Apache-2.0
"""Every public method against the noop plugin, asserting its documented outputs."""

from __future__ import annotations

import errno
import os
import struct

import numpy as np
import pytest

import vaccel
from vaccel import Arg, ArgType, Config, OpType, PluginType, Resource, ResourceType, Session
from vaccel.ops import tf, torch
from vaccel.ops.tf import lite

from conftest import NOOP, use_plugins

DUMMY_TAG = "This is a dummy classification tag!"
DUMMY_IMG = "This is a dummy imgname!"
MYTESTLIB = os.environ.get("VACCEL_TEST_MYTESTLIB", "")


def test_top_level_exports():
    assert set(vaccel.__all__) == {"Arg", "ArgType", "Config", "OpType", "PluginType", "Resource",
                                   "ResourceType", "Session", "__version__", "bootstrap", "cleanup"}
    assert vaccel.__version__ == "0.3.0"
    from vaccel.session import BaseSession, Session as S2
    assert S2 is Session and issubclass(Session, BaseSession)
    assert set(tf.__all__) == {"Buffer", "Node", "Status", "TFMixin", "Tensor", "TensorType"}
    assert set(lite.__all__) == {"TFLiteMixin", "Tensor", "TensorType"}
    assert set(torch.__all__) == {"Buffer", "Tensor", "TensorType", "TorchMixin"}


def test_enum_values_match_reference():
    assert (ResourceType.LIB, ResourceType.DATA, ResourceType.MODEL, ResourceType.MAX) == (0, 1, 2, 3)
    assert ArgType.RAW == 0 and ArgType.FLOAT32_ARRAY == 18 and ArgType.STRING == 27 and ArgType.MAX == 30
    assert OpType.IMAGE_CLASSIFY == 3 and OpType.BLAS_SGEMM == 17 and OpType.MAX == 24
    assert PluginType.REMOTE == 0x4000 and PluginType.ALL == 0xFFFF and PluginType.DEBUG == 0x100
    assert tf.TensorType.COMPLEX64 is tf.TensorType.COMPLEX and tf.TensorType.UINT64 == 23
    assert lite.TensorType.UINT8 == 3 and lite.TensorType.INT4 == 18
    assert torch.TensorType.FLOAT == 7 and torch.TensorType.BYTE == 1


def test_bootstrap_cleanup_combinations():
    try:
        vaccel.bootstrap()
        vaccel.bootstrap(Config(plugins=NOOP))
        vaccel.cleanup()
        vaccel.cleanup()
        vaccel.bootstrap(Config(plugins=NOOP))
    finally:
        use_plugins(NOOP)
    with Session() as s:
        s.noop()


def test_config_defaults_and_round_trip():
    c = Config()
    assert (c.plugins, c.log_level, c.log_file, c.profiling_enabled, c.version_ignore) == \
        ("libvaccel-noop.so", 1, None, False, False)
    c = Config("libvaccel-exec.so", 4, "vaccel.log", profiling_enabled=True, version_ignore=True)
    assert (c.plugins, c.log_level, c.log_file, c.profiling_enabled, c.version_ignore) == \
        ("libvaccel-exec.so", 4, "vaccel.log", True, True)
    assert "plugins='libvaccel-exec.so'" in repr(c)
    with pytest.raises(vaccel.error.FFIError) as e:
        Config(log_level=99)
    assert e.value.code == errno.EINVAL


def test_session_properties():
    s1 = Session()
    assert s1.id > 0 and s1.flags == 0 and not s1.is_remote and s1.remote_id == 0
    s2 = Session(flags=PluginType.DEBUG)  # the noop plugin's type: served with or without fallback
    assert s2.id == s1.id + 1 and s2.flags == PluginType.DEBUG and isinstance(s2.flags, PluginType)
    s3 = Session(flags=PluginType.GENERIC | PluginType.DEBUG)
    assert s3.flags == PluginType.GENERIC | PluginType.DEBUG
    assert repr(s1).startswith(f"<Session id={s1.id} remote_id=0 flags=")
    s1.noop()
    for s in (s3, s2, s1):
        s.close()


def test_context_managers_and_close():
    with Session() as s, Resource(MYTESTLIB or __file__, ResourceType.LIB) as r:
        r.register(s)
        assert s.has_resource(r)
    assert s.closed and r.closed
    s.close()  # idempotent


def test_resource_ids_buffers_and_registration(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"aaaa")
    b.write_bytes(b"bbbb")
    r1 = Resource(str(a), ResourceType.LIB)
    assert r1.id > 0 and r1.remote_id == 0 and r1.type == ResourceType.LIB
    r2 = Resource([a, b], ResourceType.DATA)
    assert r2.id == r1.id + 1 and r2.paths == [str(a), str(b)]
    data = b"some bytes \x00\x01"
    rb = Resource.from_buffer(data, ResourceType.DATA)
    assert bytes(vaccel._ffi.ffi.buffer(rb.value.blobs[0].data, rb.value.blobs[0].size)) == data
    assert "paths=None" in repr(rb)  # reference bug 11: fixed
    arr = np.arange(6, dtype=np.int32)
    rn = Resource.from_numpy(arr)
    blob = rn.value.blobs[0]
    assert bytes(vaccel._ffi.ffi.buffer(blob.data, blob.size)) == arr.tobytes()
    with Session() as s1, Session() as s2:
        for s in (s1, s2):
            r1.register(s)
            assert s.has_resource(r1)
        r1.sync(s1)
        r1.unregister(s1)
        assert not s1.has_resource(r1) and s2.has_resource(r1)
        r1.unregister(s2)
        assert not s2.has_resource(r1)


@pytest.mark.skipif(not MYTESTLIB, reason="mytestlib not built")
def test_exec_and_exec_with_resource(noop_session):
    read = [Arg(list(range(10)), ArgType.INT32_ARRAY)]
    out = noop_session.exec(MYTESTLIB, "mytestfunc", read, [[0] * 10])
    assert out == [list(range(10))]  # noop copies read[0] into write[0]
    assert noop_session.exec(MYTESTLIB, "mytestfunc") is None
    with Resource(MYTESTLIB, ResourceType.LIB) as lib:
        lib.register(noop_session)
        out = noop_session.exec_with_resource(lib, "mytestfunc", [7], [0])
        assert out == [7]
        assert noop_session.exec_with_resource(lib, "mytestfunc") is None
        out = noop_session.exec(MYTESTLIB, "mytestfunc", [b"\x01\x02\x03\x04"], [b"\0\0\0\0"])
        assert out == [bytearray(b"\x01\x02\x03\x04")]  # bytes outputs are copied (bug 6)
        lib.unregister(noop_session)


@pytest.mark.skipif(not MYTESTLIB, reason="mytestlib not built")
def test_genop_exec_and_sgemm(noop_session):
    data = bytearray(b"genop payload")
    out = bytearray(len(data))
    read = [Arg(OpType.EXEC, ArgType.UINT8), Arg(MYTESTLIB, ArgType.STRING),
            Arg("mytestfunc", ArgType.STRING), Arg(data, ArgType.BUFFER)]
    write = [Arg(out, ArgType.BUFFER)]
    noop_session.genop(read, write)
    assert write[0].buf == data and out == data
    assert Arg(OpType.EXEC, ArgType.UINT8).value.size == 1
    assert Arg(12, ArgType.INT64).value.size == 8
    assert Arg([1, 2], ArgType.INT64_ARRAY).value.size == 16  # precision honoured (bug 5 fixed)
    m = n = k = 4
    c = [0.0] * (m * n)
    read = [Arg(OpType.BLAS_SGEMM, ArgType.UINT8), Arg(m, ArgType.INT64), Arg(n, ArgType.INT64),
            Arg(k, ArgType.INT64), Arg(1.0, ArgType.FLOAT32), Arg([1.0] * 16, ArgType.FLOAT32_ARRAY),
            Arg(k, ArgType.INT64), Arg([2.0] * 16, ArgType.FLOAT32_ARRAY), Arg(n, ArgType.INT64),
            Arg(0.0, ArgType.FLOAT32), Arg(n, ArgType.INT64)]
    write = [Arg(c, ArgType.FLOAT32_ARRAY)]
    noop_session.genop(read, write)
    assert len(write[0].buf) == 16 and write[0].type == ArgType.FLOAT32_ARRAY


def test_image_ops(noop_session):
    img = b"\xff\xd8 not really a jpeg"
    assert noop_session.classify(img) == (DUMMY_TAG, DUMMY_IMG)
    assert noop_session.classify(bytearray(img)) == (DUMMY_TAG, DUMMY_IMG)
    for op in (noop_session.detect, noop_session.segment, noop_session.pose, noop_session.depth):
        assert op(memoryview(img)) == DUMMY_IMG


def test_minmax(noop_session):
    values = [3.5, -1.0, 10000.0, 7.25, 0.0]
    raw = struct.pack(f"<{len(values)}d", *values)
    out, mn, mx = noop_session.minmax(raw, len(values), 5, 100)
    assert (mn, mx) == (-1.0, 10000.0)
    assert bytes(out) == raw and len(out) == len(values) * 8
    with pytest.raises(ValueError):
        noop_session.minmax(raw, 100, 5, 100)  # the reference read past the buffer


def test_sgemm_shape(noop_session):
    out = noop_session.sgemm(m=12, n=12, k=12, alpha=1.0, a=[1.0] * 144, lda=12, b=[1.0] * 144,
                             ldb=12, beta=0.0, ldc=12)
    assert len(out) == 144 and all(isinstance(x, float) for x in out)


def test_fpga(noop_session):
    a = [1, 2, 3, 4, 5]
    assert noop_session.fpga_arraycopy(a) == a
    fa, fb = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    added = [x + y for x, y in zip(fa, fb)]
    # The reference's noop fills these (9.1 / a+b / 1.0); an older noop left them zeroed.
    mm = [round(x, 1) for x in noop_session.fpga_mmult(fa, fb)]
    assert mm in ([9.1] * 3, [0.0] * 3)
    add, mult = noop_session.fpga_parallel(fa, fb)
    assert (add, mult) in ((added, [1.0] * 3), ([0.0] * 3, [0.0] * 3))
    assert noop_session.fpga_vadd(fa, fb) in (added, [0.0] * 3)


def test_tf_objects():
    node = tf.Node("serving_default_input_1", 0)
    assert (node.name, node.id) == ("serving_default_input_1", 0)
    st = tf.Status(3, "bad")
    assert (st.code, st.message) == (3, "bad")  # .code raised AttributeError in the reference
    assert "code=3" in repr(st)
    for mod in (tf, torch):
        buf = mod.Buffer(b"none")
        assert buf.size == 4 and buf.data == b"none"  # .data raised AttributeError (bug 2)
        buf.close()


@pytest.mark.parametrize("mod,ttype,dtype", [(tf, tf.TensorType.FLOAT, np.float32),
                                             (lite, lite.TensorType.INT32, np.int32),
                                             (torch, torch.TensorType.LONG, np.int64)])
def test_tensor_constructors(mod, ttype, dtype):
    t = mod.Tensor([2, 3], ttype, [1, 2, 3, 4, 5, 6])
    assert t.dims == t.shape == [2, 3] and t.data_type == ttype
    assert t.data == [1, 2, 3, 4, 5, 6]
    assert t.as_numpy().dtype == dtype and t.as_numpy().shape == (2, 3)
    raw = np.arange(6, dtype=dtype).tobytes()
    tb = mod.Tensor.from_buffer([3, 2], ttype, raw)
    assert tb.to_bytes() == raw and tb.as_bytelike() is raw and bytes(tb.as_memoryview()) == raw
    arr = np.arange(6, dtype=dtype).reshape(2, 3)
    tn = mod.Tensor.from_numpy(arr)
    assert tn.dims == [2, 3] and tn.data_type == ttype and tn.as_numpy() is arr
    assert mod.Tensor.type_from_numpy(dtype) == ttype and mod.Tensor.type_to_numpy(ttype) == dtype
    with pytest.raises(ValueError):
        mod.Tensor.from_numpy(np.zeros(2, dtype=np.complex64))
    assert repr(t).startswith("<Tensor dims=[2, 3] data_type=")


def test_tf_model_noop(noop_session):
    with Resource(__file__, ResourceType.MODEL) as r:
        r.register(noop_session)
        st = noop_session.tf_model_load(r)
        assert st.code == 0 and st.message == "Operation handled by noop plugin"
        arr = np.arange(30, dtype=np.float32).reshape(1, 30)
        for opts in (None, tf.Buffer(b"none")):
            outs, st = noop_session.tf_model_run(r, [tf.Node("serving_default_input_1", 0)],
                                                 [tf.Tensor.from_numpy(arr)],
                                                 [tf.Node("StatefulPartitionedCall", 0)], opts)
            assert st.message == "Operation handled by noop plugin" and len(outs) == 1
            np.testing.assert_array_equal(outs[0].as_numpy(), arr)
        assert noop_session.tf_model_unload(r).code == 0


def test_tflite_and_torch_model_noop(noop_session):
    with Resource(__file__, ResourceType.MODEL) as r:
        r.register(noop_session)
        noop_session.tflite_model_load(r)
        arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
        outs, status = noop_session.tflite_model_run(r, [lite.Tensor.from_numpy(arr)])
        assert status == 0 and outs[0].dims == [3, 4]
        np.testing.assert_array_equal(outs[0].as_numpy(), arr)
        noop_session.tflite_model_unload(r)
        noop_session.torch_model_load(r)
        f = np.linspace(0, 1, 8, dtype=np.float32).reshape(2, 4)
        for opts in (None, torch.Buffer(b"none")):
            outs = noop_session.torch_model_run(r, [torch.Tensor.from_numpy(f)], 1, opts)
            np.testing.assert_array_equal(outs[0].as_numpy(), f)
            assert outs[0].data == pytest.approx(f.reshape(-1).tolist())
