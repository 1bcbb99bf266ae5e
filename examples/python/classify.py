#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Classify an image with vAccel (same arguments and output as the reference's examples/classify.py).

    VACCEL_PLUGINS=libvaccel-onnx.so python3 classify.py cat.bmp -m mobilenetv2-12-int8.onnx
    Prediction: Egyptian cat (class 285, p=0.861)

The plugin comes from VACCEL_PLUGINS (libvaccel-rpc.so plus VACCEL_RPC_ADDRESS for a remote agent).
"""

import argparse
import sys

from vaccel import Resource, ResourceType, Session
from vaccel.error import FFIError


def main() -> int:
    parser = argparse.ArgumentParser(description="Classify an image with vAccel")
    parser.add_argument("image_file", help="the image to classify")
    parser.add_argument("-m", "--model-path", help="model to register with the session")
    parser.add_argument("-i", "--iterations", type=int, default=1, help="number of classifications")
    args = parser.parse_args()

    try:
        with open(args.image_file, "rb") as f:
            image = f.read()
        with Session() as session:
            model = None
            if args.model_path:
                model = Resource(args.model_path, ResourceType.MODEL)
                model.register(session)
            for _ in range(args.iterations):
                tag, _ = session.classify(image)
                print(f"Prediction: {tag}")
            if model is not None:
                model.unregister(session)
                model.close()
    except (OSError, FFIError) as e:
        print(f"classify: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
