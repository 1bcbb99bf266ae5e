# SPDX-License-Identifier: Apache-2.0
"""Remote: the Python classify example through the rpc plugin to a vaccel-agent on a unix socket."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from conftest import EXAMPLES, model, plugin, run_python

AGENT = os.environ.get("VACCEL_TEST_AGENT", "")


@pytest.fixture()
def onnx_agent(tmp_path):
    if not AGENT or not os.access(AGENT, os.X_OK):
        pytest.skip("vaccel-agent not built")
    sock = tmp_path / "agent.sock"
    env = dict(os.environ, VACCEL_PLUGINS=plugin("onnx"),
               VACCEL_ONNX_LABELS=model("imagenet_labels_1000.txt"))
    log = open(tmp_path / "agent.log", "wb")
    proc = subprocess.Popen([AGENT, "-a", f"unix://{sock}", "--workdir", str(tmp_path)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):  # at most 10 s
            if sock.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert sock.exists(), (tmp_path / "agent.log").read_text()
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_remote_classify_matches_local(onnx_agent):
    args = [str(EXAMPLES / "classify.py"), model("cat.bmp"), "-m", model("mobilenetv2-12-int8.onnx"),
            "-i", "2"]
    local = run_python(args, env={"VACCEL_PLUGINS": plugin("onnx"),
                                  "VACCEL_ONNX_LABELS": model("imagenet_labels_1000.txt")})
    remote = run_python(args, env={"VACCEL_PLUGINS": plugin("rpc"), "VACCEL_RPC_ADDRESS": onnx_agent})
    assert local.returncode == 0, local.stderr
    assert remote.returncode == 0, remote.stderr
    lines = remote.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("Prediction: Egyptian cat") for line in lines)
    assert remote.stdout == local.stdout


def test_remote_session_properties(onnx_agent):
    script = ("from vaccel import Session, PluginType\n"
              "s = Session(flags=PluginType.REMOTE)\n"
              "print(s.is_remote, s.remote_id > 0)\n")
    res = run_python(["-c", script], env={"VACCEL_PLUGINS": plugin("rpc"), "VACCEL_RPC_ADDRESS": onnx_agent})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True True"
