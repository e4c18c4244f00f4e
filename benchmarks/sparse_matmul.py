#!/usr/bin/python3
"""Dense int8 matmul vs --qc-sparsify's representations, same run, same machine.

For each shape MxKxN and weight (dense, unstructured 50/75/90/95 %, 2:4,
half of the output channels) this builds the raw i8 x i8 -> i32 contraction
that --qc-lower-to-linalg emits and times it with qc-run (qc-cpu-pipeline,
`--repeat`, min of the runs) in every representation:

* dense: the matmul as is;
* N:M and ELL: --qc-sparsify with that kernel forced (the other one priced out);
* auto: --qc-sparsify with its default cost model (what a user gets);
* channel: the narrower dense matmul --qc-remove-zero-channels leaves (before
  the lowering);
* upstream: the same contraction with the weight as a #sparse_tensor.encoding
  (CSC by default) through mlir-opt's --sparsifier and mlir-runner -O3. The
  dense constant is converted to the sparse tensor once, outside the timed
  loop; each call of the kernel (kept out of line) is timed with rtclock
  inside the module and the minimum is taken, like qc-run's `--repeat`.

Every output is compared with the dense output element by element. It also
prints the cost per stored entry of each kernel relative to a dense
multiply-add, i.e. the values for --qc-sparsify's nm-cost / ell-cost.

  benchmarks/sparse_matmul.py --build build [--shapes 1x4096x4096,256x1024x1024]
      [--mlir-bin /usr/lib/llvm-22/bin] [--upstream-kinds 50%,75%,90%,95%,2:4]

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


UPSTREAM_ENCODINGS = {"csc": "(i, j) -> (j : dense, i : compressed)",
                      "csr": "(i, j) -> (i : dense, j : compressed)"}


def upstream_module(a, w, encoding, repeat):
    """The contraction with a sparse weight, timed in-module (see above)."""
    (m, k), n = a.shape, w.shape[1]
    hexw = '"0x' + np.ascontiguousarray(w).tobytes().hex().upper() + '"'
    hexa = '"0x' + np.ascontiguousarray(a).tobytes().hex().upper() + '"'
    ta, tw, tc = f"tensor<{m}x{k}xi8>", f"tensor<{k}x{n}xi8, #SP>", f"tensor<{m}x{n}xi32>"
    return f"""#SP = #sparse_tensor.encoding<{{ map = {UPSTREAM_ENCODINGS[encoding]} }}>
#trait = {{
  indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>,
                   affine_map<(m, n, k) -> (m, n)>],
  iterator_types = ["parallel", "parallel", "reduction"]
}}
func.func @kernel(%a: {ta}, %w: {tw}) -> {tc} attributes {{passthrough = ["noinline"]}} {{
  %z = arith.constant 0 : i32
  %e = tensor.empty() : {tc}
  %i = linalg.fill ins(%z : i32) outs(%e : {tc}) -> {tc}
  %r = linalg.generic #trait ins(%a, %w : {ta}, {tw}) outs(%i : {tc}) {{
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %p = arith.muli %x32, %y32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }} -> {tc}
  return %r : {tc}
}}
func.func private @printMemrefI32(memref<*xi32>)
func.func private @rtclock() -> f64
func.func @main() {{
  %wd = arith.constant dense<{hexw}> : tensor<{k}x{n}xi8>
  %ws = sparse_tensor.convert %wd : tensor<{k}x{n}xi8> to {tw}
  %a = arith.constant dense<{hexa}> : {ta}
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cr = arith.constant {repeat} : index
  scf.for %it = %c0 to %cr step %c1 {{
    %t0 = func.call @rtclock() : () -> f64
    %r = func.call @kernel(%a, %ws) : ({ta}, {tw}) -> {tc}
    %t1 = func.call @rtclock() : () -> f64
    %dt = arith.subf %t1, %t0 : f64
    vector.print str "time "
    vector.print %dt : f64
  }}
  %r = func.call @kernel(%a, %ws) : ({ta}, {tw}) -> {tc}
  %mb = bufferization.to_buffer %r : {tc} to memref<{m}x{n}xi32>
  %u = memref.cast %mb : memref<{m}x{n}xi32> to memref<*xi32>
  func.call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}}
"""


def time_upstream(mlir_bin, tmp, a, w, encoding, options, repeat):
    """(min ms, output) of the upstream sparsifier's kernel."""
    src, low = os.path.join(tmp, "upstream.mlir"), os.path.join(tmp, "upstream.llvm.mlir")
    with open(src, "w") as f:
        f.write(upstream_module(a, w, encoding, repeat))
    res = subprocess.run([os.path.join(mlir_bin, "mlir-opt"), src,
                          "--sparsifier=" + options, "-o", low], capture_output=True, text=True)
    if res.returncode:
        sys.exit("mlir-opt --sparsifier failed\n" + res.stderr)
    lib = os.path.join(os.path.dirname(os.path.realpath(os.path.join(mlir_bin, "mlir-runner"))),
                       "..", "lib")
    libs = ",".join(os.path.join(lib, l) for l in ("libmlir_runner_utils.so",
                                                    "libmlir_c_runner_utils.so"))
    res = subprocess.run([os.path.join(mlir_bin, "mlir-runner"), low, "-e", "main",
                          "-entry-point-result=void", "-O3", "-shared-libs=" + libs],
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit("mlir-runner failed\n" + res.stderr)
    times = [float(t) for t in re.findall(r"time\s+([0-9.eE+-]+)", res.stdout)]
    data = res.stdout[res.stdout.index("data =") + len("data ="):]
    y = np.array([int(v) for v in re.findall(r"-?\d+", data)], dtype=np.int32)
    return min(times) * 1e3, y.reshape(a.shape[0], w.shape[1])


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
    ap.add_argument("--mlir-bin", default="/usr/lib/llvm-22/bin",
                    help="mlir-opt and mlir-runner for the upstream sparsifier column")
    ap.add_argument("--upstream-kinds", default="50%,75%,90%,95%,2:4",
                    help="weights also run through the upstream sparsifier ('' for none)")
    ap.add_argument("--upstream-encoding", choices=sorted(UPSTREAM_ENCODINGS), default="csc")
    ap.add_argument("--upstream-options", default="enable-runtime-library=false",
                    help="options of mlir-opt --sparsifier (e.g. add vl=16)")
    args = ap.parse_args()
    upstream_kinds = [k for k in args.upstream_kinds.split(",") if k]
    rng = np.random.default_rng(0)
    print("| MxKxN | weight | dense ms | N:M ms | ELL ms | upstream ms | auto choice | auto ms "
          "| speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
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
                        # What the kernel visits: the row-vectorized ELL kernel
                        # (4 rows or more) stops each column at its last entry.
                        entries = (k // 2 if kernel == "nm" else
                                   np.count_nonzero(w) / n if m >= 4 else
                                   int(re.search(r"longest column (\d+)", remark).group(1)))
                        costs[(kernel, m)].append((ms / entries) / (dense_ms / k))
                    if kind in upstream_kinds:
                        ms, y = time_upstream(args.mlir_bin, tmp, act, w, args.upstream_encoding,
                                              args.upstream_options, args.repeat)
                        if not np.array_equal(y, dense_y):
                            sys.exit(f"{shape} {kind} upstream: output differs from dense")
                        cells["upstream"] = ms
                    ms, y, remark = run.time(text, act, "")
                    if not np.array_equal(y, dense_y):
                        sys.exit(f"{shape} {kind} auto: output differs from dense")
                    choice = remark.split(": ")[-1] if remark else "kept dense"
                    auto = (choice, ms)
                fmt = lambda key: f"{cells[key]:.2f}" if key in cells else "-"
                print(f"| {shape} | {kind} | {dense_ms:.2f} | {fmt('nm')} | {fmt('ell')} | {fmt('upstream')} | "
                      f"{auto[0]} | {auto[1]:.2f} | {dense_ms / auto[1]:.2f}x |", flush=True)
    for (kernel, m), values in sorted(c for c in costs.items() if c[1]):
        print(f"{kernel} cost per stored entry at M={m} (x dense MAC): min {min(values):.1f}, "
              f"median {float(np.median(values)):.1f}, max {max(values):.1f}")


if __name__ == "__main__":
    main()
