# SPDX-License-Identifier: Apache-2.0
"""Python bindings for vAccel, API-compatible with the reference vaccel-python 0.3.0.

Example::

    from vaccel import Session, Resource, ResourceType
    with Session() as s, Resource("model.onnx", ResourceType.MODEL) as r:
        r.register(s)
        tag, _ = s.classify(open("cat.jpg", "rb").read())
"""

from vaccel.arg import Arg, ArgType
from vaccel.config import Config
from vaccel.op import OpType
from vaccel.plugin import PluginType
from vaccel.resource import Resource, ResourceType
from vaccel.session import Session
from vaccel.vaccel import bootstrap, cleanup

__version__ = "0.3.0"

__all__ = ["Arg", "ArgType", "Config", "OpType", "PluginType", "Resource", "ResourceType", "Session",
           "__version__", "bootstrap", "cleanup"]
