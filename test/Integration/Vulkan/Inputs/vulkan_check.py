"""Runs one qc Vulkan integration case and compares it bit for bit with numpy.

usage: vulkan_check.py CASE WORKDIR [--plus=K0,K1,...] -- RUNNER ARGS...
Writes seeded random inputs to WORKDIR, appends --input/--output flags to the
runner command, runs it, and checks every output against the reference of
CASE (computed with python/qc/reference.py), plus K_i on every element of
output i where --plus is given (the contractions' test-mark-broadcast
option adds 1 where a kernel took its broadcast loops). Prints PASS or exits
non-zero.
"""
import os
import subprocess
import sys

import numpy as np

from qc import reference as ref

RNG = np.random.default_rng(20261122)


def i8(*shape):
    return RNG.integers(-128, 128, shape, dtype=np.int8)


def weights(k, n):
    # Same formula as the dense literal in matmul-constant-weights.mlir.
    kk, nn = np.meshgrid(np.arange(k), np.arange(n), indexing="ij")
    return (((kk * 7 + nn * 3) % 17) - 8).astype(np.int8)


# Requantization constants used by the MLIR tests (single-rounding profile):
# out = clamp(((acc * M) + 2^(R-1)) >> R + ZP, -128, 127), R = 31 - SHIFT.
M, SHIFT, ZP = 1689016515, -6, 3


def requant(acc):
    r = ref.apply_multiplier(acc, M, SHIFT, ref.SINGLE_ROUND)
    return np.clip(r + ZP, -128, 127).astype(np.int8)


def case_matmul(m, k, n):
    a, b = i8(m, k), i8(k, n)
    return [a, b], [ref.matmul(a, 0, b, 0).astype(np.int32)]


def case_conv_padded():
    # conv-padded.mlir: a stride-2 conv over an input padded with -3
    # (asymmetric), and a depthwise conv over one padded with 77.
    x, w, y, d = i8(1, 7, 9, 8), i8(3, 3, 8, 5), i8(1, 6, 5, 3), i8(3, 3, 3)
    xp = np.pad(x, ((0, 0), (1, 2), (2, 1), (0, 0)), constant_values=-3)
    yp = np.pad(y, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=77)
    return [x, w, y, d], [ref.conv2d(xp, 0, w, 0, strides=(2, 2)).astype(np.int32),
                          ref.conv2d(yp, 0, d.reshape(3, 3, 1, 3), 0,
                                     groups=3).astype(np.int32)]


def case_conv_padded_broadcast():
    # conv-padded-broadcast.mlir: a stride-1 conv over an input padded with
    # -3 (asymmetric, 32 channels out) and a stride-2 conv over one padded
    # with 77 (36 channels out), run-time weights.
    x, w, y, v = i8(1, 9, 11, 8), i8(3, 3, 8, 32), i8(1, 8, 8, 12), i8(3, 3, 12, 36)
    xp = np.pad(x, ((0, 0), (1, 2), (2, 1), (0, 0)), constant_values=-3)
    yp = np.pad(y, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=77)
    return [x, w, y, v], [ref.conv2d(xp, 0, w, 0).astype(np.int32),
                          ref.conv2d(yp, 0, v, 0, strides=(2, 2)).astype(np.int32)]


def case_wide_loads():
    # wide-loads.mlir: constant weights from weights(); a matmul, a conv over
    # an input padded with -5 and a strided 1x1 conv.
    a, x, y = i8(37, 48), i8(1, 7, 9, 16), i8(1, 6, 6, 32)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-5)
    return [a, x, y], [
        ref.matmul(a, 0, weights(48, 20), 0).astype(np.int32),
        ref.conv2d(xp, 0, weights(144, 8).reshape(3, 3, 16, 8), 0).astype(np.int32),
        ref.conv2d(y, 0, weights(32, 12).reshape(1, 1, 32, 12), 0,
                   strides=(2, 2)).astype(np.int32)]


def case_filter_rows():
    # filter-rows.mlir: convs over 3 and 5 channels, constant weights from
    # weights(); the first two over inputs padded with -3 and 3.
    x, y, z = i8(1, 11, 13, 3), i8(1, 16, 16, 3), i8(1, 9, 10, 5)
    xp = np.pad(x, ((0, 0), (2, 1), (1, 2), (0, 0)), constant_values=-3)
    yp = np.pad(y, ((0, 0), (3, 3), (3, 3), (0, 0)), constant_values=3)
    return [x, y, z], [
        ref.conv2d(xp, 0, weights(75, 6).reshape(5, 5, 3, 6), 0,
                   strides=(2, 2)).astype(np.int32),
        ref.conv2d(yp, 0, weights(147, 32).reshape(7, 7, 3, 32), 0,
                   strides=(2, 2)).astype(np.int32),
        ref.conv2d(z, 0, weights(45, 8).reshape(3, 3, 5, 8), 0).astype(np.int32)]


CASES = {
    "matmul_5x7x3": lambda: case_matmul(5, 7, 3),
    "matmul_37x53x29": lambda: case_matmul(37, 53, 29),
    "matmul_64x64x64": lambda: case_matmul(64, 64, 64),
    "conv_1x9x11x3_3x3x3x5": lambda: (
        lambda x, w: ([x, w], [ref.conv2d(x, 0, w, 0).astype(np.int32)]))(
            i8(1, 9, 11, 3), i8(3, 3, 3, 5)),
    "matmul_requant_37x53x29": lambda: (
        lambda a, b: ([a, b], [requant(ref.matmul(a, 0, b, 0))]))(
            i8(37, 53), i8(53, 29)),
    "matmul_constant_weights_13x6x5": lambda: (
        lambda a: ([a], [ref.matmul(a, 0, weights(6, 5), 0).astype(np.int32)]))(
            i8(13, 6)),
    "matmul_tiled_37x52x29": lambda: (
        lambda a: ([a], [requant(ref.matmul(a, 0, weights(52, 29), 0))]))(
            i8(37, 52)),
    # Run-time operands packed for dot products (matmul-runtime-dot.mlir).
    "batch_matmul_2x9x16x11": lambda: (
        lambda a, b: ([a, b], [np.einsum("bmk,bkn->bmn", a.astype(np.int32),
                                         b.astype(np.int32))]))(
            i8(2, 9, 16), i8(2, 16, 11)),
    "matmul_u8_i8_13x20x7": lambda: (
        lambda a, b: ([a, b], [a.view(np.uint8).astype(np.int32) @
                               b.astype(np.int32)]))(i8(13, 20), i8(20, 7)),
    "slice_mul7": lambda: (
        lambda a: ([a], [(a[2:5, 5:9] * 7).astype(np.int32)]))(
            RNG.integers(-1000, 1000, (6, 10), dtype=np.int32)),
    "passthrough": lambda: (
        lambda a: ([a], [a, a.reshape(-1)]))(
            RNG.integers(-1000, 1000, (6, 10), dtype=np.int32)),
    "conv_padded": case_conv_padded,
    "conv_padded_broadcast": case_conv_padded_broadcast,
    "wide_loads": case_wide_loads,
    "filter_rows": case_filter_rows,
    "add_i8_odd": lambda: (
        lambda a, b: ([a, b], [np.clip(a.astype(np.int32) + b, -128, 127)
                               .astype(np.int8)]))(i8(3, 17, 5), i8(3, 17, 5)),
}


def main():
    name, workdir = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    plus = None
    if rest[0].startswith("--plus="):
        plus = [int(k) for k in rest[0][len("--plus="):].split(",")]
        rest = rest[1:]
    assert rest[0] == "--"
    runner = rest[1:]
    os.makedirs(workdir, exist_ok=True)
    inputs, expected = CASES[name]()
    if plus is not None:
        assert len(plus) == len(expected), "one --plus value per output"
        expected = [(w + k).astype(w.dtype) for w, k in zip(expected, plus)]
    cmd = list(runner)
    for i, array in enumerate(inputs):
        path = os.path.join(workdir, "in%d.npy" % i)
        np.save(path, array)
        cmd += ["--input", path]
    outs = [os.path.join(workdir, "out%d.npy" % i) for i in range(len(expected))]
    for path in outs:
        if os.path.exists(path):
            os.remove(path)
        cmd += ["--output", path]
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        sys.exit("FAIL %s: runner exited with %d" % (name, proc.returncode))
    for i, (path, want) in enumerate(zip(outs, expected)):
        got = np.load(path)
        if got.dtype != want.dtype or got.shape != want.shape:
            sys.exit("FAIL %s: output %d is %s%s, expected %s%s" %
                     (name, i, got.dtype, got.shape, want.dtype, want.shape))
        bad = np.argwhere(got != want)
        if len(bad):
            idx = tuple(bad[0])
            sys.exit("FAIL %s: output %d differs at %d element(s), first %s: "
                     "got %s expected %s" % (name, i, len(bad), idx, got[idx],
                                             want[idx]))
    print("PASS %s (%d output(s), %d elements)" %
          (name, len(expected), sum(w.size for w in expected)))


if __name__ == "__main__":
    main()
