#!/usr/bin/python3
"""Dense int8 matmul vs --qc-sparsify's representations, same run, same machine.

For each shape MxKxN and weight (dense, unstructured 50/75/90/95 %, 2:4,
half of the output channels) this builds the raw i8 x i8 -> i32 contraction
that --qc-lower-to-linalg emits and times it with qc-run (qc-cpu-pipeline,
`--repeat`, min of the runs) in every representation:

* dense: the matmul as is;
* N:M and ELL: --qc-sparsify with that kernel forced (the other one priced out);
* auto: --qc-sparsify with its default cost model (what a user gets);
* channel: the narrower dense matmul the qc-level --qc-sparsify leaves.

Every output is compared with the dense output element by element. It also
prints the cost per stored entry of each kernel relative to a dense
multiply-add, i.e. the values for --qc-sparsify's nm-cost / ell-cost.

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

FORCE = {"nm": "min-sparsity=0 nm-cost=0.000001 nm-cost-gemv=0.000001 "
               "ell-cost=1000000 ell-cost-gemv=1000000",
         "ell": "min-sparsity=0 nm-cost=1000000 nm-cost-gemv=1000000 "
                "ell-cost=0.000001 ell-cost-gemv=0.000001"}


def prune(w, kind):
    """Magnitude-pruned int8 weight, ties by index as --qc-prune."""
    k, n = w.shape
    mag = np.abs(w.astype(np.int64))
    if kind == "dense":
        return w
    if kind.endswith("%"):
        order = np.lexsort((np.arange(w.size), mag.ravel()))
        out = w.ravel().copy()
        out[order[: int(np.rint(int(kind[:-1]) / 100.0 * w.size))]] = 0
        return out.reshape(w.shape)
    if kind == "2:4":
        order = np.argsort(mag.reshape(k // 4, 4, n), axis=1, kind="stable")
        out = w.reshape(k // 4, 4, n).copy()
        np.put_along_axis(out, order[:, :2, :], 0, axis=1)
        return out.reshape(w.shape)
    if kind == "channel":
        order = np.lexsort((np.arange(n), mag.sum(axis=0)))
        out = w.copy()
        out[:, order[: n // 2]] = 0
        return out
    raise ValueError(kind)


def module(m, k, w):
    n = w.shape[1]
    data = '"0x' + np.ascontiguousarray(w).tobytes().hex().upper() + '"'
    return f"""func.func @f(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant dense<{data}> : tensor<{k}x{n}xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>) outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""


class Runner:
    def __init__(self, build, repeat, tmp):
        self.qc_opt = os.path.join(build, "bin", "qc-opt")
        self.qc_run = os.path.join(build, "bin", "qc-run")
        self.repeat, self.tmp = repeat, tmp

    def time(self, text, activations, sparsify=None):
        """(min ms, output, remark) of one representation."""
        src = os.path.join(self.tmp, "in.mlir")
        with open(src, "w") as f:
            f.write(text)
        remark = ""
        if sparsify is not None:
            out = os.path.join(self.tmp, "sparse.mlir")
            res = subprocess.run([self.qc_opt, src, "--qc-sparsify=" + sparsify, "-o", out],
                                 capture_output=True, text=True)
            if res.returncode:
                sys.exit("qc-opt --qc-sparsify failed\n" + res.stderr)
            remark = " ".join(re.findall(r"remark: qc-sparsify: ([^\n]*)", res.stderr))
            src = out
        a = os.path.join(self.tmp, "a.npy")
        y = os.path.join(self.tmp, "y.npy")
        np.save(a, activations)
        res = subprocess.run([self.qc_run, src, "--input", a, "--output", y,
                              "--repeat", str(self.repeat)], capture_output=True, text=True)
        if res.returncode:
            sys.exit("qc-run failed\n" + res.stderr)
        ms = float(re.search(r"min ([0-9.]+) ms", res.stdout + res.stderr).group(1))
        return ms, np.load(y), remark


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--shapes", default="1x4096x4096,256x1024x1024")
    ap.add_argument("--kinds", default="dense,50%,75%,90%,95%,2:4,channel")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print("| MxKxN | weight | dense ms | N:M ms | ELL ms | auto choice | auto ms | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    costs = {}
    with tempfile.TemporaryDirectory() as tmp:
        run = Runner(args.build, args.repeat, tmp)
        for shape in args.shapes.split(","):
            m, k, n = (int(v) for v in shape.split("x"))
            base = rng.integers(-127, 128, size=(k, n)).astype(np.int8)
            act = rng.integers(-128, 128, size=(m, k)).astype(np.int8)
            for kind in args.kinds.split(","):
                w = prune(base, kind)
                text = module(m, k, w)
                dense_ms, dense_y, _ = run.time(text, act)
                cells = {}
                if kind == "channel":
                    keep = [c for c in range(n) if np.any(w[:, c])]
                    ms, y, _ = run.time(module(m, k, w[:, keep]), act)
                    if not np.array_equal(y, dense_y[:, keep]) or np.any(
                            np.delete(dense_y, keep, axis=1)):
                        sys.exit(f"{shape} {kind}: shrunk output differs")
                    auto = (f"shrunk to {len(keep)} channels", ms)
                else:
                    for kernel in ("nm", "ell"):
                        costs.setdefault((kernel, m), [])
                        if kernel == "nm" and kind != "2:4":
                            continue
                        ms, y, remark = run.time(text, act, FORCE[kernel])
                        if ("N:M kernel" if kernel == "nm" else "ELL kernel") not in remark:
                            sys.exit(f"{shape} {kind} {kernel}: kernel not applied: {remark}")
                        if not np.array_equal(y, dense_y):
                            sys.exit(f"{shape} {kind} {kernel}: output differs from dense")
                        cells[kernel] = ms
                        entries = (k // 2 if kernel == "nm" else
                                   int(re.search(r"longest column (\d+)", remark).group(1)))
                        costs[(kernel, m)].append((ms / entries) / (dense_ms / k))
                    ms, y, remark = run.time(text, act, "")
                    if not np.array_equal(y, dense_y):
                        sys.exit(f"{shape} {kind} auto: output differs from dense")
                    choice = remark.split(": ")[-1] if remark else "kept dense"
                    auto = (choice, ms)
                fmt = lambda key: f"{cells[key]:.2f}" if key in cells else "-"
                print(f"| {shape} | {kind} | {dense_ms:.2f} | {fmt('nm')} | {fmt('ell')} | "
                      f"{auto[0]} | {auto[1]:.2f} | {dense_ms / auto[1]:.2f}x |", flush=True)
    for (kernel, m), values in sorted(c for c in costs.items() if c[1]):
        print(f"{kernel} cost per stored entry at M={m} (x dense MAC): min {min(values):.1f}, "
              f"median {float(np.median(values)):.1f}, max {max(values):.1f}")


if __name__ == "__main__":
    main()
