# Results whose last dimension is 16k+1 (one element past the last full
# 16-lane vector): the kernels' row tail is a masked store of one lane of a
# truncated vector, which LLVM 22's X86 back end turns into a 4-byte store
# (three bytes into the next row). qc rewrites such stores into scalar ones
# after LLVM's optimizations (lib/Target/LLVMIR/LLVMWorkarounds.cpp), in the
# JIT and in objects. Without the rewrite, rows 1.. of these results lose
# their first three outputs. Bit-exact against the numpy reference: JIT with
# 1 and 2 threads and without VNNI, and a qc-compile'd library loaded by
# qc.load.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s --work-dir %t | FileCheck %s
# CHECK-NOT: MISMATCH
# CHECK: all 7 cases bit-exact: jit threads=1, jit threads=2, jit portable, library
import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import lowering_cases as lc  # noqa: E402
from lowering_cases import QType  # noqa: E402

import qc  # noqa: E402


def cases():
    rng = np.random.default_rng(17)

    def pc(n, axis=1):
        return QType(rng.uniform(0.005, 0.05, n), rng.integers(-4, 5, n), axis=axis)

    out = [
        lc.matmul_case("t_mm_8_31_17", rng, 8, 31, 17, QType(0.05, 1), pc(17),
                       QType(lc.spread_scale(0.05, 0.03, 31), 3), const_weights=True),
        lc.matmul_case("t_mm_65_3_17", rng, 65, 3, 17, QType(0.05, -2), pc(17),
                       QType(lc.spread_scale(0.05, 0.03, 3), 0), const_weights=True),
        lc.matmul_case("t_mm_24_40_33_arg", rng, 24, 40, 33, QType(0.05, 0), QType(0.02, 1),
                       QType(lc.spread_scale(0.05, 0.03, 40), -5)),
        lc.matmul_case("t_mm_u8_9_64_49", rng, 9, 64, 49, QType(0.05, 128, signed=False),
                       QType(0.02, 0), QType(lc.spread_scale(0.05, 0.02, 64), 100, signed=False),
                       const_weights=True),
        lc.matmul_case("t_mm_i16_12_20_17", rng, 12, 20, 17, QType(0.05, 3), pc(17),
                       QType(lc.spread_scale(0.0005, 0.0003, 20), 7, bits=16), const_weights=True),
        lc.conv2d_case("t_conv_17", rng, (1, 6, 7, 8), (3, 3, 8, 17), QType(0.05, -3),
                       pc(17, axis=3), QType(lc.spread_scale(0.05, 0.03, 72), 2),
                       padding=(1, 1, 1, 1), const_weights=True),
        lc.conv2d_case("t_dw_c17", rng, (1, 5, 5, 17), (3, 3, 1, 17), QType(0.05, 1),
                       pc(17, axis=3), QType(lc.spread_scale(0.05, 0.03, 9), 0),
                       padding=(1, 1, 1, 1), groups=17, const_weights=True),
    ]
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    runs = [("jit threads=1", ["--threads=1"]), ("jit threads=2", ["--threads=2"]),
            ("jit portable", ["--threads=1", "--pipeline-options=x86-vnni=false"])]
    all_cases = cases()
    mismatches = 0
    for case in all_cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        inputs = case.storage_inputs()
        want = case.storage_expected()
        command = ["qc-run", "--target=cpu", base + ".mlir", "--entry", case.name]
        for i, value in enumerate(inputs):
            np.save("%s.in%d.npy" % (base, i), value)
            command += ["--input", "%s.in%d.npy" % (base, i)]
        for label, extra in runs:
            subprocess.run(command + extra + ["--output", base + ".out.npy"], check=True)
            got = np.load(base + ".out.npy")
            if got.shape != want.shape or (got != want).any():
                mismatches += 1
                print("MISMATCH %s (%s): %d of %d outputs" % (
                    case.name, label, int((got != want).sum()), want.size))
        library = base + ".so"
        subprocess.run(["qc-compile", base + ".mlir", "--entry", case.name, "-o", library],
                       check=True)
        got = np.asarray(qc.load(library)(*inputs))
        if got.shape != want.shape or (got != want).any():
            mismatches += 1
            print("MISMATCH %s (library): %d of %d outputs" % (
                case.name, int((got != want).sum()), want.size))
    if not mismatches:
        print("all %d cases bit-exact: %s, library" % (
            len(all_cases), ", ".join(label for label, _ in runs)))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
