# Pruned models run on the CPU (mlir-runner) twice: dense (lowering only) and
# sparsified (--qc-sparsify before and after --qc-lower-to-linalg). Both must
# equal the numpy reference of the same pruned weights bit for bit, and the
# sparsified run must really use the representations it claims.
#
# RUN: %python %s --qc-opt qc-opt --mlir-opt mlir-opt --mlir-runner mlir-runner --work-dir %t | FileCheck %s
# CHECK: dense: all 6 cases bit-exact
# CHECK-DAG: remark: qc-sparsify: removed 6 of 16 zero output channels, constant outputs folded into the consumers' biases
# CHECK-DAG: remark: qc-sparsify: removed 3 of 8 zero output channels, constant outputs folded into the consumers' biases
# CHECK-DAG: remark: qc-sparsify: 2:4 (sparsity 0.500), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: 1:4 (sparsity 0.750), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: unstructured (sparsity 0.900, {{.*}}: ELL kernel
# CHECK-DAG: remark: qc-sparsify: sparsity 0.301 below min-sparsity 0.500; kept dense
# CHECK: sparsified: all 6 cases bit-exact
import argparse
import os
import shlex
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import lowering_cases as lc  # noqa: E402
from qc import reference as ref  # noqa: E402
from qc.prune import prune_masks  # noqa: E402

CPU_PIPELINE = (
    "builtin.module(one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map}, buffer-deallocation-pipeline, "
    "convert-bufferization-to-memref, "
    "convert-linalg-to-loops, expand-strided-metadata, lower-affine, convert-scf-to-cf, "
    "convert-to-llvm, reconcile-unrealized-casts)")


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit("FAILED (exit %d), reproduce with:\n  %s" % (
            result.returncode, " ".join(shlex.quote(c) for c in cmd)))
    return result


def pruned(rng, shape, pattern, sparsity):
    """Random i8 codes pruned by the --qc-prune rule (magnitude = |code|)."""
    w = rng.integers(-127, 128, size=shape)
    return np.where(prune_masks([np.abs(w)], pattern, sparsity)[0], 0, w)


def output(acc, aq, wq, yq, clamp=None):
    real = aq.scales[0] * wq.scales / yq.scales[0]
    return ref.output_stage(acc, real if wq.axis is not None else real[0], yq.zps[0],
                            yq.qmin, yq.qmax, clamp=clamp)


def single_matmul(name, rng, m, k, n, pattern, sparsity):
    aq = lc.QType(0.05, 3)
    wq = lc.QType(rng.uniform(0.01, 0.03, n), 0, axis=1)
    yq = lc.QType(lc.spread_scale(0.05, 0.02, k * (1 - sparsity)), -2)
    c = lc.Case(name)
    a = aq.random(rng, (m, k))
    w = pruned(rng, (k, n), pattern, sparsity)
    bias_q = lc.QType(aq.scales[0] * wq.scales, 0, bits=32, axis=0)
    bias = rng.integers(-3000, 3000, size=(n,))
    an, wn, bn = c.arg(a, aq), c.const(w, wq), c.const(bias, bias_q)
    c.body.append("%%r = qc.matmul %s, %s bias %s : %s, %s, %s -> %s" % (
        an, wn, bn, aq.tensor((m, k)), wq.tensor((k, n)), bias_q.tensor((n,)), yq.tensor((m, n))))
    c.result = (yq, (m, n))
    c.expected = output(ref.matmul(a, aq.zps[0], w, wq.zps, bias), aq, wq, yq)
    return c


def matmul_chain(name, rng):
    """matmul (6 of 16 channels pruned, bias, ReLU-like clamp) -> matmul with
    per-channel zero points: the removed channels' constants fold exactly."""
    m, k, n, p = 4, 32, 16, 5
    aq, wq, yq = lc.QType(0.05, -4), lc.QType(0.02, 0), lc.QType(lc.spread_scale(0.05, 0.02, k), -5)
    w2q = lc.QType(rng.uniform(0.01, 0.03, p), rng.integers(-3, 4, p), axis=1)
    zq = lc.QType(lc.spread_scale(yq.scales[0], 0.02, n), 1)
    c = lc.Case(name)
    a = aq.random(rng, (m, k))
    w = pruned(rng, (k, n), "channel", 6 / 16)
    bias_q = lc.QType(aq.scales[0] * wq.scales[0], 0, bits=32)
    bias = rng.integers(-20000, 20000, size=(n,))
    w2 = w2q.random(rng, (n, p))
    an, wn, bn, w2n = c.arg(a, aq), c.const(w, wq), c.const(bias, bias_q), c.const(w2, w2q)
    c.body.append("%%y = qc.matmul %s, %s bias %s clamp [-5, 127] : %s, %s, %s -> %s" % (
        an, wn, bn, aq.tensor((m, k)), wq.tensor((k, n)), bias_q.tensor((n,)), yq.tensor((m, n))))
    c.body.append("%%r = qc.matmul %%y, %s : %s, %s -> %s" % (
        w2n, yq.tensor((m, n)), w2q.tensor((n, p)), zq.tensor((m, p))))
    c.result = (zq, (m, p))
    y = output(ref.matmul(a, aq.zps[0], w, wq.zps, bias), aq, wq, yq, clamp=(-5, 127))
    c.expected = output(ref.matmul(y, yq.zps[0], w2, w2q.zps), yq, w2q, zq)
    return c


def conv_chain(name, rng):
    """conv (3 of 8 filters pruned, bias) -> unpadded conv with bias."""
    xq, wq = lc.QType(0.05, 2), lc.QType(rng.uniform(0.01, 0.03, 8), 0, axis=3)
    yq = lc.QType(lc.spread_scale(0.05, 0.02, 27), 3)
    w2q = lc.QType(0.02, 0)
    zq = lc.QType(lc.spread_scale(yq.scales[0], 0.02, 72), -1)
    c = lc.Case(name)
    x = xq.random(rng, (1, 7, 7, 3))
    w = pruned(rng, (3, 3, 3, 8), "channel", 3 / 8)
    bias_q = lc.QType(xq.scales[0] * wq.scales, 0, bits=32, axis=0)
    bias = rng.integers(-5000, 5000, size=(8,))
    w2 = w2q.random(rng, (3, 3, 8, 4))
    bias2_q = lc.QType(yq.scales[0] * w2q.scales[0], 0, bits=32)
    bias2 = rng.integers(-5000, 5000, size=(4,))
    xn, wn, bn = c.arg(x, xq), c.const(w, wq), c.const(bias, bias_q)
    w2n, b2n = c.const(w2, w2q), c.const(bias2, bias2_q)
    c.body.append("%%y = qc.conv2d %s, %s bias %s {padding = array<i64: 1, 1, 1, 1>} : %s, %s, %s -> %s" % (
        xn, wn, bn, xq.tensor((1, 7, 7, 3)), wq.tensor((3, 3, 3, 8)), bias_q.tensor((8,)),
        yq.tensor((1, 7, 7, 8))))
    c.body.append("%%r = qc.conv2d %%y, %s bias %s : %s, %s, %s -> %s" % (
        w2n, b2n, yq.tensor((1, 7, 7, 8)), w2q.tensor((3, 3, 8, 4)), bias2_q.tensor((4,)),
        zq.tensor((1, 5, 5, 4))))
    c.result = (zq, (1, 5, 5, 4))
    y = output(ref.conv2d(x, xq.zps[0], w, wq.zps, bias, padding=(1, 1, 1, 1)), xq, wq, yq)
    c.expected = output(ref.conv2d(y, yq.zps[0], w2, w2q.zps, bias2), yq, w2q, zq)
    return c


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-opt", required=True)
    parser.add_argument("--mlir-opt", required=True)
    parser.add_argument("--mlir-runner", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    lib_dir = os.path.join(os.path.dirname(os.path.realpath(args.mlir_runner)), "..", "lib")
    libs = ",".join(os.path.join(lib_dir, l)
                    for l in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))
    os.makedirs(args.work_dir, exist_ok=True)
    rng = np.random.default_rng(11)
    cases = [single_matmul("mm_2of4", rng, 5, 64, 12, "2:4", 0.5),
             single_matmul("mm_1of4", rng, 3, 32, 8, "1:4", 0.75),
             single_matmul("mm_u90", rng, 3, 160, 16, "unstructured", 0.9),
             single_matmul("mm_u30", rng, 3, 32, 8, "unstructured", 0.3),
             matmul_chain("mm_chain", rng), conv_chain("conv_chain", rng)]
    source = os.path.join(args.work_dir, "cases.mlir")
    with open(source, "w") as f:
        f.write(lc.build_module(cases))
    for label, stages in [("dense", [["--qc-lower-to-linalg"]]),
                          # Unit kernel costs: these shapes are too small for
                          # the measured costs to pick a kernel, and the point
                          # here is exactness of every representation.
                          ("sparsified", [["--qc-sparsify"], ["--qc-lower-to-linalg"],
                                          ["--qc-sparsify=nm-cost=1 ell-cost=1 "
                                           "nm-cost-gemv=1 ell-cost-gemv=1"]])]:
        current = source
        for i, stage in enumerate(stages):
            out = os.path.join(args.work_dir, "%s.%d.mlir" % (label, i))
            res = run([args.qc_opt, current, *stage, "-o", out])
            sys.stdout.write("".join(l + "\n" for l in res.stderr.splitlines()
                                     if "remark: qc-sparsify" in l))
            current = out
        llvm = os.path.join(args.work_dir, label + ".llvm.mlir")
        run([args.mlir_opt, current, "--pass-pipeline=" + CPU_PIPELINE, "-o", llvm])
        stdout = run([args.mlir_runner, llvm, "-e", "main", "-entry-point-result=void",
                      "-shared-libs=" + libs]).stdout
        failures = 0
        for case, got in zip(cases, lc.parse_outputs(stdout, cases)):
            expected = np.asarray(case.expected, dtype=np.int64)
            if not np.array_equal(got, expected):
                failures += 1
                bad = np.argwhere(got != expected)
                print("MISMATCH %s %s: %d of %d elements differ, first at %s" % (
                    label, case.name, len(bad), expected.size, tuple(bad[0])))
        if failures:
            sys.exit("%s: %d of %d cases differ (inputs in %s)" % (label, failures, len(cases),
                                                                  source))
        print("%s: all %d cases bit-exact" % (label, len(cases)))


if __name__ == "__main__":
    main()
