# SPDX-License-Identifier: Apache-2.0
"""Error paths: each raises the documented exception with the vAccel code."""

from __future__ import annotations

import errno
import pickle

import numpy as np
import pytest

import vaccel
from vaccel import Arg, ArgType, Resource, ResourceType, Session
from vaccel.error import FFIError, NullPointerError
from vaccel.ops.tf import lite

from conftest import NOOP, use_plugins


def test_bad_resource_path(tmp_path):
    with pytest.raises(FFIError) as e:
        Resource(str(tmp_path / "missing.onnx"), ResourceType.MODEL)
    assert e.value.code == errno.ENOENT
    assert e.value.message == "Could not initialize resource"
    assert str(e.value) == "[errno 2] ENOENT: Could not initialize resource"
    assert e.value.args == (errno.ENOENT, "Could not initialize resource")


def test_model_run_without_registered_model(noop_session, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(b"model")
    with Resource(str(path), ResourceType.MODEL) as r:  # never registered
        t = lite.Tensor.from_numpy(np.zeros(4, np.uint8))
        with pytest.raises(FFIError) as e:
            noop_session.tflite_model_run(r, [t])
        assert e.value.code != 0 and e.value.message == "TFLite model run failed"


def test_unregister_when_not_registered(noop_session):
    with Resource(__file__, ResourceType.DATA) as r:
        with pytest.raises(FFIError) as e:
            r.unregister(noop_session)
        assert e.value.code == errno.EPERM
        assert e.value.message == f"Could not unregister resource {r.id} with session {noop_session.id}"


def test_empty_image(noop_session):
    with pytest.raises(FFIError) as e:
        noop_session.classify(b"")
    assert e.value.code == errno.EINVAL and e.value.message == "Image classification failed"


def test_bad_argument_types(noop_session):
    with pytest.raises(TypeError):
        Arg(object())
    with pytest.raises(TypeError):
        noop_session.genop([1], [2])  # genop takes Arg objects only
    with pytest.raises(TypeError):
        Arg([1, "x"], ArgType.INT32_ARRAY)
    with pytest.raises(TypeError):
        noop_session.classify(12345)
    with pytest.raises(TypeError):
        noop_session.tflite_model_run(Resource(__file__, ResourceType.MODEL), ["not a tensor"])
    with pytest.raises(ValueError):
        lite.Tensor([2], lite.TensorType.STRING, [1, 2])
    with pytest.raises(ValueError):
        noop_session.sgemm(-1, 2, 2, 1.0, [1.0], 2, [1.0], 2, 0.0, 2)


def test_ffierror_non_errno_code_and_pickle():
    e = FFIError(123456, "odd")
    assert str(e) == "[errno 123456] UNKNOWN: odd"  # the reference raised KeyError (bug 8)
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.code, e2.message) == (123456, "odd")
    assert isinstance(e, RuntimeError)


def test_use_after_close_raises():
    s = Session()
    r = Resource(__file__, ResourceType.DATA)
    s.close()
    r.close()
    for call in (s.noop, lambda: s.id, lambda: s.classify(b"x"), lambda: r.id,
                 lambda: r.register(Session())):
        with pytest.raises(NullPointerError):
            call()
    assert repr(s) == "<Session (uninitialized or invalid)>"
    s.close()
    r.close()


def test_objects_after_cleanup_raise_and_free_nothing():
    s = Session()
    r = Resource(__file__, ResourceType.DATA)
    r.register(s)
    try:
        vaccel.cleanup()  # releases every C session and resource
        with pytest.raises(NullPointerError):
            s.noop()
        with pytest.raises(NullPointerError):
            r.unregister(s)
        s.close()  # no double free: the C side already released them
        r.close()
    finally:
        use_plugins(NOOP)
    with Session() as fresh:
        fresh.noop()
