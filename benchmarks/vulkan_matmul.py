#!/usr/bin/python3
"""Benchmarks qc's Vulkan path on int8 matmuls (i8 x i8 -> i32).

usage: benchmarks/vulkan_matmul.py [--build BUILD] [--repeat N]
          [--options "qc-spirv-pipeline options"] [--cpu-threads T] [MxKxN ...]
Compiles each shape with qc-vulkan-run, checks the result against numpy, and
prints device time (min/median over N runs, submit to fence) and GOP/s, next
to qc's CPU target on the same module (qc-run --target=cpu, JIT, host
features, --threads T: all cores by default) and numpy's int32 matmul as a
host reference point. The CPU column is the kernel alone on warm, cache-
resident operands (qc-run --repeat); checked 2026-12-07 for 64^3 (1 us): 300k
runs take the wall time the figure implies, and the result is right. A benchmark,
not a test: it measures whatever device QC_VULKAN_DEVICE selects.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

MLIR = """func.func @main(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>) -> tensor<{m}x{n}xi32> {{
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>)
                     outs(%f : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(root, "build"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--options", default="")
    parser.add_argument("--cpu-threads", type=int, default=0,
                        help="qc-run --threads for the CPU column (0: its "
                        "default, all cores)")
    parser.add_argument("shapes", nargs="*",
                        default=["64x64x64", "128x128x128", "256x256x256",
                                 "512x512x512", "100x300x70"])
    args = parser.parse_args()
    runner = os.path.join(args.build, "bin", "qc-vulkan-run")
    rng = np.random.default_rng(0)
    device = None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            m, k, n = (int(x) for x in shape.split("x"))
            src = os.path.join(tmp, "mm.mlir")
            with open(src, "w") as f:
                f.write(MLIR.format(m=m, k=k, n=n))
            a = rng.integers(-128, 128, (m, k), dtype=np.int8)
            b = rng.integers(-128, 128, (k, n), dtype=np.int8)
            np.save(os.path.join(tmp, "a.npy"), a)
            np.save(os.path.join(tmp, "b.npy"), b)
            out = os.path.join(tmp, "c.npy")
            proc = subprocess.run(
                [runner, src, "--input", os.path.join(tmp, "a.npy"), "--input",
                 os.path.join(tmp, "b.npy"), "--output", out, "--repeat",
                 str(max(args.repeat, 2)), "--options=" + args.options],
                capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit("qc-vulkan-run failed on %s:\n%s" % (shape, proc.stderr))
            want = a.astype(np.int32) @ b.astype(np.int32)
            if not np.array_equal(np.load(out), want):
                sys.exit("wrong result for %s" % shape)
            device = re.search(r"device: (.*)", proc.stdout).group(1)
            t = re.search(r"min: ([\d.]+) ms  median: ([\d.]+) ms", proc.stdout)
            tmin, tmed = float(t.group(1)), float(t.group(2))
            cpu = subprocess.run(
                [os.path.join(args.build, "bin", "qc-run"), "--target=cpu", src,
                 "--input", os.path.join(tmp, "a.npy"), "--input",
                 os.path.join(tmp, "b.npy"), "--repeat",
                 str(max(args.repeat, 2))] +
                (["--threads=%d" % args.cpu_threads] if args.cpu_threads else []),
                capture_output=True, text=True)
            if cpu.returncode != 0:
                sys.exit("qc-run --target=cpu failed on %s:\n%s" % (shape, cpu.stderr))
            cpu_min = float(re.search(r"min ([\d.]+) ms", cpu.stdout).group(1))
            a32, b32 = a.astype(np.int32), b.astype(np.int32)
            host = []
            for _ in range(3):
                start = time.perf_counter()
                a32 @ b32
                host.append((time.perf_counter() - start) * 1e3)
            ops = 2.0 * m * k * n
            rows.append((shape, tmin, tmed, ops / tmin / 1e6, cpu_min,
                         ops / cpu_min / 1e6, min(host)))
    print("device: %s; options: '%s'; %d runs; qc CPU threads: %s" % (
        device, args.options, max(args.repeat, 2),
        args.cpu_threads or "all cores"))
    print("| MxKxN | Vulkan min ms | Vulkan median ms | Vulkan GOP/s "
          "| qc CPU min ms | qc CPU GOP/s | numpy int32 ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %.3f | %.3f | %.2f | %.4g | %.2f | %.3f |" % row)


if __name__ == "__main__":
    main()
