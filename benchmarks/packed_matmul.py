#!/usr/bin/python3
"""Dense int8 matmul against --qc-pack-weights' kernels, same run, same machine.

For each shape MxKxN this builds the raw i8 x i8 -> i32 contraction that
--qc-lower-to-linalg emits (and its i8 x i4 variant) and times it with
qc-run --target=cpu (qc-cpu-pipeline, `--repeat`, min of the runs):

* int8: dense i8 weight (the VNNI path);
* cb16: the same weight clustered to 16 codes, stored as u4 indices into a
  codebook of codes (--qc-pack-weights);
* int4 (unpacked): an i4 weight as the lowering leaves it, one byte per code;
* int4 packed: the i4 weight two per byte (--qc-pack-weights).

Every output is compared with numpy. Prints weight bytes and times.

  benchmarks/packed_matmul.py --build build [--shapes 1x4096x4096,256x1024x1024] [--repeat 10]

Not a test: it measures. docs/WeightSharing.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


def module(m, k, n, w, elem):
    if elem == "i4":
        lit = "dense<%s>" % np.array2string(w, separator=",", threshold=1 << 40,
                                            max_line_width=1 << 40).replace("\n", "")
    else:
        lit = 'dense<"0x%s">' % np.ascontiguousarray(w.astype(np.int8)).tobytes().hex().upper()
    return f"""func.func @f(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant {lit} : tensor<{k}x{n}x{elem}>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}x{elem}>) outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--shapes", default="1x4096x4096,256x1024x1024")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    opt = os.path.join(args.build, "bin", "qc-opt")
    runner = os.path.join(args.build, "bin", "qc-run")
    rng = np.random.default_rng(0)
    print("| MxKxN | weight | weight bytes | ms (min of %d) | vs int8 |" % args.repeat)
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(","):
            m, k, n = (int(v) for v in shape.split("x"))
            a = rng.integers(-128, 128, (m, k)).astype(np.int8)
            apath = os.path.join(tmp, "a.npy")
            np.save(apath, a)
            book = np.sort(rng.choice(np.arange(-128, 128), 16, replace=False))
            variants = [("int8", rng.integers(-128, 128, (k, n)), "i8", False),
                        ("cb16", book[rng.integers(0, 16, (k, n))], "i8", True),
                        ("int4 (unpacked)", rng.integers(-8, 8, (k, n)), "i4", False)]
            variants.append(("int4 packed", variants[2][1], "i4", True))
            base = None
            for name, w, elem, pack in variants:
                src = os.path.join(tmp, "m.mlir")
                with open(src, "w") as f:
                    f.write(module(m, k, n, w, elem))
                bytes_ = w.size
                if pack:
                    p = subprocess.run([opt, src, "--qc-pack-weights", "-o", src + ".p"],
                                       capture_output=True, text=True, check=True)
                    got = re.search(r"-> ([0-9.]+) bytes", p.stderr)
                    bytes_ = float(got.group(1))
                    src += ".p"
                out = os.path.join(tmp, "y.npy")
                r = subprocess.run([runner, src, "--target=cpu", "--input", apath, "--output", out,
                                    "--repeat", str(args.repeat)], capture_output=True, text=True)
                if r.returncode:
                    sys.exit(r.stderr)
                ms = float(re.search(r"min ([0-9.]+) ms", r.stdout + r.stderr).group(1))
                y = np.load(out)
                expected = a.astype(np.int64) @ np.asarray(w, dtype=np.int64)
                assert np.array_equal(y, expected), name
                if base is None:
                    base = ms
                print("| %s | %s | %d | %.3f | %.2fx |" % (shape, name, bytes_, ms, base / ms))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
