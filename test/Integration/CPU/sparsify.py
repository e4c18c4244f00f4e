# Pruned models run on the CPU (mlir-runner) twice: dense (lowering only) and
# sparsified (--qc-remove-zero-channels before --qc-lower-to-linalg,
# --qc-sparsify after it). Both must
# equal the numpy reference of the same pruned weights bit for bit, and the
# sparsified run must really use the representations it claims.
#
# RUN: %python %s --qc-opt qc-opt --mlir-opt mlir-opt --mlir-runner mlir-runner --work-dir %t | FileCheck %s
# CHECK: dense: all 9 cases bit-exact
# CHECK-DAG: remark: qc-remove-zero-channels: removed 6 of 16 zero output channels, constant outputs folded into the consumers' biases
# CHECK-DAG: remark: qc-remove-zero-channels: removed 3 of 8 zero output channels, constant outputs folded into the consumers' biases
# CHECK-DAG: remark: qc-sparsify: 2:4 (sparsity 0.500), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: 1:4 (sparsity 0.750), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: unstructured (sparsity 0.900, {{.*}}: ELL kernel
# CHECK-DAG: remark: qc-sparsify: sparsity 0.301 below min-sparsity 0.500; kept dense
# CHECK-DAG: remark: qc-sparsify: 2:4 (sparsity 0.500), {{.*}} vs dense 72.0: N:M kernel
# CHECK-DAG: remark: qc-sparsify: unstructured (sparsity 0.900, {{.*}} of 18), {{.*}}: ELL kernel
# CHECK-DAG: remark: qc-sparsify: convolution on unsigned codes kept dense
# CHECK: sparsified: all 9 cases bit-exact
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import lowering_cases as lc  # noqa: E402
import sparse_cases  # noqa: E402
from upstream_cpu import execute, run  # noqa: E402

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-opt", required=True)
    parser.add_argument("--mlir-opt", required=True)
    parser.add_argument("--mlir-runner", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    cases = sparse_cases.all_cases()
    source = os.path.join(args.work_dir, "cases.mlir")
    with open(source, "w") as f:
        f.write(lc.build_module(cases))
    for label, stages in [("dense", [["--qc-lower-to-linalg"]]),
                          # Tiny kernel costs: these shapes are too small for
                          # the measured costs to pick a kernel, and the point
                          # here is exactness of every representation.
                          ("sparsified", [["--qc-remove-zero-channels"], ["--qc-lower-to-linalg"],
                                          ["--qc-sparsify=nm-cost=0.01 ell-cost=0.01 "
                                           "nm-cost-gemv=0.01 ell-cost-gemv=0.01"]])]:
        current = source
        for i, stage in enumerate(stages):
            out = os.path.join(args.work_dir, "%s.%d.mlir" % (label, i))
            res = run([args.qc_opt, current, *stage, "-o", out])
            sys.stdout.write("".join(l + "\n" for l in res.stderr.splitlines()
                                     if "remark: qc-sparsify" in l
                                     or "remark: qc-remove-zero-channels" in l))
            current = out
        llvm = os.path.join(args.work_dir, label + ".llvm.mlir")
        stdout = execute(args.mlir_opt, args.mlir_runner, current, llvm)
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
