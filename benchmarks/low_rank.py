#!/usr/bin/python3
"""Full vs --qc-low-rank factorized matmul layers on the CPU: time and size.

For each M x K x N shape and each rank, builds a layer whose weight has a
decaying spectrum (sigma_i = 1 / (1 + i / 32) for i < 1024, then 0; random
singular vectors),
factorizes it with `qc-opt --qc-low-rank="rank=R min-flop-reduction=0"`, runs
both with `qc-run --repeat` and prints a markdown table: median time, weight
bytes, relative weight error (from the pass remark) and the FLOP model's
reduction. Two layer kinds:

* int8: qc.matmul, per-channel int8 weight, i32 bias; the factorized form is
  i8 x i8 -> i16 then i16 x i8 -> i8. The vectorized CPU pipeline cannot yet
  compile the i16 x i8 product, so factorized int8 layers run with
  vectorize=false and the full layer is timed both ways.
* f32: linalg.matmul, both forms vectorized.

Usage: benchmarks/low_rank.py [--build build] [--repeat 20]
           [--case 1x4096x4096:256,1024] [--case 256x1024x1024:64,128,256]
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration", "Inputs"))
import low_rank_models as models  # noqa: E402

TIME = re.compile(r"min ([0-9.]+) ms, median ([0-9.]+) ms")
REMARK = re.compile(r"relative error ([-+.e\d]+).*?(?:with quantized factors ([-+.e\d]+))?, FLOPs")
CONST = re.compile(r"arith\.constant dense<[^>]*> : tensor<([\dx]+)x(i8|i16|i32|f32)>")
BYTES = {"i8": 1, "i16": 2, "i32": 4, "f32": 4}


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("FAILED: %s\n%s" % (" ".join(shlex.quote(c) for c in cmd), result.stderr))
    return result


def decaying_weight(rng, k, n):
    # At most 1024 directions: numpy's QR and product of full 4096 x 4096
    # random matrices take minutes; sigma_1024 = 0.03 of sigma_0 anyway.
    p = min(k, n, 1024)
    u, _ = np.linalg.qr(rng.standard_normal((k, p)))
    v, _ = np.linalg.qr(rng.standard_normal((n, p)))
    w = (u * (1.0 / (1.0 + np.arange(p) / 32.0))) @ v.T
    return w / np.abs(w).max()


def int8_layer(w, m):
    k, n = w.shape
    scales = np.abs(w).max(axis=0) / 127.0
    codes = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    x_scale = 0.02
    y_scale = float(3 * x_scale * 74 * np.linalg.norm(codes * scales, axis=0).max() / 127)
    s = ", ".join(repr(float(v)) for v in scales)
    bs = ", ".join(repr(float(v)) for v in x_scale * scales)
    return f"""
!x = !quant.uniform<i8:f32, {x_scale}:3>
!w = !quant.uniform<i8<-127:127>:f32:1, {{{s}}}>
!b = !quant.uniform<i32:f32:0, {{{bs}}}>
!y = !quant.uniform<i8:f32, {y_scale!r}:-4>
func.func @model(%x: tensor<{m}x{k}x!x>) -> tensor<{m}x{n}x!y> {{
  %wc = arith.constant dense<{models.hex_dense(codes, np.int8)}> : tensor<{k}x{n}xi8>
  %w = quant.scast %wc : tensor<{k}x{n}xi8> to tensor<{k}x{n}x!w>
  %bc = arith.constant dense<0> : tensor<{n}xi32>
  %b = quant.scast %bc : tensor<{n}xi32> to tensor<{n}x!b>
  %y = qc.matmul %x, %w bias %b : tensor<{m}x{k}x!x>, tensor<{k}x{n}x!w>, tensor<{n}x!b> -> tensor<{m}x{n}x!y>
  return %y : tensor<{m}x{n}x!y>
}}"""


def f32_layer(w, m):
    k, n = w.shape
    return f"""
func.func @model(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{
  %w = arith.constant dense<{models.hex_dense(w, np.float32)}> : tensor<{k}x{n}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%init : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}"""


def weight_bytes(path):
    total = 0
    with open(path) as f:
        for line in f:
            for shape, dtype in CONST.findall(line):
                total += int(np.prod([int(d) for d in shape.split("x")])) * BYTES[dtype]
    return total


def timed(bin_dir, model, x_file, repeat, extra=()):
    out = run([os.path.join(bin_dir, "qc-run"), model, "--entry", "model", "--input", x_file,
               "--repeat", str(repeat), *extra]).stdout
    return float(TIME.search(out).group(2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--case", action="append",
                        help="MxKxN:rank,rank,... (default: the two shapes of issue 7)")
    parser.add_argument("--kinds", default="int8,f32")
    args = parser.parse_args()
    cases = args.case or ["1x4096x4096:256,512,1024", "256x1024x1024:64,128,256"]
    bin_dir = os.path.join(args.build, "bin")
    rng = np.random.default_rng(0)
    loops = ["--pipeline-options=vectorize=false"]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for case in cases:
            shape, ranks = case.split(":")
            m, k, n = (int(v) for v in shape.split("x"))
            w = decaying_weight(rng, k, n)
            for kind in args.kinds.split(","):
                full = os.path.join(work, f"{kind}-{shape}.mlir")
                with open(full, "w") as f:
                    f.write(int8_layer(w, m) if kind == "int8" else f32_layer(w, m))
                x_file = os.path.join(work, f"x-{kind}-{shape}.npy")
                x = (rng.integers(-128, 128, (m, k)).astype(np.int8) if kind == "int8"
                     else rng.standard_normal((m, k)).astype(np.float32))
                np.save(x_file, x)
                size = weight_bytes(full)
                if kind == "int8":
                    rows.append((shape, kind, "full", "vectorized",
                                 timed(bin_dir, full, x_file, args.repeat), size, "", ""))
                    rows.append((shape, kind, "full", "loops",
                                 timed(bin_dir, full, x_file, args.repeat, loops), size, "", ""))
                else:
                    rows.append((shape, kind, "full", "vectorized",
                                 timed(bin_dir, full, x_file, args.repeat), size, "", ""))
                for r in (int(v) for v in ranks.split(",")):
                    out = os.path.join(work, f"{kind}-{shape}-r{r}.mlir")
                    start = time.time()
                    remark = run([os.path.join(bin_dir, "qc-opt"), full, "-o", out,
                                  "--mlir-print-elementsattrs-with-hex-if-larger=16",
                                  f"--qc-low-rank=rank={r} min-flop-reduction=0"]).stderr
                    compile_s = time.time() - start
                    match = REMARK.search(remark)
                    error = match.group(2) or match.group(1)
                    flops = k * n / (r * (k + n))
                    mode = "loops" if kind == "int8" else "vectorized"
                    extra = loops if kind == "int8" else ()
                    rows.append((shape, kind, f"rank {r}", mode,
                                 timed(bin_dir, out, x_file, args.repeat, extra),
                                 weight_bytes(out), f"{float(error):.3f}",
                                 f"{flops:.2f}x (SVD + rewrite {compile_s:.0f} s)"))
    print("| M x K x N | type | layer | CPU code | median ms | weight bytes | rel. weight error | FLOP reduction |")
    print("|---|---|---|---|---|---|---|---|")
    for shape, kind, layer, mode, ms, size, err, flops in rows:
        print(f"| {shape} | {kind} | {layer} | {mode} | {ms:.3f} | {size} | {err} | {flops} |")


if __name__ == "__main__":
    main()
