# The pruned models of the CPU test (test/Integration/Inputs/sparse_cases.py)
# on the Vulkan device: each runs dense and sparsified for target=gpu (channel
# removal, N:M kernels, which also cover a 90 % unstructured weight as 5:16,
# and a 2:4 conv filter; ELL is not used on the GPU: the 90 % conv stays dense)
# through
# qc-vulkan-run, and both must equal the numpy reference bit for bit.
#
# RUN: %python %s --qc-opt qc-opt --runner qc-vulkan-run --work-dir %t | FileCheck %s
# CHECK-DAG: remark: qc-remove-zero-channels: removed 6 of 16 zero output channels
# CHECK-DAG: remark: qc-remove-zero-channels: removed 3 of 8 zero output channels
# CHECK-DAG: remark: qc-sparsify: 2:4 (sparsity 0.500), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: 1:4 (sparsity 0.750), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: 5:16 (sparsity 0.900), {{.*}}: N:M kernel
# CHECK-DAG: remark: qc-sparsify: 2:4 (sparsity 0.500), {{.*}} vs dense 72.0: N:M kernel
# CHECK-DAG: remark: qc-sparsify: unstructured sparsity 0.900 has no GPU kernel; kept dense
# CHECK-DAG: remark: qc-sparsify: convolution on unsigned codes kept dense
# CHECK: vulkan: all 9 cases bit-exact, dense and sparsified
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import sparse_cases  # noqa: E402
from upstream_cpu import run  # noqa: E402

# Tiny kernel costs: these shapes are too small for the measured costs to pick
# a kernel, and the point here is exactness of every representation.
SPARSIFY = "--qc-sparsify=target=gpu nm-cost=0.01 ell-cost=0.01 nm-cost-gemv=0.01 ell-cost-gemv=0.01"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-opt", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    # The Vulkan bundle has no padded convolution yet (tensor.pad copies).
    cases = sparse_cases.all_cases(conv_padding=0)
    failures = 0
    for case in cases:
        base = os.path.join(args.work_dir, case.name)
        dense = base + ".mlir"
        with open(dense, "w") as f:
            f.write(case.func_text() + "\n")
        stages = [run([args.qc_opt, dense, "--qc-remove-zero-channels", "-o",
                       base + ".1.mlir"])]
        stages.append(run([args.qc_opt, base + ".1.mlir", "--qc-lower-to-linalg",
                           "-o", base + ".2.mlir"]))
        stages.append(run([args.qc_opt, base + ".2.mlir", SPARSIFY, "-o", base + ".sparse.mlir"]))
        for stage in stages:
            sys.stdout.write("".join(l + "\n" for l in stage.stderr.splitlines()
                                     if "remark: qc-sparsify" in l
                                     or "remark: qc-remove-zero-channels" in l))
        inputs = []
        for i, (values, q) in enumerate(case.args):
            path = "%s.in%d.npy" % (base, i)
            np.save(path, values.astype(np.uint8 if not q.signed else np.int8))
            inputs += ["--input", path]
        expected = np.asarray(case.expected, dtype=np.int64)
        for label, module in [("dense", dense), ("sparsified", base + ".sparse.mlir")]:
            out = "%s.%s.out.npy" % (base, label)
            run([args.runner, module, "--entry", case.name, *inputs, "--output", out])
            got = np.load(out).astype(np.int64)
            if got.shape != expected.shape or not np.array_equal(got, expected):
                failures += 1
                print("MISMATCH %s %s" % (label, case.name))
    if failures:
        sys.exit("%d runs differ" % failures)
    print("vulkan: all %d cases bit-exact, dense and sparsified" % len(cases))


if __name__ == "__main__":
    main()
