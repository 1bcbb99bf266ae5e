# SPDX-License-Identifier: Apache-2.0
"""The real plugins from Python: classify, model runs from numpy, sgemm, exec."""

from __future__ import annotations

import os

import numpy as np
import pytest

from vaccel import Arg, ArgType, Resource, ResourceType, Session
from vaccel.ops import torch
from vaccel.ops.tf import lite

from conftest import model
from imageprep import center_crop, read_bmp, read_labels, resize

EGYPTIAN_CAT = 285  # index in imagenet_labels_1000.txt (and 286 in the 1001-label TFLite list)

CLASSIFY = {
    "onnx": ("mobilenetv2-12-int8.onnx", "VACCEL_ONNX_LABELS", "imagenet_labels_1000.txt"),
    "torch": ("mobilenetv2-12-f32.torchscript.pt", "VACCEL_TORCH_LABELS", "imagenet_labels_1000.txt"),
    "tflite": ("mobilenet_v2_1.0_224_quant.tflite", "VACCEL_TFLITE_LABELS", "imagenet_labels.txt"),
}


@pytest.mark.parametrize("with_plugin", ["onnx", "torch", "tflite"], indirect=True)
def test_classify_egyptian_cat(with_plugin):
    model_file, env, labels = CLASSIFY[with_plugin]
    os.environ[env] = model(labels)
    image = open(model("cat.bmp"), "rb").read()
    with Session() as s, Resource(model(model_file), ResourceType.MODEL) as m:
        m.register(s)
        tag, _ = s.classify(image)
        assert tag.startswith("Egyptian cat"), tag
        m.unregister(s)


@pytest.mark.parametrize("with_plugin", ["tflite"], indirect=True)
def test_tflite_run_from_numpy(with_plugin):
    labels = read_labels(model("imagenet_labels.txt"))
    pixels = resize(read_bmp(model("cat.bmp")), 224, 224)
    batch = np.clip(pixels + 0.5, 0, 255).astype(np.uint8)[None]
    with Session() as s, Resource(model("mobilenet_v2_1.0_224_quant.tflite"), ResourceType.MODEL) as m:
        m.register(s)
        s.tflite_model_load(m)
        outs, status = s.tflite_model_run(m, [lite.Tensor.from_numpy(batch)])
        scores = outs[0].as_numpy().reshape(-1)
        assert status == 0 and scores.size == len(labels)
        assert labels[int(np.argmax(scores))] == "Egyptian cat"
        s.tflite_model_unload(m)


@pytest.mark.parametrize("with_plugin", ["torch"], indirect=True)
def test_torch_run_from_numpy(with_plugin):
    labels = read_labels(model("imagenet_labels_1000.txt"))
    img = resize(center_crop(read_bmp(model("cat.bmp")), 0.875), 224, 224) / 255.0
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    x = ((img - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
    with Session() as s, Resource(model("mobilenetv2-12-f32.torchscript.pt"), ResourceType.MODEL) as m:
        m.register(s)
        s.torch_model_load(m)
        outs = s.torch_model_run(m, [torch.Tensor.from_numpy(x)])
        logits = outs[0].as_numpy().reshape(-1)
        assert logits.size == 1000
        assert int(np.argmax(logits)) == EGYPTIAN_CAT and labels[EGYPTIAN_CAT] == "Egyptian cat"


@pytest.mark.parametrize("with_plugin", ["blas"], indirect=True)
def test_sgemm_matches_numpy(with_plugin):
    rng = np.random.default_rng(7)
    m, n, k = 17, 9, 13
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    with Session() as s:
        c = s.sgemm(m, n, k, 1.0, a.reshape(-1).tolist(), k, b.reshape(-1).tolist(), n, 0.0, n)
        np.testing.assert_allclose(np.array(c).reshape(m, n), a @ b, rtol=1e-4, atol=1e-4)
        c2 = s.sgemm(m, n, k, 2.0, a, k, b, n, 0.0, n)  # numpy inputs, shared without a copy
        np.testing.assert_allclose(np.array(c2).reshape(m, n), 2 * (a @ b), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("with_plugin", ["exec"], indirect=True)
def test_exec_test_library(with_plugin):
    lib = os.environ.get("VACCEL_TEST_MYTESTLIB")
    if not lib:
        pytest.skip("mytestlib not built")
    with Session() as s:
        assert s.exec(lib, "mytestfunc", [Arg(21, ArgType.INT32)], [Arg(0, ArgType.INT32)]) == [42]
        with Resource(lib, ResourceType.LIB) as r:
            r.register(s)
            assert s.exec_with_resource(r, "mytestfunc", [Arg(-4, ArgType.INT32)],
                                        [Arg(0, ArgType.INT32)]) == [-8]
        from vaccel.error import FFIError
        with pytest.raises(FFIError):
            s.exec(lib, "no_such_symbol", [Arg(1, ArgType.INT32)], [Arg(0, ArgType.INT32)])
