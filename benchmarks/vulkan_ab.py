#!/usr/bin/python3
"""Alternating A/B comparison of Vulkan bundles by CPU time per inference.

usage: benchmarks/vulkan_ab.py --input X.npy [--input ...] [--rounds R]
          [--repeat N] [--runner BIN] LABEL=BUNDLE_DIR[,VAR=VALUE...] ...

On a CPU device (lavapipe) the device time is CPU time, and on a loaded
machine the process's user+sys seconds are steadier than wall-clock minima.
Each round runs every bundle (in turn, the order reversed every other round)
with `qc-vulkan-run --repeat 1` and `--repeat N`; the CPU time per inference
is the difference over N-1 (the first run's pipeline compiles and the
constants' upload cancel out). Prints per round: the load average, each
bundle's CPU ms per inference and qc-vulkan-run's wall-clock minimum, then
the minimum and median per bundle. Every bundle's output must be
bit-identical with the first's. VAR=VALUE after a bundle sets an
environment variable for its runs (e.g. LP_NATIVE_VECTOR_WIDTH=512 for
lavapipe with 16-lane subgroups). A benchmark, not a test.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, env):
    """Runs cmd; returns (user+sys seconds of the child, its output)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}\n{text}")
    return usage.ru_utime + usage.ru_stime, text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--runner",
                        default=os.path.join(ROOT, "build/bin/qc-vulkan-run"))
    parser.add_argument("bundles", nargs="+", help="LABEL=BUNDLE_DIR")
    args = parser.parse_args()
    bundles, envs = [], {}
    for spec in args.bundles:
        label, rest = spec.split("=", 1)
        path, *settings = rest.split(",")
        bundles.append((label, path))
        envs[label] = dict(os.environ, **dict(x.split("=", 1)
                                              for x in settings))
    inputs = sum((["--input", x] for x in args.input), [])
    cpu = {label: [] for label, _ in bundles}
    wall = {label: [] for label, _ in bundles}
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            order = bundles if rnd % 2 == 0 else bundles[::-1]
            line = [f"round {rnd + 1}: load {os.getloadavg()[0]:.1f}"]
            for label, path in order:
                out = os.path.join(tmp, f"{label}.npy")
                base = [args.runner, "--bundle", path] + inputs
                one, _ = run(base + ["--repeat", "1", "--output", out],
                             envs[label])
                many, text = run(base + ["--repeat", str(args.repeat)],
                                 envs[label])
                result = np.load(out)
                if reference is None:
                    reference = (label, result)
                elif not np.array_equal(result, reference[1]):
                    sys.exit(f"{label}'s output differs from {reference[0]}'s")
                ms = (many - one) / (args.repeat - 1) * 1e3
                cpu[label].append(ms)
                found = re.search(r"min: ([0-9.]+) ms", text)
                wall[label].append(float(found.group(1)) if found else
                                   float("nan"))
                line.append(f"{label} {ms:.1f} ({wall[label][-1]:.1f})")
            line.append(f"load {os.getloadavg()[0]:.1f}")
            print(", ".join(line), flush=True)
    print(f"CPU ms per inference (N = {args.repeat}), min / median; "
          "wall-clock min ms:")
    for label, _ in bundles:
        print(f"  {label}: {min(cpu[label]):.1f} / "
              f"{statistics.median(cpu[label]):.1f}; "
              f"{min(wall[label]):.1f}")
    print("outputs bit-identical")


if __name__ == "__main__":
    main()
