# SPDX-License-Identifier: Apache-2.0
"""Installation: `cmake --install` and `pip install ./python --no-build-isolation`, offline.

Runs only when ctest passes VACCEL_TEST_BUILD_DIR (the python.install test, which needs the
whole build, as examples.install does).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig

import pytest

from conftest import NOOP, SOURCE, run_python

BUILD = os.environ.get("VACCEL_TEST_BUILD_DIR", "")
pytestmark = pytest.mark.skipif(not BUILD, reason="VACCEL_TEST_BUILD_DIR not set")
PYVER = f"python{sys.version_info.major}.{sys.version_info.minor}"


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kw)


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    pre = tmp_path_factory.mktemp("prefix")
    res = run(["cmake", "--install", BUILD, "--prefix", str(pre)])
    assert res.returncode == 0, res.stderr
    expected = f"{pre}/lib/{PYVER}/dist-packages/vaccel"
    assert f"Python package vaccel: {expected}" in res.stdout
    print(res.stdout.splitlines()[-1])
    return pre


def test_cmake_install_is_importable(prefix):
    site = prefix / "lib" / PYVER / "dist-packages"
    assert (site / "vaccel" / "py.typed").is_file()
    env = {"PYTHONPATH": str(site), "VACCEL_PLUGINS": NOOP, "LD_LIBRARY_PATH": ""}
    res = run_python(["-c", "import vaccel, vaccel._libvaccel as m; s = vaccel.Session(); s.noop();"
                      "print(m.__file__)"], env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(str(site))  # not the build tree's copy


def test_debian_site_dirs_cover_the_default_prefixes():
    """Debian's python3 reads /usr/lib/python3/dist-packages and /usr/local/lib/python3.X/dist-packages."""
    import site
    paths = site.getsitepackages()
    if not any(p.endswith("dist-packages") for p in paths):
        pytest.skip(f"not Debian's python3 ({sysconfig.get_paths()['purelib']})")
    assert "/usr/lib/python3/dist-packages" in paths
    assert f"/usr/local/lib/{PYVER}/dist-packages" in paths


def test_pip_install_offline(prefix, tmp_path):
    target = tmp_path / "site"
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"), PIP_NO_INDEX="1")
    work = tmp_path / "src"
    res = run(["cp", "-r", str(SOURCE / "python"), str(work)])
    assert res.returncode == 0
    res = run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
               "--target", str(target), str(work)], env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    # No rpath, as in the reference: the loader must find libvaccel.
    ok = run_python(["-c", "import vaccel; vaccel.Session().noop(); print('ok')"],
                    env={"PYTHONPATH": str(target), "VACCEL_PLUGINS": NOOP,
                         "LD_LIBRARY_PATH": str(prefix / "lib")})
    assert ok.returncode == 0 and ok.stdout == "ok\n", ok.stderr
    missing = run_python(["-c", "import vaccel"], env={"PYTHONPATH": str(target), "LD_LIBRARY_PATH": ""})
    assert missing.returncode == 1
    assert "ImportError: vaccel: the dynamic loader cannot find libvaccel.so.0" in missing.stderr


def test_pip_build_without_pkg_config_entry(tmp_path):
    work = tmp_path / "src"
    run(["cp", "-r", str(SOURCE / "python"), str(work)])
    env = dict(os.environ, PKG_CONFIG_PATH=str(tmp_path), PKG_CONFIG_LIBDIR=str(tmp_path))
    res = run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
               "--target", str(tmp_path / "site"), str(work)], env=env)
    assert res.returncode != 0
    assert "Required pkg-config package 'vaccel' >= 0.8.0 not found" in res.stdout + res.stderr
