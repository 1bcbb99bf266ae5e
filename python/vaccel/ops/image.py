# SPDX-License-Identifier: Apache-2.0
"""Image operations (classify, detect, segment, pose, depth)."""

from __future__ import annotations

from typing import Any

from vaccel._base import check
from vaccel._ffi import ffi, lib

Image = Any  # bytes, bytearray, memoryview or a numpy array of the encoded image


class ImageMixin:
    """Image ops. The image is passed without a copy."""

    _c_ptr: Any
    # Output buffer size; the reference's 512 truncated longer results (its bug 12).
    _out_len = 4096

    @staticmethod
    def _text(buf: Any) -> str:
        return ffi.string(buf).decode("utf-8", errors="replace")

    def classify(self, image: Image) -> tuple[str, str]:
        """Classify an encoded image.

        Returns:
            (classification tag, image name).

        Raises:
            FFIError: e.g. no model registered, or an undecodable image.
        """
        img = ffi.from_buffer(image)
        text = ffi.new("unsigned char[]", self._out_len)
        name = ffi.new("unsigned char[]", self._out_len)
        ret = lib.vaccel_image_classification(self._c_ptr, img, text, name, len(img), self._out_len,
                                              self._out_len)
        check(ret, "Image classification failed")
        return self._text(text), self._text(name)

    def _one(self, fn: Any, image: Image, what: str) -> str:
        img = ffi.from_buffer(image)
        name = ffi.new("unsigned char[]", self._out_len)
        check(fn(self._c_ptr, img, name, len(img), self._out_len), f"Image {what} failed")
        return self._text(name)

    def detect(self, image: Image) -> str:
        """Object detection; returns the output image name."""
        return self._one(lib.vaccel_image_detection, image, "detection")

    def segment(self, image: Image) -> str:
        """Segmentation; returns the output image name."""
        return self._one(lib.vaccel_image_segmentation, image, "segmentation")

    def pose(self, image: Image) -> str:
        """Pose estimation; returns the output image name."""
        return self._one(lib.vaccel_image_pose, image, "pose estimation")

    def depth(self, image: Image) -> str:
        """Depth estimation; returns the output image name."""
        return self._one(lib.vaccel_image_depth, image, "depth estimation")
