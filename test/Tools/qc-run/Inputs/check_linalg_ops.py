"""Inputs and numpy references of linalg-ops.mlir."""
import os
import sys

import numpy as np


def make(d):
    r = np.random.default_rng(3)
    np.save(os.path.join(d, "cx.npy"), r.integers(-128, 128, (1, 10, 10, 3), dtype=np.int8))
    np.save(os.path.join(d, "cw.npy"), r.integers(-128, 128, (3, 3, 3, 8), dtype=np.int8))
    np.save(os.path.join(d, "ba.npy"), r.integers(-128, 128, (3, 5, 64), dtype=np.int8))
    np.save(os.path.join(d, "bb.npy"), r.integers(-128, 128, (3, 64, 32), dtype=np.int8))
    np.save(os.path.join(d, "sa.npy"), r.integers(-128, 128, (4, 6), dtype=np.int8))
    np.save(os.path.join(d, "px.npy"), r.integers(-1000, 1000, (1, 8, 8, 4), dtype=np.int32))


def check(d):
    load = lambda name: np.load(os.path.join(d, name + ".npy"))
    x, w = load("cx").astype(np.int32), load("cw").astype(np.int32)
    conv = np.zeros((1, 8, 8, 8), np.int32)
    for i in range(8):
        for j in range(8):
            conv[0, i, j] = np.einsum("hwc,hwcf->f", x[0, i:i + 3, j:j + 3], w)
    results = {
        "conv": np.array_equal(load("conv"), conv),
        "bmm": np.array_equal(load("bmm"), load("ba").astype(np.int32) @ load("bb").astype(np.int32)),
        "shapes": np.array_equal(load("shapes"), load("sa").T),
        "pool": np.array_equal(load("pool"), load("px").reshape(1, 4, 2, 4, 2, 4).max(axis=(2, 4))),
    }
    for name, ok in results.items():
        print(name, "ok" if ok else "MISMATCH")


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]](sys.argv[2])
