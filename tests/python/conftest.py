# SPDX-License-Identifier: Apache-2.0
"""pytest set-up for the Python bindings (ctest label "python", tests/python/CMakeLists.txt).

ctest passes the build's paths in the environment (VACCEL_TEST_*); libvaccel bootstraps when
`vaccel` is first imported, so VACCEL_PLUGINS is set to the noop plugin before that, as the
reference's conftest does. Tests of real plugins re-bootstrap with a Config and restore noop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOOP = os.environ.get("VACCEL_TEST_NOOP", "libvaccel-noop.so")
os.environ["VACCEL_PLUGINS"] = NOOP
os.environ.setdefault("VACCEL_LOG_LEVEL", "1")

import vaccel  # noqa: E402

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1]
EXAMPLES = SOURCE / "examples" / "python"
sys.path.insert(0, str(EXAMPLES))

MODELS = Path(os.environ.get("VACCEL_MODELS_DIR", SOURCE.parent / "shared" / "models"))
PLUGIN_DIR = Path(os.environ.get("VACCEL_TEST_PLUGIN_DIR", ""))


def plugin(name: str) -> str:
    """Path of a built plugin, or skip the test when it was not built."""
    path = PLUGIN_DIR / name / f"libvaccel-{name}.so"
    if not path.is_file():
        pytest.skip(f"plugin {name} not built ({path})")
    return str(path)


def model(name: str) -> str:
    """Path of a shared model or image, or skip when the models are absent."""
    path = MODELS / name
    if not path.exists():
        pytest.skip(f"{path} not available (scripts/fetch-models.sh)")
    return str(path)


def use_plugins(plugins: str) -> None:
    """Re-bootstrap vAccel with these plugins (releases every live session and resource)."""
    vaccel.bootstrap(vaccel.Config(plugins=plugins, log_level=1))


@pytest.fixture()
def noop_session():
    with vaccel.Session() as s:
        yield s


@pytest.fixture()
def with_plugin(request):
    """Bootstrap with the plugin named by the test's parameter; restore noop afterwards."""
    use_plugins(plugin(request.param))
    yield request.param
    use_plugins(NOOP)


def run_python(args: list[str], env: dict[str, str] | None = None, timeout: int = 120
               ) -> subprocess.CompletedProcess[str]:
    """Run this interpreter on a script with the test's environment plus ``env``."""
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run([sys.executable, *args], env=full, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def vaccel_paths():
    """The reference conftest's fixture: where the test assets are."""
    lib = os.environ.get("VACCEL_TEST_MYTESTLIB", "")
    return {"lib": lib, "images": str(MODELS), "models": str(MODELS), "input": str(HERE / "data")}
