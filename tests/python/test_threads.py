# SPDX-License-Identifier: Apache-2.0
"""Correctness under threads (the speed-up from releasing the GIL is measured in bench/python)."""

from __future__ import annotations

import threading

import numpy as np

from vaccel import Resource, ResourceType, Session
from vaccel.ops.tf import lite


def test_threads_share_and_own_sessions():
    shared = Session()
    errors: list[BaseException] = []
    results: list[int] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        try:
            with Session() as own, Resource(__file__, ResourceType.MODEL) as r:
                r.register(own)
                arr = np.full(64, k, dtype=np.uint8)
                for _ in range(200):
                    assert own.classify(b"img")[0] == "This is a dummy classification tag!"
                    shared.noop()
                    outs, status = own.tflite_model_run(r, [lite.Tensor.from_numpy(arr)])
                    assert status == 0 and int(outs[0].as_numpy().sum()) == 64 * k
                with lock:
                    results.append(k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == [1, 2, 3, 4]
    shared.close()
