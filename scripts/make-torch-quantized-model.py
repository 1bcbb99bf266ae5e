#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Makes the quantized (int8, oneDNN) MobileNet V2 TorchScript test model of the torch plugin.

Input: the shared float32 model mobilenetv2-12-f32-opset10.onnx (its graph and weights; the shared
mobilenetv2-12-f32.torchscript.pt is the same network and is used to check the rebuild).
Output: mobilenetv2-12-qint8-onednn.torchscript.pt, loadable by Debian's libtorch 1.13 when the
quantized engine is oneDNN (the plugin selects it; QNNPACK gives wrong answers for this model).

Steps:
 1. rebuild the float network as a torch.nn.Module from the ONNX graph (Conv, Clip, Add,
    GlobalAveragePool, Flatten, MatMul + Add), and check it against the f32 TorchScript;
 2. FX post-training static quantization with the 'onednn' default qconfig mapping (histogram
    observers, per-channel weights); the final classifier layer stays float (see below);
 3. calibration on SYNTHETIC images generated here (seeded 1/f colour noise, colour gradients and
    random shapes, 224x224, ImageNet normalisation).  None of the five test images
    (cat, grace_hopper, parrot, hot_dog, bird) is used, so the tests' top-1 check is not circular;
 4. torch.jit.trace + torch.jit.freeze, saved with torch.jit.save.

Needs Debian python3-torch (1.13) and python3-onnx.  Runs in about half a minute on one core.
usage: make-torch-quantized-model.py [-m MODELS_DIR] [-o OUT] [--images N] [--save-calibration DIR]
"""
import argparse
import os
import sys
import tempfile

F32_ONNX = "mobilenetv2-12-f32-opset10.onnx"
F32_TORCHSCRIPT = "mobilenetv2-12-f32.torchscript.pt"
OUT_NAME = "mobilenetv2-12-qint8-onednn.torchscript.pt"
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def fail(msg):
    print("make-torch-quantized-model: " + msg, file=sys.stderr)
    sys.exit(1)


try:
    import onnx
    import onnx.numpy_helper
    import torch
    import torch.ao.quantization as tq
    import torch.ao.quantization.quantize_fx as qfx
except ImportError as e:  # the caller (CTest setup, fetch-models.sh) reports and skips
    print("make-torch-quantized-model: needs Debian python3-torch and python3-onnx (%s)" % e,
          file=sys.stderr)
    sys.exit(77)


class OnnxNet(torch.nn.Module):
    """The f32 ONNX graph as modules, executed in the graph's (topological) node order."""

    def __init__(self, graph):
        super().__init__()
        inits = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy())
                 for t in graph.initializer}
        self.steps = []  # (kind, module name or None, inputs, output)
        self.layers = torch.nn.ModuleDict()
        nodes = list(graph.node)
        i = 0
        while i < len(nodes):
            n = nodes[i]
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            name = "n%d" % i
            if n.op_type == "Conv":
                w = inits[n.input[1]]
                pads = attrs.get("pads", [0, 0, 0, 0])
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    fail("asymmetric Conv padding is not supported")
                conv = torch.nn.Conv2d(w.shape[1] * attrs.get("group", 1), w.shape[0],
                                       tuple(attrs["kernel_shape"]), stride=tuple(attrs["strides"]),
                                       padding=(pads[0], pads[1]), groups=attrs.get("group", 1),
                                       bias=len(n.input) > 2)
                conv.weight.data.copy_(w)
                if len(n.input) > 2:
                    conv.bias.data.copy_(inits[n.input[2]])
                self.layers[name] = conv
                self.steps.append(("mod", name, [n.input[0]], n.output[0]))
            elif n.op_type == "Clip":
                self.layers[name] = torch.nn.Hardtanh(attrs["min"], attrs["max"])
                self.steps.append(("mod", name, [n.input[0]], n.output[0]))
            elif n.op_type == "Add" and n.input[1] not in inits:
                self.steps.append(("add", None, list(n.input), n.output[0]))
            elif n.op_type == "GlobalAveragePool":
                self.layers[name] = torch.nn.AdaptiveAvgPool2d(1)
                self.steps.append(("mod", name, [n.input[0]], n.output[0]))
            elif n.op_type == "Flatten":
                self.steps.append(("flatten", None, [n.input[0]], n.output[0]))
            elif n.op_type == "MatMul" and i + 1 < len(nodes) and nodes[i + 1].op_type == "Add":
                w = inits[n.input[1]]          # [in, out]
                b = inits[nodes[i + 1].input[1]]
                fc = torch.nn.Linear(w.shape[0], w.shape[1])
                fc.weight.data.copy_(w.t())
                fc.bias.data.copy_(b)
                self.layers[name] = fc
                self.steps.append(("mod", name, [n.input[0]], nodes[i + 1].output[0]))
                i += 1
            else:
                fail("unexpected ONNX node %s (%s)" % (n.op_type, n.name))
            i += 1
        self.input_name = graph.input[0].name
        self.output_name = graph.output[0].name

    def forward(self, x):
        values = {self.input_name: x}
        for kind, mod, ins, out in self.steps:
            if kind == "mod":
                values[out] = self.layers[mod](values[ins[0]])
            elif kind == "add":
                values[out] = values[ins[0]] + values[ins[1]]
            else:
                values[out] = torch.flatten(values[ins[0]], 1)
        return values[self.output_name]


def pink_noise(gen, size):
    """One 1/f (natural-image-like) noise field in [0, 1]."""
    fy = torch.fft.fftfreq(size).reshape(-1, 1)
    fx = torch.fft.rfftfreq(size).reshape(1, -1)
    f = torch.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    alpha = 1.0 + torch.rand(1, generator=gen).item()
    spectrum = torch.complex(torch.randn(f.shape, generator=gen), torch.randn(f.shape, generator=gen))
    field = torch.fft.irfft2(spectrum / f ** alpha, s=(size, size))
    field -= field.min()
    return field / max(field.max().item(), 1e-6)


def synthetic_image(gen, size=224):
    """A seeded RGB image in [0, 1]: coloured 1/f noise over a gradient, with a few shapes."""
    r = lambda: torch.rand(1, generator=gen).item()
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    img = torch.empty(3, size, size)
    base = pink_noise(gen, size)
    for c in range(3):
        gradient = r() * xx + r() * yy
        img[c] = 0.5 * base + 0.3 * pink_noise(gen, size) + 0.2 * gradient
    for _ in range(int(r() * 6)):
        cy, cx, ry, rx = r(), r(), 0.05 + 0.3 * r(), 0.05 + 0.3 * r()
        mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1.0
        colour = torch.rand(3, generator=gen)
        texture = 0.7 + 0.3 * pink_noise(gen, size)
        img[:, mask] = (colour.reshape(3, 1) * texture[mask].reshape(1, -1))
    contrast = 0.6 + 0.8 * r()
    img = ((img - img.mean()) * contrast + 0.3 + 0.4 * r()).clamp(0, 1)
    return img


def normalise(img):
    mean = torch.tensor(MEAN).reshape(3, 1, 1)
    std = torch.tensor(STD).reshape(3, 1, 1)
    return ((img - mean) / std).unsqueeze(0)


def save_ppm(img, path):
    data = (img.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).contiguous()
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (data.shape[1], data.shape[0]))
        f.write(bytes(data.flatten().tolist()))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-m", "--models-dir",
                    default=os.environ.get("VACCEL_MODELS_DIR") or os.path.join(here, "..", "..",
                                                                                "shared", "models"))
    ap.add_argument("-o", "--output", help="output file (default: MODELS_DIR/" + OUT_NAME + ")")
    ap.add_argument("--images", type=int, default=32, help="number of calibration images")
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--save-calibration", metavar="DIR", help="also write the images as PPM")
    args = ap.parse_args()
    out = args.output or os.path.join(args.models_dir, OUT_NAME)
    src = os.path.join(args.models_dir, F32_ONNX)
    if not os.path.isfile(src):
        fail("%s not found (set -m or VACCEL_MODELS_DIR; scripts/fetch-models.sh)" % src)
    if "onednn" not in torch.backends.quantized.supported_engines:
        fail("this torch has no oneDNN quantized engine (%s)" % torch.backends.quantized.supported_engines)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    torch.backends.quantized.engine = "onednn"

    net = OnnxNet(onnx.load(src).graph).eval()
    gen = torch.Generator().manual_seed(args.seed)
    calib = [synthetic_image(gen) for _ in range(max(args.images, 1))]
    if args.save_calibration:
        os.makedirs(args.save_calibration, exist_ok=True)
        for k, img in enumerate(calib):
            save_ppm(img, os.path.join(args.save_calibration, "calib_%03d.ppm" % k))

    with torch.no_grad():
        ref_path = os.path.join(args.models_dir, F32_TORCHSCRIPT)
        if os.path.isfile(ref_path):  # the rebuild must be the shared f32 network
            diff = (torch.jit.load(ref_path)(normalise(calib[0])) - net(normalise(calib[0]))).abs().max()
            if diff.item() > 1e-3:
                fail("rebuilt f32 network differs from %s by %g" % (F32_TORCHSCRIPT, diff.item()))
            print("rebuilt f32 network matches %s (max |diff| %.2g)" % (F32_TORCHSCRIPT, diff.item()))
        example = (normalise(calib[0]),)
        # The classifier (1.3 M of the 301 M multiply-adds) stays float: synthetic images give
        # small logits, and an output scale calibrated on them saturates real images' logits
        # (measured: bird became "junco", parrot fell from p=1.00 to 0.27).
        qconfig = tq.get_default_qconfig_mapping("onednn")
        for name, layer in net.layers.items():
            if isinstance(layer, torch.nn.Linear):
                qconfig = qconfig.set_module_name("layers." + name, None)
        prepared = qfx.prepare_fx(net, qconfig, example)
        for img in calib:
            prepared(normalise(img))
        quantized = qfx.convert_fx(prepared)
        scripted = torch.jit.freeze(torch.jit.trace(quantized, example).eval())
    # Write next to the destination, then rename: a reader never sees half a model.
    fd, tmp = tempfile.mkstemp(prefix="qmodel-part-", suffix=".pt", dir=os.path.dirname(os.path.abspath(out)))
    os.close(fd)
    torch.jit.save(scripted, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    print("wrote %s (calibrated on %d synthetic images, seed %d)" % (out, len(calib), args.seed))


if __name__ == "__main__":
    main()
