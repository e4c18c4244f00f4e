#!/usr/bin/python3
"""Fixed cost per Vulkan dispatch: a chain of N element-wise adds.

usage: benchmarks/vulkan_dispatch_cost.py [--steps N] [--shape 8]
          [--shape 4x8x64] [--repeat R] [--rounds K] [--profile]
          [--env VAR=VALUE ...] [--runner BIN]

Each shape becomes `y = a + b + b + ... + b` (N `arith.addi`, one kernel
and one dispatch each: the SPIR-V pipeline does not fuse them) on i32
tensors, run by `qc-vulkan-run --repeat R`; the output is checked against
numpy. Prints per round and shape the wall minimum and median of a run, the
process's CPU time per run (qc-vulkan-run's `host:` / `cpu:` lines) and the
minimum over N, i.e. the time per dispatch. A shape of 8 elements is one
workgroup whose kernel is a few thousand instructions, so its time per
dispatch is the driver's fixed cost (lavapipe, 2026-12-07: ~9 µs); bigger
shapes add their kernels' work. The rounds alternate the shapes (and each
--env setting, e.g. LP_NUM_THREADS=1, against the default) so that they
see the same load. --profile adds timestamps after every step (to measure
what they cost). A benchmark, not a test.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chain(shape, steps):
    ty = "tensor<%sxi32>" % "x".join(map(str, shape))
    lines = ["func.func @main(%%a: %s, %%b: %s) -> %s {" % (ty, ty, ty)]
    prev = "%a"
    for i in range(steps):
        lines.append("  %%t%d = arith.addi %s, %%b : %s" % (i, prev, ty))
        prev = "%%t%d" % i
    lines.append("  return %s : %s\n}\n" % (prev, ty))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=70)
    parser.add_argument("--shape", action="append",
                        help="AxBx... (repeatable; default 8 and 4x8x64)")
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--env", action="append", default=[],
                        help="VAR=VALUE: also run with this setting")
    parser.add_argument("--runner",
                        default=os.path.join(ROOT, "build", "bin",
                                             "qc-vulkan-run"))
    args = parser.parse_args()
    if args.repeat < 2 or args.steps < 1:
        sys.exit("--repeat must be at least 2 and --steps at least 1")
    shapes = [tuple(int(d) for d in s.split("x"))
              for s in (args.shape or ["8", "4x8x64"])]
    settings = [("default", {})]
    for spec in args.env:
        var, _, value = spec.partition("=")
        settings.append((spec, {var: value}))
    rng = np.random.default_rng(18)
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for shape in shapes:
            name = "x".join(map(str, shape))
            src = os.path.join(tmp, name + ".mlir")
            with open(src, "w") as f:
                f.write(chain(shape, args.steps))
            a = rng.integers(-1000, 1000, shape, dtype=np.int32)
            b = rng.integers(-1000, 1000, shape, dtype=np.int32)
            np.save(os.path.join(tmp, name + "_a.npy"), a)
            np.save(os.path.join(tmp, name + "_b.npy"), b)
            cases.append((name, src, a + args.steps * b))
        for r in range(args.rounds):
            print("round %d, load %.1f" % (r + 1, os.getloadavg()[0]))
            for name, src, want in cases:
                for label, extra in settings:
                    out = os.path.join(tmp, name + "_y.npy")
                    cmd = [args.runner, src, "--input",
                           os.path.join(tmp, name + "_a.npy"), "--input",
                           os.path.join(tmp, name + "_b.npy"), "--output",
                           out, "--repeat", str(args.repeat)]
                    if args.profile:
                        cmd.append("--profile")
                    proc = subprocess.run(cmd, capture_output=True, text=True,
                                          env=dict(os.environ, **extra))
                    if proc.returncode != 0:
                        sys.exit("%s failed:\n%s" % (" ".join(cmd),
                                                     proc.stderr))
                    if not np.array_equal(np.load(out), want):
                        sys.exit("%s: wrong result" % name)
                    host = re.search(
                        r"host: ([\d.]+) ms min, ([\d.]+) ms median per run; "
                        r"cpu: ([\d.]+) ms", proc.stdout)
                    if not host:
                        sys.exit("no host: line from %s" % args.runner)
                    best, median, cpu = map(float, host.groups())
                    print("  %-10s %-18s min %.3f ms, median %.3f ms, cpu "
                          "%.3f ms per run: %.1f us per dispatch" %
                          (name, label, best, median, cpu,
                           best * 1e3 / args.steps))
                    sys.stdout.flush()
    print("outputs exact")


if __name__ == "__main__":
    main()
