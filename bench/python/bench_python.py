#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmarks of the Python bindings, each side by side with its C counterpart in the same run.

    python3 bench/python/bench_python.py --build build [--models DIR] [--rounds 5]

1. noop: per-call time of Session.noop() against the C vaccel_noop loop (vaccel-python-cloop);
   the difference is the bindings' overhead (target <= 1 us).
2. classify (onnx plugin, cat.bmp): per call from Python against the C loop (target <= 1.02x).
3. zero copy (noop plugin): a TFLite model run from a 64 MiB numpy array against a 64 B one
   (tensor built per call, no outputs, so the op itself does no work on the data); a copying
   variant (bytes(array)) shows what a copy would cost.
4. GIL: mbench's busy exec (20 ms per call) and onnx classify from one thread against two.
Rounds alternate C and Python; medians are printed. Results go to docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def inner(mode: str, args: list[str]) -> None:
    """Runs in a child whose VACCEL_PLUGINS is already set; prints '<what> <ns per call>'."""
    import numpy as np

    from vaccel import Arg, ArgType, Resource, ResourceType, Session
    from vaccel.ops.tf import lite

    s = Session()
    if mode == "noop":
        n = int(args[0])
        noop = s.noop
        for _ in range(1000):
            noop()
        t0 = time.perf_counter_ns()
        for _ in range(n):
            noop()
        print(f"noop {(time.perf_counter_ns() - t0) / n:.1f}")
    elif mode == "classify":
        image, model, n = args[0], args[1], int(args[2])
        r = Resource(model, ResourceType.MODEL)
        r.register(s)
        img = open(image, "rb").read()
        s.classify(img)
        t0 = time.perf_counter_ns()
        for _ in range(n):
            s.classify(img)
        print(f"classify {(time.perf_counter_ns() - t0) / n:.1f}")
    elif mode == "zerocopy":
        n = int(args[0])
        r = Resource.from_buffer(b"model", ResourceType.MODEL)
        r.register(s)
        for size in (64, 64 << 20):
            arr = np.ones(size, dtype=np.uint8)
            for label, make in (("view", lambda a=arr: lite.Tensor.from_numpy(a)),
                                ("copy", lambda a=arr: lite.Tensor.from_buffer([a.size], 3, bytes(a)))):
                reps = n if label == "view" else max(3, n // 1000)
                t0 = time.perf_counter_ns()
                for _ in range(reps):
                    s.tflite_model_run(r, [make()], 0)
                print(f"zerocopy-{label}-{size} {(time.perf_counter_ns() - t0) / reps:.1f}")
    elif mode == "threads":
        what, n = args[0], int(args[1])
        if what == "mbench":
            call = lambda sess: sess.exec("mbench", "mbench", [Arg("20", ArgType.STRING),  # noqa: E731
                                                                Arg(b"x", ArgType.BUFFER)])
            setup = lambda sess: None  # noqa: E731
        else:
            img = open(args[2], "rb").read()
            model = Resource(args[3], ResourceType.MODEL)
            setup = lambda sess: model.register(sess)  # noqa: E731
            call = lambda sess: sess.classify(img)  # noqa: E731
        for threads in (1, 2):
            sessions = [Session() for _ in range(threads)]
            for x in sessions:
                setup(x)
                call(x)  # warm-up (model load)
            per = 2 * n // threads

            def work(x: Session) -> None:
                for _ in range(per):
                    call(x)

            ts = [threading.Thread(target=work, args=(x,)) for x in sessions]
            t0 = time.perf_counter_ns()
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            print(f"threads-{what}-{threads} {(time.perf_counter_ns() - t0) / 1e6:.1f}")


def child(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    res = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=600,
                         check=False)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stdout}{res.stderr}")
    return {k: float(v) for k, v in (line.split() for line in res.stdout.splitlines() if line.strip())
            if not k.startswith("Prediction")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--models", default=os.environ.get("VACCEL_MODELS_DIR", "../shared/models"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--inner", nargs="+")
    a = ap.parse_args()
    if a.inner:
        inner(a.inner[0], a.inner[1:])
        return
    b = os.path.abspath(a.build)
    py = [sys.executable, os.path.abspath(__file__), "--inner"]
    cloop = os.path.join(b, "bench", "python", "vaccel-python-cloop")
    plug = lambda n: os.path.join(b, "plugins", n, f"libvaccel-{n}.so")  # noqa: E731
    base = {"PYTHONPATH": os.path.join(b, "python"), "VACCEL_LOG_LEVEL": "1"}
    noop_env = {**base, "VACCEL_PLUGINS": plug("noop")}
    onnx_env = {**base, "VACCEL_PLUGINS": plug("onnx"),
                "VACCEL_ONNX_LABELS": os.path.join(a.models, "imagenet_labels_1000.txt")}
    cat = os.path.join(a.models, "cat.bmp")
    onnx_model = os.path.join(a.models, "mobilenetv2-12-int8.onnx")
    print(f"load average: {os.getloadavg()}  cpus: {os.cpu_count()}")

    c_ns, p_ns = [], []
    for _ in range(a.rounds):
        c_ns.append(child([cloop, "noop", "1000000"], noop_env)["noop"])
        p_ns.append(child(py + ["noop", "1000000"], noop_env)["noop"])
    c, p = statistics.median(c_ns), statistics.median(p_ns)
    print(f"noop per call: C {c:.1f} ns, Python {p:.1f} ns, overhead {p - c:.1f} ns "
          f"({'met' if p - c <= 1000 else 'MISSED'} <= 1 us)  rounds C {c_ns} Py {p_ns}")

    if os.path.exists(plug("onnx")):
        c_ns, p_ns = [], []
        for _ in range(a.rounds):
            c_ns.append(child([cloop, "classify", cat, onnx_model, "20"], onnx_env)["classify"])
            p_ns.append(child(py + ["classify", cat, onnx_model, "20"], onnx_env)["classify"])
        c, p = statistics.median(c_ns), statistics.median(p_ns)
        print(f"classify per call: C {c / 1e6:.2f} ms, Python {p / 1e6:.2f} ms, ratio {p / c:.3f} "
              f"({'met' if p / c <= 1.02 else 'MISSED'} <= 1.02x)  rounds C {c_ns} Py {p_ns}")

    zc = [child(py + ["zerocopy", "2000"], noop_env) for _ in range(a.rounds)]
    for key in zc[0]:
        print(f"{key}: {statistics.median(r[key] for r in zc) / 1e3:.2f} us per run")

    runs = [child(py + ["threads", "mbench", "10"], {**base, "VACCEL_PLUGINS": plug("mbench")})
            for _ in range(3)]
    one = statistics.median(r["threads-mbench-1"] for r in runs)
    two = statistics.median(r["threads-mbench-2"] for r in runs)
    print(f"mbench 20 ms x 20 calls: one thread {one:.0f} ms, two threads {two:.0f} ms, "
          f"speed-up {one / two:.2f}x ({'GIL released' if two < one * 0.75 else 'NO OVERLAP'})")
    if os.path.exists(plug("onnx")):
        runs = [child(py + ["threads", "classify", "10", cat, onnx_model], onnx_env) for _ in range(3)]
        one = statistics.median(r["threads-classify-1"] for r in runs)
        two = statistics.median(r["threads-classify-2"] for r in runs)
        print(f"onnx classify x 20: one thread {one:.0f} ms, two threads {two:.0f} ms, speed-up {one / two:.2f}x")


if __name__ == "__main__":
    main()
