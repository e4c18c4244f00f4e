#!/usr/bin/python3
"""Instructions per inference of Vulkan bundles on lavapipe, under callgrind.

usage: benchmarks/vulkan_instructions.py --input X.npy [--input ...]
          [--repeat N] [--runner BIN] LABEL=BUNDLE_DIR ...

On the shared 2-core VM wall-clock times (and even user+sys CPU times, whose
first run carries lavapipe's shader compiles) swing 2-3x with the load, so
an A/B between kernel variants needs a figure the load does not move: the
instructions executed, counted by valgrind's callgrind in every thread,
lavapipe's JIT-compiled shaders included (--smc-check=all). Each bundle is
run once natively (fills lavapipe's shader cache, so that both counted runs
load the compiled shaders instead of running LLVM), then under callgrind
with `qc-vulkan-run --repeat 1` and `--repeat N`; the figure is the
difference over N-1. Every bundle's output must be bit-identical with the
first's. Instructions are a proxy, not a time: the per-lane load loops and
the multiply-adds retire at different rates, so a variant that wins here
should still be confirmed with benchmarks/vulkan_ab.py at low load. A
benchmark, not a test; needs valgrind.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collected(cmd):
    """Runs cmd under callgrind; returns the instructions it counted."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", "--smc-check=all",
             "--callgrind-out-file=" + os.path.join(tmp, "cg.out")] + cmd,
            capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("failed under callgrind: %s\n%s" % (" ".join(cmd),
                                                     proc.stderr[-2000:]))
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if not match:
        sys.exit("no callgrind total for %s" % " ".join(cmd))
    return int(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runner",
                        default=os.path.join(ROOT, "build", "bin",
                                             "qc-vulkan-run"))
    parser.add_argument("bundles", nargs="+", help="LABEL=BUNDLE_DIR")
    args = parser.parse_args()
    if args.repeat < 2:
        sys.exit("--repeat must be at least 2")
    inputs = [x for path in args.input for x in ("--input", path)]
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.bundles:
            label, _, bundle = spec.partition("=")
            out = os.path.join(tmp, label + ".npy")
            cmd = [args.runner, "--bundle", bundle] + inputs
            proc = subprocess.run(cmd + ["--output", out], capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                sys.exit("%s failed:\n%s" % (label, proc.stderr))
            result = np.load(out)
            if first is None:
                first = result
            elif not np.array_equal(first, result):
                sys.exit("%s: output differs from the first bundle's" % label)
            once = collected(cmd + ["--repeat", "1"])
            many = collected(cmd + ["--repeat", str(args.repeat)])
            print("%s: %.2f M instructions per inference (repeat 1: %.1f M, "
                  "repeat %d: %.1f M)" % (label, (many - once) /
                                          (args.repeat - 1) / 1e6, once / 1e6,
                                          args.repeat, many / 1e6))
            sys.stdout.flush()
    print("outputs bit-identical")


if __name__ == "__main__":
    main()
