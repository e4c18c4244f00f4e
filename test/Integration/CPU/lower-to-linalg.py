# Executes every op family lowered by --qc-lower-to-linalg on the CPU
# (mlir-runner) and compares the results bit-exactly with python/qc/reference.py.
#
# RUN: %python %s --qc-opt qc-opt --mlir-opt mlir-opt --mlir-runner mlir-runner --work-dir %t | FileCheck %s
# RUN: %python %s --qc-opt qc-opt --mlir-opt mlir-opt --mlir-runner mlir-runner --work-dir %t.nofold --no-fold | FileCheck %s
# CHECK: all {{[0-9]+}} cases bit-exact
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import lowering_cases  # noqa: E402
from upstream_cpu import execute, run  # noqa: E402

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-opt", required=True)
    parser.add_argument("--mlir-opt", required=True)
    parser.add_argument("--mlir-runner", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--no-fold", action="store_true",
                        help="compute constant weight sums at run time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    cases = lowering_cases.all_cases(args.seed)
    source = os.path.join(args.work_dir, "cases.mlir")
    lowered = os.path.join(args.work_dir, "lowered.mlir")
    llvm = os.path.join(args.work_dir, "llvm.mlir")
    with open(source, "w") as f:
        f.write(lowering_cases.build_module(cases))
    fold = "false" if args.no_fold else "true"
    run([args.qc_opt, source, "--qc-lower-to-linalg=fold-constant-weights=" + fold,
         "--qc-verify-integer-contract", "-o", lowered])
    stdout = execute(args.mlir_opt, args.mlir_runner, lowered, llvm)
    failures = 0
    for case, got in zip(cases, lowering_cases.parse_outputs(stdout, cases)):
        expected = np.asarray(case.expected, dtype=np.int64)
        if got.shape != expected.shape or not np.array_equal(got, expected):
            failures += 1
            bad = np.argwhere(got != expected)
            print("MISMATCH %s: %d of %d elements differ, first at %s: got %d, expected %d" % (
                case.name, len(bad), expected.size, tuple(bad[0]), got[tuple(bad[0])],
                expected[tuple(bad[0])]))
    if failures:
        sys.exit("%d of %d cases differ (inputs in %s)" % (failures, len(cases), source))
    print("all %d cases bit-exact" % len(cases))


if __name__ == "__main__":
    main()
