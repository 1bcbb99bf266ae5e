# SPDX-License-Identifier: Apache-2.0
"""Shaped like the reference's tests/conftest.py: noop plugin from the environment, asset paths."""

import os
from pathlib import Path

import pytest


def pytest_configure(config):
    os.environ.setdefault("VACCEL_PLUGINS", "libvaccel-noop.so")
    os.environ.setdefault("VACCEL_LOG_LEVEL", "4")


@pytest.fixture(scope="session")
def vaccel_paths():
    models = Path(os.environ.get("VACCEL_MODELS_DIR", "/usr/share/vaccel/models"))
    return {"lib": Path(os.environ.get("VACCEL_TEST_MYTESTLIB", "")), "images": models,
            "models": models}
