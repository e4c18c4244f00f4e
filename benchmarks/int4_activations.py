#!/usr/bin/python3
"""4-bit activations two codes per byte against one per byte, same run.

Builds a chain of `--layers` 1x1 convolutions on an HxWxC image (default
56x56x64) with symmetric i4 weights and i4 activations between them (a
W4A4 block of a mixed-precision model), compiles it with qc-run
--target=cpu (the host's VNNI) with `pack-int4-activations` true and false,
and times `--repeat` calls, alternating the two in `--rounds` pairs. Both
outputs must equal the numpy reference. Prints the bytes of one
intermediate activation in each form and min / median times.

  benchmarks/int4_activations.py --build build [--shape 56x56x64] [--layers 6]
                                 [--repeat 50] [--rounds 4] [--threads 1]

Not a test: it measures. docs/CPUKernels.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "Integration", "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import int4_kernel_cases as cases  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--shape", default="56x56x64")
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    h, w, c = (int(v) for v in args.shape.split("x"))
    rng = np.random.default_rng(0)
    layers = [("conv", c, "i4s", "i4", 1)] * (args.layers - 1) + [("conv", c, "i4s", "i8", 1)]
    case = cases.chain("block", rng, (1, h, w, c), layers)
    work = tempfile.mkdtemp(prefix="qc-int4act-")
    src = os.path.join(work, "block.mlir")
    with open(src, "w") as f:
        f.write(case.func_text() + "\n")
    inputs = []
    for i, values in enumerate(case.storage_inputs()):
        path = os.path.join(work, "in%d.npy" % i)
        np.save(path, values)
        inputs += ["--input", path]
    qc_run = os.path.join(args.build, "bin", "qc-run")
    times = {True: [], False: []}
    for _ in range(args.rounds):
        for packed in (True, False):
            out = os.path.join(work, "out_%d.npy" % packed)
            r = subprocess.run(
                [qc_run, "--target=cpu", src, "--entry", "block", *inputs, "--output", out,
                 "--repeat=%d" % args.repeat, "--threads=%d" % args.threads,
                 "--pipeline-options=pack-int4-activations=%s" % str(packed).lower()],
                capture_output=True, text=True, check=True)
            got = np.load(out)
            if not np.array_equal(got, case.storage_expected()):
                sys.exit("output differs from the reference (packed=%s)" % packed)
            m = re.search(r"min ([0-9.]+) ?ms.*median ([0-9.]+) ?ms", r.stdout + r.stderr)
            if not m:
                sys.exit("no timing in qc-run's output:\n" + r.stdout + r.stderr)
            times[packed].append((float(m.group(1)), float(m.group(2))))
    act = h * w * c
    print("block: %d 1x1 convolutions on 1x%dx%dx%d, i4 weights and activations, threads=%d"
          % (args.layers, h, w, c, args.threads))
    print("intermediate activation: %d bytes one per byte, %d two per byte (+4 slack)"
          % (act, h * w * ((c + 1) // 2) + 4))
    for packed in (False, True):
        mins = [t[0] for t in times[packed]]
        meds = [t[1] for t in times[packed]]
        print("%-14s min %.3f ms, median of medians %.3f ms  (rounds: %s)" % (
            "two per byte" if packed else "one per byte", min(mins), float(np.median(meds)),
            " ".join("%.3f" % m for m in meds)))


if __name__ == "__main__":
    main()
