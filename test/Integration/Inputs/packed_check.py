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


def main(cases, label, runner_args, packed_only=()):
    """`packed_only`: cases whose dense form the runner cannot take (named in
    the output, never skipped silently)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-opt", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures = 0
    for case in cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        run([args.qc_opt, base + ".mlir", "--qc-lower-to-linalg", "-o", base + ".dense.mlir"])
        packed = run([args.qc_opt, base + ".dense.mlir", "--qc-pack-weights",
                      "-o", base + ".packed.mlir"])
        sys.stdout.write("".join(l + "\n" for l in packed.stderr.splitlines()
                                 if "remark: qc-pack-weights" in l))
        inputs = []
        for i, values in enumerate(case.storage_inputs()):
            path = "%s.in%d.npy" % (base, i)
            np.save(path, signless(values))
            inputs += ["--input", path]
        expected = signless(case.storage_expected())
        kinds = ("packed",) if case.name in packed_only else ("dense", "packed")
        if case.name in packed_only:
            print("%s: %s runs packed only" % (label, case.name))
        for kind in kinds:
            out = "%s.%s.out.npy" % (base, kind)
            run([args.runner, "%s.%s.mlir" % (base, kind), *runner_args, "--entry", case.name,
                 *inputs, "--output", out])
            got = np.load(out)
            if got.shape != expected.shape or not np.array_equal(got, expected):
                failures += 1
                print("MISMATCH %s %s: %s" % (kind, case.name,
                                              np.argwhere(got != expected)[:5].tolist()))
    if failures:
        sys.exit("%d runs differ" % failures)
    print("%s: all %d cases bit-exact, dense and packed" % (label, len(cases)))
