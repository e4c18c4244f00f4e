#!/usr/bin/python3
"""Dense int8 matmul against --qc-pack-weights' kernels, same run, same machine.

For each shape MxKxN this builds the raw i8 x i8 -> i32 contraction that
--qc-lower-to-linalg emits (and its i8 x i4 variant) and times it with
qc-run --target=cpu (qc-cpu-pipeline, `--repeat`, min of the runs):

* int8: dense i8 weight (the VNNI path);
* cb16: a weight of 16 codes, stored as u4 indices into a codebook of
  codes (--qc-pack-weights);
* cb4/channel: 4 codes per output channel, u4 indices into per-channel
  codebooks;
* int4 (unpacked): an i4 weight as the lowering leaves it, one byte per code;
* int4 packed: the i4 weight two per byte (--qc-pack-weights).

Every output is compared with numpy. Prints weight bytes and times.

  benchmarks/packed_matmul.py --build build [--shapes 1x4096x4096,256x1024x1024] [--repeat 10]
      [--rounds 3] [--threads 1]

The variants alternate within each round (so that load changes hit them
alike); each figure is the min over the rounds of qc-run's min of --repeat
calls.

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
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds over all variants, alternated; the min over the rounds")
    ap.add_argument("--threads", type=int, default=1,
                    help="qc-run --threads (1: no thread team to wait on under load)")
    ap.add_argument("--skip", default="",
                    help="comma-separated variants to leave out (e.g. cb4/channel: before "
                         "--qc-pack-weights' per-channel codebooks were linear in the weight "
                         "size, a 4096x4096 one took minutes)")
    args = ap.parse_args()
    opt = os.path.join(args.build, "bin", "qc-opt")
    runner = os.path.join(args.build, "bin", "qc-run")
    rng = np.random.default_rng(0)
    print("| MxKxN | weight | weight bytes | ms (min of %d x %d) | vs int8 |"
          % (args.rounds, args.repeat))
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(","):
            m, k, n = (int(v) for v in shape.split("x"))
            a = rng.integers(-128, 128, (m, k)).astype(np.int8)
            apath = os.path.join(tmp, "a.npy")
            np.save(apath, a)
            book = np.sort(rng.choice(np.arange(-128, 128), 16, replace=False))
            books = np.stack([rng.choice(np.arange(-128, 128), 4, replace=False)
                              for _ in range(n)], axis=1)
            variants = [("int8", rng.integers(-128, 128, (k, n)), "i8", False),
                        ("cb16", book[rng.integers(0, 16, (k, n))], "i8", True),
                        ("cb4/channel", np.take_along_axis(books, rng.integers(0, 4, (k, n)),
                                                           axis=0), "i8", True),
                        ("int4 (unpacked)", rng.integers(-8, 8, (k, n)), "i4", False)]
            variants.append(("int4 packed", variants[3][1], "i4", True))
            variants = [v for v in variants if v[0] not in args.skip.split(",")]
            sources, sizes, times = [], [], [[] for _ in variants]
            for v, (name, w, elem, pack) in enumerate(variants):
                src = os.path.join(tmp, "m%d.mlir" % v)
                with open(src, "w") as f:
                    f.write(module(m, k, n, w, elem))
                bytes_ = w.size
                if pack:
                    p = subprocess.run([opt, src, "--qc-pack-weights", "-o", src + ".p"],
                                       capture_output=True, text=True, check=True)
                    got = re.search(r"-> ([0-9.]+) bytes", p.stderr)
                    bytes_ = float(got.group(1))
                    src += ".p"
                sources.append(src)
                sizes.append(bytes_)
            for _ in range(args.rounds):
                for v, (name, w, elem, pack) in enumerate(variants):
                    out = os.path.join(tmp, "y.npy")
                    r = subprocess.run([runner, sources[v], "--target=cpu", "--input", apath,
                                        "--output", out, "--threads=%d" % args.threads,
                                        "--repeat", str(args.repeat)],
                                       capture_output=True, text=True)
                    if r.returncode:
                        sys.exit(r.stderr)
                    times[v].append(float(re.search(r"min ([0-9.]+) ms",
                                                    r.stdout + r.stderr).group(1)))
                    y = np.load(out)
                    expected = a.astype(np.int64) @ np.asarray(w, dtype=np.int64)
                    assert np.array_equal(y, expected), name
            base = min(times[0])
            for v, (name, w, elem, pack) in enumerate(variants):
                ms = min(times[v])
                print("| %s | %s | %d | %.3f | %.2fx |" % (shape, name, sizes[v], ms, base / ms))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
