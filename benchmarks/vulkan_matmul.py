#!/usr/bin/python3
"""Benchmarks qc's Vulkan path on int8 matmuls (i8 x i8 -> i32).

usage: benchmarks/vulkan_matmul.py [--build BUILD] [--repeat N]
          [--options "qc-spirv-pipeline options"] [--cpu-threads T]
          [--weights int8,int4,u4 [--rounds R]] [MxKxN ...]
Compiles each shape with qc-vulkan-run, checks the result against numpy, and
prints device time (min/median over N runs, submit to fence) and GOP/s, next
to qc's CPU target on the same module (qc-run --target=cpu, JIT, host
features, --threads T: all cores by default) and numpy's int32 matmul as a
host reference point. The CPU column is the kernel alone on warm, cache-
resident operands (qc-run --repeat); checked 2026-12-07 for 64^3 (1 us): 300k
runs take the wall time the figure implies, and the result is right. A benchmark,
not a test: it measures whatever device QC_VULKAN_DEVICE selects.

--weights makes B a constant of the given kinds (int8 codes, or i4/u4 codes
that the contraction kernels store two per byte): each shape runs every kind
in turn, R rounds (A/B pairs under the same load), and the table gives the
constant bytes of the bundle (qc-vulkan-bundle) next to the device time.
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


CONST_MLIR = """#ka = affine_map<(m, n, k) -> (m, k)>
#kb = affine_map<(m, n, k) -> (k, n)>
#kc = affine_map<(m, n, k) -> (m, n)>
func.func @main(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %b = arith.constant {dense} : tensor<{k}x{n}x{wt}>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.generic {{indexing_maps = [#ka, #kb, #kc],
                        iterator_types = ["parallel", "parallel", "reduction"]}}
       ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}x{wt}>)
       outs(%f : tensor<{m}x{n}xi32>) {{
  ^bb0(%x: i8, %w: {wt}, %acc: i32):
    %x32 = arith.extsi %x : i8 to i32
    %w32 = arith.{ext} %w : {wt} to i32
    %p = arith.muli %x32, %w32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }} -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""

# kind: (element type, the body's extension, codes in [lo, hi))
WEIGHTS = {"int8": ("i8", "extsi", (-128, 128)), "int4": ("i4", "extsi", (-8, 8)),
           "u4": ("i4", "extui", (0, 16))}


def constant_weights(args, rng):
    """--weights: A/B rounds of constant-weight matmuls of each kind."""
    runner = os.path.join(args.build, "bin", "qc-vulkan-run")
    bundler = os.path.join(args.build, "bin", "qc-vulkan-bundle")
    kinds = args.weights.split(",")
    rows = []
    device = None
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            m, k, n = (int(x) for x in shape.split("x"))
            a = rng.integers(-128, 128, (m, k), dtype=np.int8)
            np.save(os.path.join(tmp, "a.npy"), a)
            srcs, want, size = {}, {}, {}
            for kind in kinds:
                wt, ext, (lo, hi) = WEIGHTS[kind]
                b = rng.integers(lo, hi, (k, n))
                # i4 literals are signed: a u4 code 9 is the bit pattern -7.
                lit = np.where(b >= 8, b - 16, b) if kind == "u4" else b
                src = os.path.join(tmp, "mm_%s.mlir" % kind)
                with open(src, "w") as f:
                    f.write(CONST_MLIR.format(
                        m=m, k=k, n=n, wt=wt, ext=ext,
                        dense="dense<%s>" % np.array2string(
                            lit, separator=",", threshold=1 << 40,
                            max_line_width=1 << 30).replace("\n", "")))
                srcs[kind] = src
                want[kind] = a.astype(np.int32) @ b.astype(np.int32)
                bundle = os.path.join(tmp, "bundle_" + kind)
                proc = subprocess.run([bundler, src, "-o", bundle,
                                       "--options=" + args.options],
                                      capture_output=True, text=True)
                if proc.returncode != 0:
                    sys.exit("qc-vulkan-bundle failed on %s %s:\n%s" % (
                        shape, kind, proc.stderr))
                size[kind] = sum(os.path.getsize(os.path.join(bundle, f))
                                 for f in os.listdir(bundle)
                                 if f.startswith("constant_"))
            times = {kind: [] for kind in kinds}
            for _ in range(args.rounds):
                for kind in kinds:
                    out = os.path.join(tmp, "c.npy")
                    proc = subprocess.run(
                        [runner, srcs[kind], "--input", os.path.join(tmp, "a.npy"),
                         "--output", out, "--repeat", str(max(args.repeat, 2)),
                         "--options=" + args.options],
                        capture_output=True, text=True)
                    if proc.returncode != 0:
                        sys.exit("qc-vulkan-run failed on %s %s:\n%s" % (
                            shape, kind, proc.stderr))
                    if not np.array_equal(np.load(out), want[kind]):
                        sys.exit("wrong result for %s %s" % (shape, kind))
                    device = re.search(r"device: (.*)", proc.stdout).group(1)
                    t = re.search(r"min: ([\d.]+) ms  median: ([\d.]+) ms",
                                  proc.stdout)
                    times[kind].append((float(t.group(1)), float(t.group(2))))
            for kind in kinds:
                rows.append((shape, kind, size[kind],
                             " / ".join("%.3f" % t[0] for t in times[kind]),
                             min(t[0] for t in times[kind]),
                             min(t[1] for t in times[kind])))
    print("device: %s; options: '%s'; %d rounds of %d runs, kinds in turn" % (
        device, args.options, args.rounds, max(args.repeat, 2)))
    print("| MxKxN | weights | constant bytes | min ms per round | min ms "
          "| best median ms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %s | %d | %s | %.3f | %.3f |" % row)


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
    parser.add_argument("--weights", default="",
                        help="constant B of these kinds (int8,int4,u4), "
                        "run in turn")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.weights:
        return constant_weights(args, np.random.default_rng(0))
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
