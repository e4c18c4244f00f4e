# --qc-sparsify's N:M and ELL kernels compiled by qc-run (qc-cpu-pipeline,
# where qc-cpu-vectorize-gathers turns kernels with 4 or more rows into row
# vectors), bit-exact against numpy: odd row counts (masked last blocks),
# odd K and N, signed and unsigned (cast_unsigned) codes, -128/127 extremes.
#
# RUN: rm -rf %t && %python %s --qc-opt qc-opt --qc-run qc-run --work-dir %t | FileCheck %s
# CHECK-DAG: 1x64x12 ell signed: scalar
# CHECK-DAG: 3x32x8 nm unsigned: scalar
# CHECK-DAG: 4x64x12 ell signed: vectorized
# CHECK-DAG: 70x128x20 nm unsigned: vectorized
# CHECK-DAG: 130x48x7 ell unsigned: vectorized
# Convolutions (conv_2d_nhwc_hwcf, gathered by (kh, kw, c) decoded from the
# stored reduction index) are not in the form qc-cpu-vectorize-gathers
# matches and stay scalar loops:
# CHECK-DAG: conv 1x9x7x8 k3x3 s2 d1 nm: scalar
# CHECK-DAG: conv 2x7x9x3 k3x2 s1 d2 ell: scalar
# CHECK: all 26 cases bit-exact
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
from upstream_cpu import run  # noqa: E402

FORCE = {"nm": "min-sparsity=0 nm-cost=0.000001 nm-cost-gemv=0.000001 "
               "ell-cost=1000000 ell-cost-gemv=1000000",
         "ell": "min-sparsity=0 nm-cost=1000000 nm-cost-gemv=1000000 "
                "ell-cost=0.000001 ell-cost-gemv=0.000001"}
SHAPES = [(1, 64, 12), (3, 32, 8), (4, 64, 12), (5, 160, 16), (17, 64, 10),
          (64, 96, 33), (70, 128, 20), (130, 48, 7)]


def weight(rng, k, n, kind):
    w = rng.integers(-128, 128, size=(k, n))
    if kind == "nm":  # 1 or 2 of every 4 along k kept
        keep = np.zeros((k // 4, 4, n), bool)
        for g in range(k // 4):
            for c in range(n):
                keep[g, rng.choice(4, size=rng.integers(1, 3), replace=False), c] = True
        w = np.where(keep.reshape(k, n), w, 0)
    else:  # ~80 % unstructured, one full column of extremes
        w = np.where(rng.random((k, n)) < 0.8, 0, w)
        w[::5, 0] = 127
        w[1::5, 0] = -128
    return w.astype(np.int8)


def module(m, k, n, w, unsigned):
    data = '"0x' + np.ascontiguousarray(w).tobytes().hex().upper() + '"'
    cast = " {cast = #linalg.type_fn<cast_unsigned>}" if unsigned else ""
    return f"""func.func @f(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant dense<{data}> : tensor<{k}x{n}xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %r = linalg.matmul{cast} ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>) outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}
"""


# (x shape, filter shape, stride, dilation): odd sizes; C = 8 admits 2:4.
CONVS = [((1, 9, 7, 8), (3, 3, 8, 6), 2, 1), ((2, 7, 9, 3), (3, 2, 3, 5), 1, 2)]


def conv_module(x_shape, w_shape, stride, dilation, w):
    data = '"0x' + np.ascontiguousarray(w).tobytes().hex().upper() + '"'
    n, h, wd, c = x_shape
    kh, kw, _, f = w_shape
    out = (n, (h - dilation * (kh - 1) - 1) // stride + 1,
           (wd - dilation * (kw - 1) - 1) // stride + 1, f)
    t = lambda shape, e: "tensor<%sx%s>" % ("x".join(map(str, shape)), e)
    return f"""func.func @f(%x: {t(x_shape, "i8")}) -> {t(out, "i32")} {{
  %w = arith.constant dense<{data}> : {t(w_shape, "i8")}
  %z = arith.constant 0 : i32
  %e = tensor.empty() : {t(out, "i32")}
  %i = linalg.fill ins(%z : i32) outs(%e : {t(out, "i32")}) -> {t(out, "i32")}
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<{dilation}> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}} ins(%x, %w : {t(x_shape, "i8")}, {t(w_shape, "i8")}) outs(%i : {t(out, "i32")}) -> {t(out, "i32")}
  return %r : {t(out, "i32")}
}}
""", out


def conv_reference(x, w, stride, dilation, out):
    x, w = x.astype(np.int64), w.astype(np.int64)
    kh, kw, _, _ = w.shape
    y = np.zeros(out, np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dilation:, j * dilation:, :][:, ::stride, ::stride, :]
            y += patch[:, :out[1], :out[2], :] @ w[i, j]
    return y.astype(np.int32)


def run_convs(args, rng):
    failures = 0
    for (x_shape, w_shape, stride, dilation), kind in zip(CONVS, ["nm", "ell"]):
        name = "conv %s k%dx%d s%d d%d %s" % ("x".join(map(str, x_shape)), w_shape[0],
                                             w_shape[1], stride, dilation, kind)
        base = os.path.join(args.work_dir, name.replace(" ", "-"))
        r = int(np.prod(w_shape[:3]))
        w = weight(rng, r, w_shape[3], kind).reshape(w_shape)
        x = rng.integers(-128, 128, size=x_shape).astype(np.int8)
        x.flat[0], x.flat[-1] = -128, 127
        text, out = conv_module(x_shape, w_shape, stride, dilation, w)
        with open(base + ".mlir", "w") as f:
            f.write(text)
        run([args.qc_opt, base + ".mlir", "--qc-sparsify=" + FORCE[kind],
             "-o", base + ".sparse.mlir"])
        sparse = open(base + ".sparse.mlir").read()
        assert "conv_2d" not in sparse, name + ": not sparsified"
        vec = run([args.qc_opt, base + ".sparse.mlir", "--pass-pipeline="
                   "builtin.module(func.func(qc-cpu-vectorize-gathers))"]).stdout
        np.save(base + ".x.npy", x)
        run([args.qc_run, base + ".sparse.mlir", "--input", base + ".x.npy",
             "--output", base + ".y.npy"])
        ok = np.array_equal(np.load(base + ".y.npy"),
                            conv_reference(x, w, stride, dilation, out))
        failures += not ok
        print(f"{name}: {'vectorized' if 'vector.transfer_read' in vec else 'scalar'}"
              f"{'' if ok else ' MISMATCH'}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qc-opt", required=True)
    ap.add_argument("--qc-run", required=True)
    ap.add_argument("--work-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    rng = np.random.default_rng(5)
    failures = cases = 0
    for m, k, n in SHAPES:
        for kind, unsigned in [("ell", False), ("nm", True), ("ell", True)]:
            cases += 1
            name = f"{m}x{k}x{n} {kind} {'unsigned' if unsigned else 'signed'}"
            base = os.path.join(args.work_dir, name.replace(" ", "-"))
            w = weight(rng, k, n, kind)
            a = rng.integers(-128, 128, size=(m, k)).astype(np.int8)
            a[0, :] = -128
            with open(base + ".mlir", "w") as f:
                f.write(module(m, k, n, w, unsigned))
            run([args.qc_opt, base + ".mlir", "--qc-sparsify=" + FORCE[kind],
                 "-o", base + ".sparse.mlir"])
            vec = run([args.qc_opt, base + ".sparse.mlir", "--pass-pipeline="
                       "builtin.module(func.func(qc-cpu-vectorize-gathers))"]).stdout
            np.save(base + ".a.npy", a)
            run([args.qc_run, base + ".sparse.mlir", "--input", base + ".a.npy",
                 "--output", base + ".y.npy"])
            got = np.load(base + ".y.npy")
            av = a.view(np.uint8) if unsigned else a
            wv = w.view(np.uint8) if unsigned else w
            expected = (av.astype(np.int64) @ wv.astype(np.int64)).astype(np.int32)
            ok = np.array_equal(got, expected)
            failures += not ok
            print(f"{name}: {'vectorized' if 'vector.transfer_read' in vec else 'scalar'}"
                  f"{'' if ok else ' MISMATCH'}")
    failures += run_convs(args, rng)
    cases += len(CONVS)
    if failures:
        sys.exit(f"{failures} of {cases} cases differ (inputs in {args.work_dir})")
    print(f"all {cases} cases bit-exact")


if __name__ == "__main__":
    main()
