# SPDX-License-Identifier: Apache-2.0
"""vAccel operations, as mixins of :class:`vaccel.Session`, and the TF/TFLite/Torch types."""
