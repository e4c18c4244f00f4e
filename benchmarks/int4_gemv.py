#!/usr/bin/python3
"""Packed int4 weights against int8 on the batch-1 GEMV, same run, same machine.

For each shape MxKxN (default the memory-bound 1x4096x4096) this builds the
raw contraction --qc-lower-to-linalg emits for a quantized matmul with a
constant weight, `linalg.matmul` of i8 activations by an i8 or i4 weight
into i32, and compiles it with qc-cpu-pipeline (qc-run --target=cpu, the
host's VNNI): the int8 weight is packed one code per byte, the i4 weight
two codes per byte and unpacked in registers into the same vpdpbusd
(docs/CPUKernels.md, "4-bit weights"). Prints the bytes of the largest
global of the compiled module (the packed weight) and the min (and the
median of the medians) of `--repeat` calls in each of `--rounds` qc-run
runs; every output is checked against numpy.

  benchmarks/int4_gemv.py --build build [--shapes 1x4096x4096] [--repeat 50] [--rounds 3]
                         [--threads 1]

Not a test: it measures. docs/CPUKernels.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


def literal(w):
    """A dense literal in hex, one byte per code (MLIR's hex form of i4
    elements too)."""
    return 'dense<"0x%s">' % np.ascontiguousarray(w.astype(np.int8)).tobytes().hex().upper()


def module(m, k, n, w, elem):
    return f"""func.func @f(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant {literal(w)} : tensor<{k}x{n}x{elem}>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}x{elem}>) outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""


def largest_global(opt, src, threads):
    """Bytes of the largest llvm.mlir.global of the compiled module."""
    p = subprocess.run([opt, src, "--qc-cpu-pipeline=threads=%d x86-vnni=true" % threads],
                       capture_output=True, text=True, check=True)
    sizes = [int(s) for s in re.findall(r"llvm\.mlir\.global .*!llvm\.array<(\d+) x i8>",
                                        p.stdout)]
    return max(sizes) if sizes else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--shapes", default="1x4096x4096")
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of qc-run per variant, alternating")
    args = ap.parse_args()
    opt = os.path.join(args.build, "bin", "qc-opt")
    runner = os.path.join(args.build, "bin", "qc-run")
    rng = np.random.default_rng(0)
    print("| MxKxN | weight | weight global bytes | min us | median us | int8 / this (min) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(","):
            m, k, n = (int(v) for v in shape.split("x"))
            a = rng.integers(-128, 128, (m, k)).astype(np.int8)
            apath = os.path.join(tmp, "a.npy")
            np.save(apath, a)
            variants = [("int8", rng.integers(-128, 128, (k, n)), "i8"),
                        ("int4 (i4)", rng.integers(-8, 8, (k, n)), "i4")]
            sizes, times = {}, {name: [] for name, _, _ in variants}
            # Alternate the variants (int8, int4, int8, int4, ...) so that a
            # change of the machine's load hits both alike.
            for _ in range(args.rounds):
                for name, w, elem in variants:
                    src = os.path.join(tmp, "%s.mlir" % elem)
                    if name not in sizes:
                        with open(src, "w") as f:
                            f.write(module(m, k, n, w, elem))
                        sizes[name] = largest_global(opt, src, args.threads)
                    out = os.path.join(tmp, "y.npy")
                    r = subprocess.run([runner, src, "--target=cpu", "--threads",
                                        str(args.threads), "--input", apath, "--output", out,
                                        "--repeat", str(args.repeat)],
                                       capture_output=True, text=True)
                    if r.returncode:
                        sys.exit(r.stderr)
                    text = r.stdout + r.stderr
                    times[name].append((float(re.search(r"min ([0-9.]+) ms", text).group(1)),
                                        float(re.search(r"median ([0-9.]+) ms", text).group(1))))
                    expected = a.astype(np.int64) @ np.asarray(w, dtype=np.int64)
                    if not np.array_equal(np.load(out), expected):
                        sys.exit("%s %s: output differs from numpy" % (shape, name))
            base = min(t[0] for t in times["int8"])
            for name, _, _ in variants:
                best = min(t[0] for t in times[name])
                median = sorted(t[1] for t in times[name])[len(times[name]) // 2]
                print("| %s | %s | %d | %.1f | %.1f | %.2fx |" % (
                    shape, name, sizes[name], best * 1e3, median * 1e3, base / best))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
