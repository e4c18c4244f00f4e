#!/usr/bin/python3
"""Benchmarks qc.table (8-bit lookup tables) on the CPU.

usage: PYTHONPATH=python QC_BUILD_DIR=build benchmarks/table_lookup.py [--repeat N] [SIZE ...]

Compiles one qc.table (a GELU's 256 entries from python/qc/reference.py)
over SIZE int8 codes three ways: the gather
the linalg vectorizer makes (x86-vbmi=false), AVX512-VBMI vpermi2b
(x86-vbmi=true, when the host has it) and scalar loops (vectorize=false),
checks that all agree with python/qc/reference.py, and prints the best
time per call of N runs and codes per nanosecond. A benchmark, not a test.
"""
import argparse
import math
import subprocess

import numpy as np

import qc
from qc import reference as ref

TYPE_IN = "!quant.uniform<i8:f32, 0.05:3>"
TYPE_OUT = "!quant.uniform<i8:f32, 0.03:-100>"


def gelu(v):
    return 0.5 * v * (1.0 + np.vectorize(math.erf)(v / math.sqrt(2.0)))


ENTRIES = ref.table_entries(gelu, 8, True, 0.05, 3, 0.03, -100, -128, 127)


def module(size):
    """One qc.table between integer codes in and out, so that the timing is
    the lookup alone (no float boundaries)."""
    t_in, t_out = "tensor<%dx%s>" % (size, TYPE_IN), "tensor<%dx%s>" % (size, TYPE_OUT)
    table = ", ".join(str(int(v)) for v in ENTRIES)
    return ("func.func @main(%%x: %s) -> %s {\n"
            "  %%y = qc.table %%x table dense<[%s]> : tensor<256xi32> : %s -> %s\n"
            "  return %%y : %s\n}\n" % (t_in, t_out, table, t_in, t_out, t_out))


def host_has_vbmi():
    with open("/proc/cpuinfo") as f:
        return "avx512vbmi" in f.read().split()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("sizes", nargs="*", type=int, default=[4096, 65536, 1 << 20])
    args = parser.parse_args()
    variants = [("gather", "x86-vbmi=false"), ("scalar", "vectorize=false x86-vbmi=false")]
    if host_has_vbmi():
        variants.insert(0, ("vpermi2b", "x86-vbmi=true"))
    rng = np.random.default_rng(0)
    print("| codes | " + " | ".join("%s: best of N (us), codes/ns" % v for v, _ in variants) + " |")
    print("|---|" + "---|" * len(variants))
    for size in args.sizes:
        text = module(size)
        codes = rng.integers(-128, 128, size, dtype=np.int8)
        row = []
        outputs = []
        for name, options in variants:
            run = qc.compile(text, pipeline="", target="cpu", pipeline_options=options)
            outputs.append(run(codes))
            best = run.time(codes, repeat=args.repeat)
            row.append("%.1f, %.2f" % (best * 1e6, size / (best * 1e9)))
        want = ref.table(codes, ENTRIES, 8, True)
        assert all(np.array_equal(np.asarray(o, np.int64), want) for o in outputs), \
            "a variant disagrees with the reference"
        print("| %d | %s |" % (size, " | ".join(row)))
    print("host:", subprocess.run(["uname", "-n"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
