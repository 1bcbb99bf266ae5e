# SPDX-License-Identifier: Apache-2.0
"""The Python examples, and scripts shaped like the reference's examples and tests, unchanged."""

from __future__ import annotations

import os
import textwrap

import pytest

from conftest import EXAMPLES, HERE, NOOP, model, plugin, run_python

LABEL_ENV = {"onnx": ("VACCEL_ONNX_LABELS", "imagenet_labels_1000.txt", "mobilenetv2-12-int8.onnx"),
             "torch": ("VACCEL_TORCH_LABELS", "imagenet_labels_1000.txt", "mobilenetv2-12-f32.torchscript.pt"),
             "tflite": ("VACCEL_TFLITE_LABELS", "imagenet_labels.txt", "mobilenet_v2_1.0_224_quant.tflite")}


def test_classify_example_noop(tmp_path):
    img = tmp_path / "example.jpg"
    img.write_bytes(b"\xff\xd8 dummy")
    res = run_python([str(EXAMPLES / "classify.py"), str(img), "-i", "3"], env={"VACCEL_PLUGINS": NOOP})
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["Prediction: This is a dummy classification tag!"] * 3


def test_classify_example_errors(tmp_path):
    res = run_python([str(EXAMPLES / "classify.py"), str(tmp_path / "none.jpg")], env={"VACCEL_PLUGINS": NOOP})
    assert res.returncode == 1 and "classify:" in res.stderr
    res = run_python([str(EXAMPLES / "classify.py"), __file__, "-m", str(tmp_path / "no.onnx")],
                     env={"VACCEL_PLUGINS": NOOP})
    assert res.returncode == 1 and "ENOENT" in res.stderr


@pytest.mark.parametrize("name", ["onnx", "torch", "tflite"])
def test_classify_example_real_plugins(name):
    env_name, labels, model_file = LABEL_ENV[name]
    res = run_python([str(EXAMPLES / "classify.py"), model("cat.bmp"), "-m", model(model_file)],
                     env={"VACCEL_PLUGINS": plugin(name), env_name: model(labels)})
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Prediction: Egyptian cat")


def test_tflite_run_example():
    res = run_python([str(EXAMPLES / "tflite_run.py"), model("cat.bmp"), "-m",
                      model("mobilenet_v2_1.0_224_quant.tflite"), "-l", model("imagenet_labels.txt")],
                     env={"VACCEL_PLUGINS": plugin("tflite")})
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Prediction: Egyptian cat\n"


def test_reference_shaped_suite(tmp_path):
    """tests/python/reference_shaped: pytest modules written like the reference's tests."""
    res = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / "reference_shaped")],
                     env={"VACCEL_PLUGINS": NOOP, "VACCEL_LOG_LEVEL": "4"}, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert " passed" in res.stdout


def test_reference_tutorial_script(tmp_path):
    script = tmp_path / "tutorial.py"
    script.write_text(textwrap.dedent("""
        from vaccel.session import Session
        sess = Session()
        print(f"Session id is {sess.id}")
        image = bytes(100)
        print(sess.classify(image))
    """))
    res = run_python([str(script)], env={"VACCEL_PLUGINS": NOOP, "VACCEL_LOG_LEVEL": "4"})
    assert res.returncode == 0, res.stderr
    assert "Session id is 1\n" in res.stdout
    assert "('This is a dummy classification tag!', 'This is a dummy imgname!')" in res.stdout
    assert os.path.exists(script)
