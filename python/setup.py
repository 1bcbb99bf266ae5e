# SPDX-License-Identifier: Apache-2.0
"""Builds the CFFI extension vaccel._libvaccel (metadata is in pyproject.toml)."""

from setuptools import setup

setup(cffi_modules=["build_ffi.py:ffibuilder"])
