#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run a quantized TFLite MobileNet on an image from numpy, without copying the input.

    VACCEL_PLUGINS=libvaccel-tflite.so python3 tflite_run.py cat.bmp \
        -m mobilenet_v2_1.0_224_quant.tflite -l imagenet_labels.txt
    Prediction: Egyptian cat

The image (an uncompressed BMP) is resized bilinearly to the model's 224x224 uint8 input; the
tensor shares the numpy array's memory; the output comes back as a numpy view; argmax picks the label.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imageprep import read_bmp, read_labels, resize  # noqa: E402

from vaccel import Resource, ResourceType, Session  # noqa: E402
from vaccel.error import FFIError  # noqa: E402
from vaccel.ops.tf.lite import Tensor  # noqa: E402

MODELS = os.environ.get("VACCEL_MODELS_DIR", "/usr/share/vaccel/models")


def main() -> int:
    parser = argparse.ArgumentParser(description="TFLite model run from numpy")
    parser.add_argument("image_file", nargs="?", default=os.path.join(MODELS, "cat.bmp"))
    parser.add_argument("-m", "--model-path", default=os.path.join(MODELS, "mobilenet_v2_1.0_224_quant.tflite"))
    parser.add_argument("-l", "--labels", default=os.path.join(MODELS, "imagenet_labels.txt"))
    parser.add_argument("-s", "--size", type=int, default=224, help="model input size")
    parser.add_argument("-i", "--iterations", type=int, default=1)
    args = parser.parse_args()

    try:
        pixels = resize(read_bmp(args.image_file), args.size, args.size)
        batch = np.clip(pixels + 0.5, 0, 255).astype(np.uint8)[None]  # (1, h, w, 3) uint8
        labels = read_labels(args.labels)
        with Session() as s, Resource(args.model_path, ResourceType.MODEL) as model:
            model.register(s)
            s.tflite_model_load(model)
            tensor = Tensor.from_numpy(batch)  # shares batch's memory
            for _ in range(args.iterations):
                outputs, status = s.tflite_model_run(model, [tensor], 1)
                scores = outputs[0].as_numpy().reshape(-1)  # a view of the C output
                best = int(np.argmax(scores))
                print(f"Prediction: {labels[best] if best < len(labels) else best}")
            s.tflite_model_unload(model)
            model.unregister(s)
    except (OSError, ValueError, FFIError) as e:
        print(f"tflite_run: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
