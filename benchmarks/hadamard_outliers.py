#!/usr/bin/python3
"""What --qc-hadamard-rotate does to quantization error, measured.

A generated float linear layer y = x W (x: [tokens, d], W: [d, n]) whose
input activations have outlier channels (1 % of the d channels 50x larger, as
in LLM activations; optionally weights with outlier rows) is rotated by
qc-opt --qc-hadamard-rotate. The rotated weight Q W and the signs of the
online qc.hadamard are read back from qc-opt's output, so the rotation
measured is the one the compiler emits. Both layers are then quantized the
way qc's calibration does (python/qc/calibration.py: per-tensor min/max
activations, per-channel symmetric weights, calibrated on the same data)
and evaluated in numpy; the table gives the relative error
||y_q - y||_F / ||y||_F of each against the float layer, and their ratio.

  benchmarks/hadamard_outliers.py --build build [--dims 64,128,256] [--tokens 256] [--block B]

`--block B` passes block=B to the pass (0, the default: the largest
supported Hadamard size dividing d, e.g. 768 = H_12 (x) H_64 as one block);
the table's `block` column is what qc-opt chose.

Not a test: it measures. docs/Hadamard.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from qc import calibration as cal  # noqa: E402
from qc import reference as ref  # noqa: E402
from qc.graph import fake_quant_values  # noqa: E402


def hex_dense(array):
    return '"0x' + np.ascontiguousarray(array, dtype=np.float32).tobytes().hex().upper() + '"'


def rotate(qc_opt, w, tokens, block=0):
    d, n = w.shape
    src = f"""func.func @layer(%x: tensor<{tokens}x{d}xf32>) -> tensor<{tokens}x{n}xf32> {{
  %w = arith.constant dense<{hex_dense(w)}> : tensor<{d}x{n}xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{tokens}x{n}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{tokens}x{n}xf32>) -> tensor<{tokens}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{tokens}x{d}xf32>, tensor<{d}x{n}xf32>) outs(%i : tensor<{tokens}x{n}xf32>) -> tensor<{tokens}x{n}xf32>
  return %y : tensor<{tokens}x{n}xf32>
}}
"""
    proc = subprocess.run([qc_opt, "--qc-hadamard-rotate=block=%d" % block, "--mlir-print-elementsattrs-with-hex-if-larger=1"],
                          input=src, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("qc-opt failed:\n" + proc.stderr)
    data = re.search(r'arith\.constant dense<"0x([0-9A-F]+)"> : tensor<%dx%dxf32>' % (d, n), proc.stdout)
    had = re.search(r"qc\.hadamard %\S+ block (\d+)(?: negate \[([^\]]*)\])?", proc.stdout)
    if not data or not had:
        sys.exit("unexpected qc-opt output:\n" + proc.stdout[:2000])
    wr = np.frombuffer(bytes.fromhex(data.group(1)), dtype=np.float32).reshape(d, n)
    block = int(had.group(1))
    negate = None if had.group(2) is None else [s.strip() == "true" for s in had.group(2).split(",")]
    return wr, block, negate


def quantized_error(x, w, y, act_bits, w_bits):
    """The layer with fake-quantized activations and weights (qc.fake_quant
    semantics, python/qc/graph.py) against the float layer `y`."""
    xq = fake_quant_values(x, cal.qparams_from_range(*cal.observe(x), bits=act_bits))
    wq = fake_quant_values(w, cal.qparams_from_range(*cal.observe(w, axis=1), bits=w_bits,
                                                     symmetric=True, narrow=True, axis=1),
                           constant=True)
    yq = xq.astype(np.float64) @ wq.astype(np.float64)
    return np.linalg.norm(yq - y) / np.linalg.norm(y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("QC_BUILD_DIR", "build"))
    parser.add_argument("--dims", default="64,128,256")
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block", type=int, default=0)
    args = parser.parse_args()
    qc_opt = os.path.join(args.build, "bin", "qc-opt")
    rng = np.random.default_rng(args.seed)
    print("| d | block | weights | W8A8 plain | W8A8 rotated | gain | W4A8 plain | W4A8 rotated | gain |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d in [int(v) for v in args.dims.split(",")]:
        n = d
        for weights in ("gaussian", "outlier rows"):
            x = rng.standard_normal((args.tokens, d))
            outliers = rng.choice(d, max(1, d // 100), replace=False)
            x[:, outliers] *= 50.0
            w = (rng.standard_normal((d, n)) / np.sqrt(d)).astype(np.float32).astype(np.float64)
            if weights == "outlier rows":
                w[rng.choice(d, max(1, d // 100), replace=False), :] *= 20.0  # exact in f32
            wr, block, negate = rotate(qc_opt, w.astype(np.float32), args.tokens, args.block)
            xr = ref.hadamard_sums(x, block, negate) / np.sqrt(block)
            wr = wr.astype(np.float64)
            y = x @ w
            float_diff = np.linalg.norm(xr @ wr - y) / np.linalg.norm(y)
            if float_diff > 1e-5:
                sys.exit("rotation changed the float layer: %g" % float_diff)
            row = [str(d), str(block), weights]
            for w_bits in (8, 4):
                plain = quantized_error(x, w, y, 8, w_bits)
                rotated = quantized_error(xr, wr, y, 8, w_bits)
                row += ["%.4f" % plain, "%.4f" % rotated, "%.1fx" % (plain / rotated)]
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
