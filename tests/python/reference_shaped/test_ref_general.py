# SPDX-License-Identifier: Apache-2.0
# Written by us from the facts sheet in the style of the reference's tests (test_general,
# test_resource, test_exec, test_genop, test_image, test_fpga, test_tf*): no context managers,
# no close(), objects left to __del__ and the interpreter's exit, as reference users write them.
import errno

import pytest

from vaccel import Arg, ArgType, OpType, PluginType, Resource, ResourceType, Session
from vaccel._c_types import CBytes
from vaccel.error import FFIError
from vaccel.ops.tf import Buffer, Node, Tensor, TensorType
from vaccel.ops.tf.lite import Tensor as LiteTensor, TensorType as LiteTensorType


def test_session():
    ses_a = Session()
    assert ses_a.id > 0
    assert ses_a.flags == 0
    assert ses_a.is_remote == 0
    try:
        ses_b = Session(flags=1)
    except FFIError as e:  # a core without vAccel 0.8's fallback to the first local plugin
        assert e.code == errno.ENOTSUP
        pytest.skip("core does not fall back to the first local plugin for an unmatched hint")
    assert ses_b.id == ses_a.id + 1
    assert ses_b.flags == 1
    ses_c = Session(flags=PluginType.GENERIC | PluginType.DEBUG)
    assert ses_c.flags == PluginType.GENERIC | PluginType.DEBUG
    ses_a.noop()


def test_resource(vaccel_paths):
    if not str(vaccel_paths["lib"]):
        pytest.skip("no test lib")
    res = Resource(vaccel_paths["lib"], ResourceType.LIB)
    assert res.id > 0 and res.remote_id == 0
    res2 = Resource([vaccel_paths["lib"], vaccel_paths["lib"]], ResourceType.LIB)
    assert res2.id == res.id + 1
    data = b"test bytes"
    res3 = Resource.from_buffer(data, ResourceType.DATA)
    blob = res3.value.blobs[0]
    assert CBytes(bytes(data)).value == data and blob.size == len(data)
    ses = Session()
    res.register(ses)
    assert ses.has_resource(res)
    res.unregister(ses)
    assert not ses.has_resource(res)


def test_exec_and_genop(vaccel_paths):
    lib = str(vaccel_paths["lib"])
    if not lib:
        pytest.skip("no test lib")
    ses = Session()
    arg_read = [list(range(10))]
    arg_write = [[0] * 10]
    assert ses.exec(lib, "mytestfunc", arg_read, arg_write) == [list(range(10))]
    assert ses.exec(lib, "mytestfunc") is None
    buf = bytearray(b"\x01\x02\x03\x04")
    read = [Arg(OpType.EXEC, ArgType.UINT8), Arg(lib, ArgType.STRING),
            Arg("mytestfunc", ArgType.STRING), Arg(bytes(buf))]
    write = [Arg(bytearray(len(buf)))]
    ses.genop(read, write)
    assert write[0].buf == buf


def test_image_and_fpga():
    ses = Session()
    image = b"\x00" * 64
    assert ses.classify(image) == ("This is a dummy classification tag!", "This is a dummy imgname!")
    assert ses.detect(image) == "This is a dummy imgname!"
    assert ses.segment(image) == "This is a dummy imgname!"
    assert ses.pose(image) == "This is a dummy imgname!"
    assert ses.depth(image) == "This is a dummy imgname!"
    assert ses.fpga_arraycopy([1, 2, 3]) == [1, 2, 3]


def test_tf_and_tflite(vaccel_paths):
    ses = Session()
    model = Resource(__file__, ResourceType.MODEL)
    model.register(ses)
    status = ses.tf_model_load(model)
    assert status.message == "Operation handled by noop plugin"
    in_nodes = [Node("serving_default_input_1", 0)]
    out_nodes = [Node("StatefulPartitionedCall", 0)]
    in_tensors = [Tensor([1, 30], TensorType.FLOAT, [1.0] * 30)]
    out_tensors, status = ses.tf_model_run(model, in_nodes, in_tensors, out_nodes, Buffer(b"none"))
    assert out_tensors[0].data == in_tensors[0].data
    assert out_tensors[0].dims == in_tensors[0].dims
    ses.tf_model_unload(model)
    ses.tflite_model_load(model)
    lt = [LiteTensor([1, 4], LiteTensorType.FLOAT32, [1.0, 2.0, 3.0, 4.0])]
    outs, status = ses.tflite_model_run(model, lt)
    assert status == 0 and outs[0].data == [1.0, 2.0, 3.0, 4.0]
    ses.tflite_model_unload(model)
