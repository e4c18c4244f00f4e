"""Runs the packed_cases models dense and through --qc-pack-weights on one
runner (qc-run --target=cpu or qc-vulkan-run) and checks both against the
numpy reference bit for bit."""
import argparse
import os
import sys

import numpy as np

from upstream_cpu import run


def signless(values):
    """The modules are lowered already: their signatures are signless, so
    unsigned codes travel as the signed type of the same width."""
    if values.dtype.kind == "u":
        return values.view(np.dtype("int%d" % (8 * values.dtype.itemsize)))
    return values


def save_inputs(case, base):
    """Saves `case`'s storage inputs (signless) as `base`.inN.npy; returns
    the runner's --input arguments for them."""
    inputs = []
    for i, values in enumerate(case.storage_inputs()):
        path = "%s.in%d.npy" % (base, i)
        np.save(path, signless(values))
        inputs += ["--input", path]
    return inputs


def main(cases, label, runner_args, packed_only=(), kernel_pass=None, packed_runs=((),)):
    """`packed_only`: cases whose dense form the runner cannot take (named in
    the output, never skipped silently). `kernel_pass`: a qc-opt pass after
    which no packed generic (its `linalg.index`) may be left; the cases that
    keep one are printed. `packed_runs`: extra runner arguments, one run of
    the packed form each (e.g. thread counts)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-opt", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures = 0
    scalar = []
    for case in cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        run([args.qc_opt, base + ".mlir", "--qc-lower-to-linalg", "-o", base + ".dense.mlir"])
        packed = run([args.qc_opt, base + ".dense.mlir", "--qc-pack-weights",
                      "-o", base + ".packed.mlir"])
        sys.stdout.write("".join(l + "\n" for l in packed.stderr.splitlines()
                                 if "remark: qc-pack-weights" in l))
        if kernel_pass:
            kernels = run([args.qc_opt, base + ".packed.mlir", kernel_pass])
            if "linalg.index" in kernels.stdout:
                scalar.append(case.name)
        inputs = save_inputs(case, base)
        expected = signless(case.storage_expected())
        kinds = ("packed",) if case.name in packed_only else ("dense", "packed")
        if case.name in packed_only:
            print("%s: %s runs packed only" % (label, case.name))
        runs = [(kind, ()) for kind in kinds if kind == "dense"]
        runs += [("packed", extra) for extra in packed_runs]
        for kind, extra in runs:
            out = "%s.%s.out.npy" % (base, kind)
            run([args.runner, "%s.%s.mlir" % (base, kind), *runner_args, *extra,
                 "--entry", case.name, *inputs, "--output", out])
            got = np.load(out)
            if got.shape != expected.shape or not np.array_equal(got, expected):
                failures += 1
                print("MISMATCH %s %s %s: %s" % (kind, " ".join(extra), case.name,
                                                 np.argwhere(got != expected)[:5].tolist()))
    if kernel_pass:
        print("%s: packed generics left scalar by %s: %s" % (label, kernel_pass,
                                                             " ".join(scalar) or "none"))
    if failures:
        sys.exit("%d runs differ" % failures)
    print("%s: all %d cases bit-exact, dense and packed" % (label, len(cases)))
