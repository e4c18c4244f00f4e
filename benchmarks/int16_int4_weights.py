#!/usr/bin/python3
"""16-bit activations by 4-bit weights (mixed precision, W4A16) on the CPU:
the vpdpwssd register-tile kernel (the 4-bit codes widened to i16 at compile
time) against the generic integer path these contractions took before, and
against the int8 kernel of an 8-bit activation by the same 4-bit weight.

For each layer this builds the raw contraction (`linalg.matmul` /
`linalg.conv_2d_nhwc_hwcf` into i32) of a run-time activation by a
constant i4 weight, packs the weight two codes per byte (--qc-pack-weights,
as qc.compile's mixed-precision models are) and runs it with qc-run
--target=cpu (the host's VNNI):

  i16 x i4 kernel    i16 activations, qc-cpu-int8-kernels' int16-kernels
  i16 x i4 generic   the same module with int8-kernels=false: the generic
                     tiling it took before 2026-12-07
  i8 x i4 kernel     i8 activations, the int8 kernel's 4-bit weights

Prints the min (and the median of the medians) of `--repeat` calls in each
of `--rounds` qc-run runs per variant, the variants alternated so that a
change of the machine's load hits them alike; every output is checked
against numpy. Note the load average with the figures.

  benchmarks/int16_int4_weights.py --build build [--layers mm:128x768x768,conv:56x56x64x64]
                                   [--repeat 10] [--rounds 3] [--threads 1]

Layers: mm:MxKxN, conv:HxWxCxF (3x3, stride 1, the input pre-padded).
Not a test: it measures.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from int16_bench_common import (conv_reference, layers, parse_args, print_header,  # noqa: E402
                                time_variants)

DEFAULT_LAYERS = "mm:128x768x768,conv:56x56x64x64"


def i4_literal(w):
    # One code per element; the printer's hex form of an i4 tensor is one
    # byte per code.
    return 'dense<"0x%s">' % np.ascontiguousarray(w.astype(np.int8) & 15).tobytes().hex().upper()


def module(kind, d, act, w):
    t = "i%d" % act
    if kind == "mm":
        m, k, n = d
        return f"""func.func @f(%a: tensor<{m}x{k}x{t}>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant {i4_literal(w)} : tensor<{k}x{n}xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}x{t}>, tensor<{k}x{n}xi4>) outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""
    h, wd, c, f = d
    hp, wp = h + 2, wd + 2
    return f"""func.func @f(%x: tensor<1x{hp}x{wp}x{c}x{t}>) -> tensor<1x{h}x{wd}x{f}xi32> {{
  %w = arith.constant {i4_literal(w)} : tensor<3x3x{c}x{f}xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x{h}x{wd}x{f}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1x{h}x{wd}x{f}xi32>) -> tensor<1x{h}x{wd}x{f}xi32>
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}} ins(%x, %w : tensor<1x{hp}x{wp}x{c}x{t}>, tensor<3x3x{c}x{f}xi4>) outs(%i : tensor<1x{h}x{wd}x{f}xi32>) -> tensor<1x{h}x{wd}x{f}xi32>
  return %r : tensor<1x{h}x{wd}x{f}xi32>
}}
"""


def main():
    args = parse_args(DEFAULT_LAYERS, 10)
    opt = os.path.join(args.build, "bin", "qc-opt")
    rng = np.random.default_rng(0)
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        for layer, kind, d in layers(args.layers):
            if kind == "mm":
                shape = (d[0], d[1])
                wshape = (d[1], d[2])
            else:
                shape = (1, d[0] + 2, d[1] + 2, d[2])
                wshape = (3, 3, d[2], d[3])
            w = rng.integers(-8, 8, wshape)
            x16 = rng.integers(-32768, 32768, shape).astype(np.int16)
            x8 = rng.integers(-128, 128, shape).astype(np.int8)
            packed = {}
            for act in (8, 16):
                src = os.path.join(tmp, "a%d.mlir" % act)
                with open(src, "w") as fh:
                    fh.write(module(kind, d, act, w))
                packed[act] = os.path.join(tmp, "a%d.packed.mlir" % act)
                subprocess.run([opt, src, "--qc-pack-weights", "-o", packed[act]], check=True,
                               capture_output=True)
            expected = lambda x: x.astype(np.int64) @ w if kind == "mm" else conv_reference(x, w)
            variants = [("i16 x i4 kernel", packed[16], x16, "", expected(x16)),
                        ("i16 x i4 generic", packed[16], x16, "int8-kernels=false", expected(x16)),
                        ("i8 x i4 kernel", packed[8], x8, "", expected(x8))]
            time_variants(args, layer, variants, "i16 x i4 generic", "i8 x i4 kernel", tmp)


if __name__ == "__main__":
    main()
