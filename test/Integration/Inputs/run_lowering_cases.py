"""Runs every case of lowering_cases.py through `qc-run --target=T` (one
module per case, inputs as .npy files, opaque to constant folding) and
compares the outputs bit-exactly with python/qc/reference.py.

The same case sources run on the CPU and on Vulkan (test/Integration/CPU and
test/Integration/Vulkan call this driver with --target). Cases qc-run cannot
take are listed in RUN_SKIPPED with the reason, and reported."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lowering_cases  # noqa: E402
from qc_run_case import run_case  # noqa: E402

# Cases qc-run cannot take, with the reason (both targets); they still run on
# the CPU through mlir-runner in Integration/CPU/lower-to-linalg.py. i4/u4
# arguments travel one code per int8/uint8 element (docs/Numerics.md).
RUN_SKIPPED = [
    (lambda c: c.dynamic_args or c.dynamic_result,
     "dynamic shapes: qc-run (and a Vulkan bundle) needs static shapes"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-run", required=True)
    parser.add_argument("--target", required=True, choices=["cpu", "vulkan"])
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pipeline-options", default=None)
    parser.add_argument("--only", default="", help="run the cases whose name starts so")
    parser.add_argument("--row-block-cases", action="store_true",
                        help="run lowering_cases.row_block_cases instead of all_cases")
    parser.add_argument("--wide-cases", action="store_true",
                        help="run lowering_cases.wide_kernel_cases instead of all_cases")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures, ran, skipped = [], 0, []
    cases = (lowering_cases.row_block_cases(args.seed) if args.row_block_cases
             else lowering_cases.wide_kernel_cases(args.seed) if args.wide_cases
             else lowering_cases.all_cases(args.seed))
    for case in cases:
        if not case.name.startswith(args.only):
            continue
        reason = next((r for pred, r in RUN_SKIPPED if pred(case)), None)
        if reason:
            skipped.append((case.name, reason))
            continue
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        got, error = run_case(args.qc_run, args.target, base + ".mlir", case, base,
                              args.pipeline_options)
        ran += 1
        if error:
            failures.append(error)
            continue
        want = case.storage_expected()
        # Compare bit patterns (float results too) and dtypes.
        if got.dtype != want.dtype or got.shape != want.shape or \
                got.tobytes() != np.ascontiguousarray(want).tobytes():
            failures.append("%s: output differs from the reference (got %s%s, want %s%s)" % (
                case.name, got.dtype, got.shape, want.dtype, want.shape))
    for name, reason in skipped:
        print("skipped %s on %s: %s" % (name, args.target, reason))
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        sys.exit("%d of %d cases failed on %s" % (len(failures), ran, args.target))
    print("all %d cases bit-exact on %s (%d skipped)" % (ran, args.target, len(skipped)))


if __name__ == "__main__":
    main()
