#!/usr/bin/python3
"""16-bit weights (mixed precision) on the CPU: the vpdpwssd register-tile
kernels against the generic integer path and against the int8 kernel on the
same shape, same run, same machine.

For each layer this builds the raw contraction --qc-lower-to-linalg emits
for a quantized matmul or convolution with a constant weight (i8
activations; `linalg.matmul` / `linalg.conv_2d_nhwc_hwcf` into i32) three
ways and runs each with qc-run --target=cpu (the host's VNNI):

  i16 kernel   i16 weights (|w| <= q, the accumulator limit of
               calibration.wide_weight_limit), qc-cpu-int8-kernels'
               int16-kernels: vpdpwssd tiles (docs/CPUKernels.md)
  i16 generic  the same module with int8-kernels=false: the generic tiling
               every i8 x i16 contraction took before
  i8 kernel    i8 weights, the vpdpbusd kernel

Prints the min (and the median of the medians) of `--repeat` calls in each
of `--rounds` qc-run runs per variant, the variants alternated so that a
change of the machine's load hits them alike, and the ratios; every output
is checked against numpy. Note the load average with the figures.

  benchmarks/int16_weights.py --build build [--layers mm:128x768x768,...] [--repeat 20]
                              [--rounds 3] [--threads 1]

Layers: mm:MxKxN, conv:HxWxCxF (3x3, stride 1, the input pre-padded).
Not a test: it measures. docs/Benchmarks.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

DEFAULT_LAYERS = "mm:1x1024x1024,mm:128x768x768,mm:16x64x256,conv:28x28x64x64"


def literal(w, dtype):
    return 'dense<"0x%s">' % np.ascontiguousarray(w.astype(dtype)).tobytes().hex().upper()


def matmul_module(m, k, n, w, elem, dtype):
    return f"""func.func @f(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant {literal(w, dtype)} : tensor<{k}x{n}x{elem}>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}x{elem}>) outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""


def conv_module(h, wd, c, f, w, elem, dtype):
    hp, wp = h + 2, wd + 2
    return f"""func.func @f(%x: tensor<1x{hp}x{wp}x{c}xi8>) -> tensor<1x{h}x{wd}x{f}xi32> {{
  %w = arith.constant {literal(w, dtype)} : tensor<3x3x{c}x{f}x{elem}>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x{h}x{wd}x{f}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1x{h}x{wd}x{f}xi32>) -> tensor<1x{h}x{wd}x{f}xi32>
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}} ins(%x, %w : tensor<1x{hp}x{wp}x{c}xi8>, tensor<3x3x{c}x{f}x{elem}>) outs(%i : tensor<1x{h}x{wd}x{f}xi32>) -> tensor<1x{h}x{wd}x{f}xi32>
  return %r : tensor<1x{h}x{wd}x{f}xi32>
}}
"""


def conv_reference(x, w):
    _, hp, wp, _ = x.shape
    kh, kw, _, f = w.shape
    h, wd = hp - kh + 1, wp - kw + 1
    acc = np.zeros((1, h, wd, f), dtype=np.int64)
    x, w = x.astype(np.int64), w.astype(np.int64)
    for i in range(kh):
        for j in range(kw):
            acc += np.einsum("nhwc,cf->nhwf", x[:, i:i + h, j:j + wd, :], w[i, j])
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--layers", default=DEFAULT_LAYERS)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of qc-run per variant, alternating")
    args = ap.parse_args()
    runner = os.path.join(args.build, "bin", "qc-run")
    rng = np.random.default_rng(0)
    print("| layer | variant | min us | median us | i16 generic / this | this / i8 kernel |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for layer in args.layers.split(","):
            kind, dims = layer.split(":")
            d = [int(v) for v in dims.split("x")]
            if kind == "mm":
                m, k, n = d
                reduction = k
                x = rng.integers(-128, 128, (m, k)).astype(np.int8)
                wshape = (k, n)
            else:
                h, wd, c, f = d
                reduction = 9 * c
                x = rng.integers(-128, 128, (1, h + 2, wd + 2, c)).astype(np.int8)
                wshape = (3, 3, c, f)
            q = min(32767, (1 << 30) // (reduction * 255))
            w16 = rng.integers(-q, q + 1, wshape)
            w8 = rng.integers(-127, 128, wshape)
            xpath = os.path.join(tmp, "x.npy")
            np.save(xpath, x)
            variants = [("i16 kernel", w16, "i16", np.int16, ""),
                        ("i16 generic", w16, "i16", np.int16, "int8-kernels=false"),
                        ("i8 kernel", w8, "i8", np.int8, "")]
            times = {v[0]: [] for v in variants}
            for _ in range(args.rounds):
                for name, w, elem, dtype, options in variants:
                    src = os.path.join(tmp, "%s.mlir" % elem)
                    with open(src, "w") as fh:
                        fh.write(matmul_module(m, k, n, w, elem, dtype) if kind == "mm"
                                 else conv_module(h, wd, c, f, w, elem, dtype))
                    out = os.path.join(tmp, "y.npy")
                    cmd = [runner, src, "--target=cpu", "--threads", str(args.threads),
                           "--input", xpath, "--output", out, "--repeat", str(args.repeat)]
                    if options:
                        cmd.append("--pipeline-options=" + options)
                    r = subprocess.run(cmd, capture_output=True, text=True)
                    if r.returncode:
                        sys.exit(r.stderr)
                    text = r.stdout + r.stderr
                    times[name].append((float(re.search(r"min ([0-9.]+) ms", text).group(1)),
                                        float(re.search(r"median ([0-9.]+) ms", text).group(1))))
                    expected = (x.astype(np.int64) @ w.astype(np.int64) if kind == "mm"
                                else conv_reference(x, w))
                    if not np.array_equal(np.load(out), expected):
                        sys.exit("%s %s: output differs from numpy" % (layer, name))
            best = {name: min(t[0] for t in ts) for name, ts in times.items()}
            for name, _, _, _, _ in variants:
                median = sorted(t[1] for t in times[name])[len(times[name]) // 2]
                print("| %s (q=%d) | %s | %.1f | %.1f | %.2fx | %.2fx |" % (
                    layer, q, name, best[name] * 1e3, median * 1e3, best["i16 generic"] / best[name],
                    best[name] / best["i8 kernel"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
