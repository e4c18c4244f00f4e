"""Runs lowering_cases cases on qc-cpu-int8-kernels' 16-bit kernels: each
case lowered to linalg (dense) and, where asked, through --qc-pack-weights
(packed); per form, what the kernels made of it (printed; one left on the
generic path fails the run: no silent fallback), then qc-run --target=cpu
on the generic path (x86-vnni=false) and with the host's VNNI on one and on
two threads (every loop parallel), each bit-exact against the numpy
reference (python/qc/reference.py)."""
import argparse
import os
import sys

import numpy as np

from packed_check import save_inputs, signless
from upstream_cpu import run

PIPELINE_OPTIONS = ("x86-vnni=false", "threads=1", "threads=2 parallel-min-work=0")


def kernel_ir(qc_opt, mlir):
    """The IR after qc-cpu-int8-kernels in the VNNI pipeline."""
    return run([qc_opt, mlir, "--qc-cpu-pipeline=x86-vnni=true",
                "--mlir-print-ir-after=qc-cpu-int8-kernels", "-o", os.devnull]).stderr


def main(cases, kernel_kind, summary, packed=lambda case: True, check_expected=None):
    """`kernel_kind(case, ir)`: a word on the IR after qc-cpu-int8-kernels,
    starting with GENERIC where a contraction stayed generic. `summary`: how
    the last line names what ran. `packed(case)`: whether the case runs
    packed too. `check_expected(case, expected)`: an error message where the
    reference output misses what the case is meant to reach, else None."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--qc-opt", required=True)
    ap.add_argument("--qc-run", required=True)
    ap.add_argument("--work-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures = 0
    for case in cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        run([args.qc_opt, base + ".mlir", "--qc-lower-to-linalg", "-o", base + ".dense.mlir"])
        forms = ("dense", "packed") if packed(case) else ("dense",)
        if packed(case):
            run([args.qc_opt, base + ".dense.mlir", "--qc-pack-weights", "-o",
                 base + ".packed.mlir"])
        inputs = save_inputs(case, base)
        expected = signless(case.storage_expected())
        for form in forms:
            mlir = "%s.%s.mlir" % (base, form)
            kind = kernel_kind(case, kernel_ir(args.qc_opt, mlir))
            print("%s %s: %s" % (case.name, form, kind))
            failures += kind.startswith("GENERIC")
            for options in PIPELINE_OPTIONS:
                out = "%s.%s.%s.out.npy" % (base, form, options.split()[0])
                run([args.qc_run, mlir, "--target=cpu", "--entry", case.name, *inputs,
                     "--output", out, "--pipeline-options=" + options])
                got = np.load(out)
                if got.shape != expected.shape or not np.array_equal(got, expected):
                    failures += 1
                    print("MISMATCH %s %s %s: %s" % (case.name, form, options,
                                                     np.argwhere(got != expected)[:5].tolist()))
        problem = check_expected(case, expected) if check_expected else None
        if problem:
            failures += 1
            print(problem)
    if failures:
        sys.exit("%d runs differ" % failures)
    print("all %d cases bit-exact (%s)" % (len(cases), summary))
