#!/usr/bin/python3
"""Benchmarks qc's Vulkan depthwise convolutions with constant 4-bit weights.

usage: benchmarks/vulkan_depthwise.py [--runners A[,B]] [--repeat N]
          [--rounds R] [--weights int8,int4,u4] [--options OPTS]
          [NxHxWxC[xKsS] ...]
Each shape is a depthwise convolution of an i8 NHWC input with a constant
KxKxC weight (3x3 stride 1 by default; `x3s2` for stride 2, no padding) of
each kind: int8 codes, or i4/u4 codes, which the contraction kernels store
two per byte (ContractionNibbles.cpp; element order where the weight is read
by elements, C not a multiple of 4). Every (runner, kind) pair runs in turn,
R rounds (A/B pairs under the same load); each result is checked against
numpy. Prints the constant bytes of the bundle (the qc-vulkan-bundle next
to each runner) and the min device ms of N runs per round (qc-vulkan-run
--repeat: submit to fence). `--runners` compares qc-vulkan-run binaries of
two builds (say main's and a branch's) on the same modules. A benchmark,
not a test.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

MLIR = """#dx = affine_map<(n, h, w, c, kh, kw) -> (n, h * {s} + kh, w * {s} + kw, c)>
#dw = affine_map<(n, h, w, c, kh, kw) -> (kh, kw, c)>
#dc = affine_map<(n, h, w, c, kh, kw) -> (n, h, w, c)>
func.func @main(%x: tensor<{n}x{h}x{w}x{c}xi8>) -> tensor<{n}x{oh}x{ow}x{c}xi32> {{
  %k = arith.constant {dense} : tensor<{kk}x{kk}x{c}x{wt}>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{n}x{oh}x{ow}x{c}xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<{n}x{oh}x{ow}x{c}xi32>) -> tensor<{n}x{oh}x{ow}x{c}xi32>
  %r = linalg.generic {{indexing_maps = [#dx, #dw, #dc],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                          "reduction", "reduction"]}}
       ins(%x, %k : tensor<{n}x{h}x{w}x{c}xi8>, tensor<{kk}x{kk}x{c}x{wt}>)
       outs(%f : tensor<{n}x{oh}x{ow}x{c}xi32>) {{
  ^bb0(%a: i8, %b: {wt}, %acc: i32):
    %a32 = arith.extsi %a : i8 to i32
    %b32 = arith.{ext} %b : {wt} to i32
    %p = arith.muli %a32, %b32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }} -> tensor<{n}x{oh}x{ow}x{c}xi32>
  return %r : tensor<{n}x{oh}x{ow}x{c}xi32>
}}
"""

# kind: (element type, the body's extension, codes in [lo, hi))
WEIGHTS = {"int8": ("i8", "extsi", (-128, 128)), "int4": ("i4", "extsi", (-8, 8)),
           "u4": ("i4", "extui", (0, 16))}


def depthwise(x, k, s):
    n, h, w, c = x.shape
    kk = k.shape[0]
    oh, ow = (h - kk) // s + 1, (w - kk) // s + 1
    acc = np.zeros((n, oh, ow, c), dtype=np.int64)
    for i in range(kk):
        for j in range(kk):
            acc += x[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s, :].astype(
                np.int64) * k[i, j]
    return acc.astype(np.int32)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser()
    p.add_argument("--runners", default=os.path.join(root, "build", "bin", "qc-vulkan-run"),
                   help="qc-vulkan-run binaries, comma-separated, run in turn")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--weights", default="int8,int4,u4")
    p.add_argument("--options", default="")
    p.add_argument("shapes", nargs="*", default=["1x58x58x150", "1x58x58x144"])
    args = p.parse_args()
    runners = args.runners.split(",")
    kinds = args.weights.split(",")
    rng = np.random.default_rng(0)
    device = None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            m = re.fullmatch(r"(\d+)x(\d+)x(\d+)x(\d+)(?:x(\d+)s(\d+))?", shape)
            if not m:
                sys.exit("bad shape %s (NxHxWxC[xKsS])" % shape)
            n, h, w, c = (int(v) for v in m.groups()[:4])
            kk, s = (int(m.group(5)), int(m.group(6))) if m.group(5) else (3, 1)
            oh, ow = (h - kk) // s + 1, (w - kk) // s + 1
            x = rng.integers(-128, 128, (n, h, w, c), dtype=np.int8)
            np.save(os.path.join(tmp, "x.npy"), x)
            srcs, want, size = {}, {}, {}
            for kind in kinds:
                wt, ext, (lo, hi) = WEIGHTS[kind]
                k = rng.integers(lo, hi, (kk, kk, c))
                # i4 literals are signed: a u4 code 9 is the bit pattern -7.
                lit = np.where(k >= 8, k - 16, k) if kind == "u4" else k
                src = os.path.join(tmp, "dw_%s.mlir" % kind)
                with open(src, "w") as f:
                    f.write(MLIR.format(
                        n=n, h=h, w=w, c=c, oh=oh, ow=ow, kk=kk, s=s, wt=wt, ext=ext,
                        dense="dense<%s>" % np.array2string(
                            lit, separator=",", threshold=1 << 40,
                            max_line_width=1 << 30).replace("\n", "")))
                srcs[kind] = src
                want[kind] = depthwise(x, k, s)
                for r, runner in enumerate(runners):
                    bundle = os.path.join(tmp, "bundle_%s_%d" % (kind, r))
                    cmd = [os.path.join(os.path.dirname(runner), "qc-vulkan-bundle"), src,
                           "-o", bundle]
                    if args.options:
                        cmd.append("--options=" + args.options)
                    proc = subprocess.run(cmd, capture_output=True, text=True)
                    if proc.returncode != 0:
                        sys.exit("qc-vulkan-bundle failed on %s %s:\n%s" % (shape, kind,
                                                                            proc.stderr))
                    size[(r, kind)] = sum(
                        os.path.getsize(os.path.join(bundle, f))
                        for f in os.listdir(bundle) if f.startswith("constant_"))
            times = {(r, kind): [] for r in range(len(runners)) for kind in kinds}
            for _ in range(args.rounds):
                for kind in kinds:
                    for r, runner in enumerate(runners):
                        out = os.path.join(tmp, "y.npy")
                        cmd = [runner, srcs[kind], "--input", os.path.join(tmp, "x.npy"),
                               "--output", out, "--repeat", str(max(args.repeat, 2))]
                        if args.options:
                            cmd.append("--options=" + args.options)
                        proc = subprocess.run(cmd, capture_output=True, text=True)
                        if proc.returncode != 0:
                            sys.exit("%s failed on %s %s:\n%s" % (runner, shape, kind,
                                                                  proc.stderr))
                        if not np.array_equal(np.load(out), want[kind]):
                            sys.exit("wrong result for %s %s (%s)" % (shape, kind, runner))
                        device = re.search(r"device: (.*)", proc.stdout).group(1)
                        t = re.search(r"min: ([\d.]+) ms", proc.stdout)
                        times[(r, kind)].append(float(t.group(1)))
            for kind in kinds:
                for r in range(len(runners)):
                    ts = times[(r, kind)]
                    rows.append((shape, kind, size[(r, kind)], chr(ord("A") + r),
                                 " / ".join("%.3f" % t for t in ts), min(ts)))
    print("device: %s; options: '%s'; %d rounds of %d runs; runners %s" % (
        device, args.options, args.rounds, max(args.repeat, 2),
        ", ".join("%s = %s" % (chr(ord("A") + r), x) for r, x in enumerate(runners))))
    print("| NxHxWxC | weights | constant bytes | runner | min ms per round | min ms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %s | %d | %s | %s | %.3f |" % row)


if __name__ == "__main__":
    main()
