# SPDX-License-Identifier: Apache-2.0
"""``PluginType``: plugin type bits, used as session flags (values of ``vaccel_plugin_type_t``)."""

from enum import IntFlag


class PluginType(IntFlag):
    """Plugin type bits; ``Session(flags=PluginType.X | PluginType.Y)`` selects a plugin."""

    CPU = 0x1
    GPU = 0x2
    FPGA = 0x4
    SOFTWARE = 0x8
    TENSORFLOW = 0x10
    TORCH = 0x20
    JETSON = 0x40
    GENERIC = 0x80
    DEBUG = 0x100
    REMOTE = 0x4000
    ALL = 0xFFFF
    MAX = 0x10000
