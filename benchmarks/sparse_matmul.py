#!/usr/bin/python3
"""Dense int8 matmul vs --qc-sparsify's kernels, same run, same machine.

For each shape MxKxN and each weight (dense, unstructured 50/75/90/95 %, 2:4,
channel-pruned 50 %) this builds the raw i8 x i8 -> i32 contraction that
--qc-lower-to-linalg emits, runs it dense and after --qc-sparsify through the
CPU pass list of docs (mlir-runner), checks that both results are identical
(checksum over every element) and prints the median time of `--repeat` runs.

  benchmarks/sparse_matmul.py --build build [--shapes 1x4096x4096,256x1024x1024]

Not a test: it measures. docs/Sparsity.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

CPU_PIPELINE = (
    "builtin.module(one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,convert-linalg-to-loops,expand-strided-metadata,"
    "lower-affine,convert-scf-to-cf,convert-to-llvm,reconcile-unrealized-casts)")
LLVM_BIN = "/usr/lib/llvm-22/bin"
LLVM_LIB = "/usr/lib/llvm-22/lib"


def prune(w, kind, rng):
    """Magnitude-pruned int8 weight (ties by index, as --qc-prune)."""
    k, n = w.shape
    mag = np.abs(w.astype(np.int64))
    if kind == "dense":
        return w
    if kind.endswith("%"):
        frac = int(kind[:-1]) / 100.0
        order = np.lexsort((np.arange(w.size), mag.ravel()))
        out = w.ravel().copy()
        out[order[: int(np.rint(frac * w.size))]] = 0
        return out.reshape(w.shape)
    if kind == "2:4":
        g = mag.reshape(k // 4, 4, n)
        order = np.argsort(g, axis=1, kind="stable")
        out = w.reshape(k // 4, 4, n).copy()
        np.put_along_axis(out, order[:, :2, :], 0, axis=1)
        return out.reshape(w.shape)
    if kind == "channel":
        score = mag.sum(axis=0)
        order = np.lexsort((np.arange(n), score))
        out = w.copy()
        out[:, order[: n // 2]] = 0
        return out
    raise ValueError(kind)


def hexconst(a):
    return '"0x' + np.ascontiguousarray(a).tobytes().hex().upper() + '"'


def module(m, k, w, cols, n_full, repeat):
    """`w` holds the columns `cols` of an [k, n_full] weight; the checksum
    hashes each result element by its position in the full result."""
    n = w.shape[1]
    colsconst = "[" + ", ".join(str(c) for c in cols) + "]"
    return f"""
func.func private @rtclock() -> f64
func.func @kernel(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> attributes {{llvm.emit_c_interface}} {{
  %w = arith.constant dense<{hexconst(w)}> : tensor<{k}x{n}xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %init = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>) outs(%init : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
func.func @main() {{
  %c7 = arith.constant 7 : index
  %c13 = arith.constant 13 : index
  %c251 = arith.constant 251 : index
  %c125i = arith.constant 125 : i32
  %e = tensor.empty() : tensor<{m}x{k}xi8>
  // Activations computed at run time so that nothing folds.
  %a = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}} outs(%e : tensor<{m}x{k}xi8>) {{
  ^bb0(%o: i8):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %i7 = arith.muli %i, %c7 : index
    %j13 = arith.muli %j, %c13 : index
    %s = arith.addi %i7, %j13 : index
    %r = arith.remui %s, %c251 : index
    %t = arith.index_cast %r : index to i32
    %u = arith.subi %t, %c125i : i32
    %v = arith.trunci %u : i32 to i8
    linalg.yield %v : i8
  }} -> tensor<{m}x{k}xi8>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cr = arith.constant {repeat} : index
  %first = func.call @kernel(%a) : (tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32>
  scf.for %it = %c0 to %cr step %c1 {{
    %t0 = func.call @rtclock() : () -> f64
    %r = func.call @kernel(%a) : (tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32>
    %t1 = func.call @rtclock() : () -> f64
    %dt = arith.subf %t1, %t0 : f64
    vector.print str "time "
    vector.print %dt : f64
  }}
  // Checksum: sum of r[i, j] * (1 + (i * N + col[j]) mod 1009) in i64.
  %z64 = arith.constant 0 : i64
  %acc0 = tensor.empty() : tensor<i64>
  %acc1 = linalg.fill ins(%z64 : i64) outs(%acc0 : tensor<i64>) -> tensor<i64>
  %cols = arith.constant dense<{colsconst}> : tensor<{n}xi32>
  %sum = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]}} ins(%first, %cols : tensor<{m}x{n}xi32>, tensor<{n}xi32>) outs(%acc1 : tensor<i64>) {{
  ^bb0(%x: i32, %col: i32, %acc: i64):
    %i = linalg.index 0 : index
    %j = arith.index_cast %col : i32 to index
    %cn = arith.constant {n_full} : index
    %c1009 = arith.constant 1009 : index
    %row = arith.muli %i, %cn : index
    %flat = arith.addi %row, %j : index
    %h = arith.remui %flat, %c1009 : index
    %h1 = arith.addi %h, %c1 : index
    %hw = arith.index_cast %h1 : index to i64
    %xw = arith.extsi %x : i32 to i64
    %p = arith.muli %xw, %hw : i64
    %s = arith.addi %acc, %p : i64
    linalg.yield %s : i64
  }} -> tensor<i64>
  %cs = tensor.extract %sum[] : tensor<i64>
  vector.print str "checksum "
  vector.print %cs : i64
  return
}}
"""


def run(text, build, sparsify, label):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.mlir")
        with open(src, "w") as f:
            f.write(text)
        passes = []
        if sparsify is not None:
            passes.append(f"--qc-sparsify={sparsify}")
        opt = subprocess.run([os.path.join(build, "bin", "qc-opt"), src, *passes,
                              "-o", os.path.join(tmp, "s.mlir")],
                             capture_output=True, text=True)
        if opt.returncode:
            sys.exit(f"{label}: qc-opt failed\n{opt.stderr}")
        remark = " ".join(re.findall(r"remark: (qc-sparsify: [^\n]*)", opt.stderr))
        low = subprocess.run([os.path.join(build, "bin", "qc-opt"), os.path.join(tmp, "s.mlir"),
                              f"--pass-pipeline={CPU_PIPELINE}", "-o", os.path.join(tmp, "l.mlir")],
                             capture_output=True, text=True)
        if low.returncode:
            sys.exit(f"{label}: lowering failed\n{low.stderr}")
        res = subprocess.run([os.path.join(LLVM_BIN, "mlir-runner"), os.path.join(tmp, "l.mlir"),
                              "-e", "main", "-entry-point-result=void", "-O3",
                              f"-shared-libs={LLVM_LIB}/libmlir_runner_utils.so,"
                              f"{LLVM_LIB}/libmlir_c_runner_utils.so"],
                             capture_output=True, text=True)
        if res.returncode:
            sys.exit(f"{label}: mlir-runner failed\n{res.stderr}")
        times = [float(t) for t in re.findall(r"time\s+([0-9.e+-]+)", res.stdout)]
        checksum = int(re.search(r"checksum\s+(-?\d+)", res.stdout).group(1))
        return float(np.median(times)), min(times), checksum, remark


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--shapes", default="1x4096x4096,256x1024x1024")
    ap.add_argument("--kinds", default="dense,50%,75%,90%,95%,2:4,channel")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sparsify", default="min-sparsity=0.0",
                    help="options for --qc-sparsify on the sparse runs")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print("| shape MxKxN | weight | kernel chosen | dense ms | sparsified ms | speed-up |")
    print("|---|---|---|---|---|---|")
    for shape in args.shapes.split(","):
        m, k, n = (int(v) for v in shape.split("x"))
        base = rng.integers(-127, 128, size=(k, n), dtype=np.int64).astype(np.int8)
        for kind in args.kinds.split(","):
            w = prune(base, kind, rng)
            text = module(m, k, w, range(n), n, args.repeat)
            dense_med, _, dense_sum, _ = run(text, args.build, None, f"{shape} {kind} dense")
            if kind == "channel":
                # What the qc-level --qc-sparsify leaves: a narrower dense op
                # (no bias here, so the removed outputs are 0 and fold away).
                keep = [c for c in range(n) if np.any(w[:, c])]
                sp_med, _, sp_sum, _ = run(module(m, k, w[:, keep], keep, n, args.repeat),
                                           args.build, None, f"{shape} {kind} shrunk")
                remark = f"shrunk dense: {len(keep)} of {n} channels"
            else:
                sp_med, _, sp_sum, remark = run(text, args.build, args.sparsify,
                                                f"{shape} {kind} sparse")
            if dense_sum != sp_sum:
                sys.exit(f"{shape} {kind}: checksum differs (dense {dense_sum}, sparse {sp_sum})")
            kernel = remark.split(": ")[-1] if remark else "-"
            print(f"| {shape} | {kind} | {kernel} | {dense_med * 1e3:.2f} | {sp_med * 1e3:.2f} | "
                  f"{dense_med / sp_med:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
