#!/usr/bin/python3
"""Benchmarks the integer form of a zero-padded rotation on the CPU.

usage: benchmarks/hadamard_padded.py [--runners A[,B]] [--rounds R]
          [--repeat N] [--threads T] [--target cpu|vulkan] [ROWSxK ...]
Each shape is the form --qc-fold-fake-quant makes of a zero pad before a
rotation (docs/Hadamard.md): i16 codes (zero point != 0) of ROWS x K padded
with the zero point to the smallest supported block K' (75 -> 76, 1001 ->
1008), then qc.hadamard i16 -> i8 with random signs. For each qc-run binary
of `--runners` (say main's and a branch's), the bytes of the buffers the
bufferized module allocates (memref.alloc in `qc-opt --qc-lower-to-linalg
--qc-widen-narrow-integers --qc-cpu-vectorize --qc-cpu-bufferize`, the
qc-opt next to the runner) and the min ms of N runs per round (qc-run
--target=cpu or vulkan --repeat N); the runners alternate within each round (A/B
pairs under the same load) and every output is checked against
python/qc/reference.py. A benchmark, not a test.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from qc import reference as ref  # noqa: E402

ZX, SX, ZY, SY = 32767 - 40000 // 2, 0.001, -3, 0.2
MLIR = """func.func @main(%x: tensor<{m}x{k}x!quant.uniform<i16:f32, {sx}:{zx}>>) -> tensor<{m}x{kp}x!quant.uniform<i8:f32, {sy}:{zy}>> {{
  %codes = quant.scast %x : tensor<{m}x{k}x!quant.uniform<i16:f32, {sx}:{zx}>> to tensor<{m}x{k}xi16>
  %zp = arith.constant {zx} : i16
  %padded = tensor.pad %codes low[0, 0] high[0, {high}] {{
  ^bb0(%i0: index, %i1: index):
    tensor.yield %zp : i16
  }} : tensor<{m}x{k}xi16> to tensor<{m}x{kp}xi16>
  %pq = quant.scast %padded : tensor<{m}x{kp}xi16> to tensor<{m}x{kp}x!quant.uniform<i16:f32, {sx}:{zx}>>
  %r = qc.hadamard %pq block {kp} negate [{negate}] : tensor<{m}x{kp}x!quant.uniform<i16:f32, {sx}:{zx}>> -> tensor<{m}x{kp}x!quant.uniform<i8:f32, {sy}:{zy}>>
  return %r : tensor<{m}x{kp}x!quant.uniform<i8:f32, {sy}:{zy}>>
}}
"""


def padded_width(k):
    kp = k
    while ref.hadamard_dense_order(kp) == 0:
        kp += 1
    return kp


def alloc_bytes(qc_opt, src):
    out = subprocess.run(
        [qc_opt, src, "--qc-lower-to-linalg", "--qc-widen-narrow-integers",
         "--qc-cpu-vectorize", "--qc-cpu-bufferize"],
        capture_output=True, text=True, check=True).stdout
    total = 0
    for shape, elem in re.findall(r"memref\.alloc\(\).*?: memref<([\dx]+)x(i\d+|f\d+)>", out):
        total += int(np.prod([int(d) for d in shape.split("x")])) * int(elem[1:]) // 8
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runners", default=os.path.join(ROOT, "build", "bin", "qc-run"))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--target", default="cpu", choices=["cpu", "vulkan"])
    p.add_argument("shapes", nargs="*", default=["4096x75", "512x1001"])
    args = p.parse_args()
    runners = args.runners.split(",")
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            m, k = (int(v) for v in shape.split("x"))
            kp = padded_width(k)
            signs = rng.integers(0, 2, kp).astype(bool)
            x = rng.integers(ZX - 20000, ZX + 20000, (m, k)).astype(np.int16)
            src = os.path.join(tmp, "h.mlir")
            with open(src, "w") as f:
                f.write(MLIR.format(m=m, k=k, kp=kp, high=kp - k, sx=SX, zx=ZX, sy=SY,
                                    zy=ZY, negate=", ".join(
                                        "true" if s else "false" for s in signs)))
            np.save(os.path.join(tmp, "x.npy"), x)
            xp = np.pad(x.astype(np.int64), [(0, 0), (0, kp - k)], constant_values=ZX)
            want = ref.hadamard(xp, ZX, SX, ZY, SY, -128, 127, kp, signs)
            times = [[] for _ in runners]
            for _ in range(args.rounds):
                for r, runner in enumerate(runners):
                    out = os.path.join(tmp, "y.npy")
                    proc = subprocess.run(
                        [runner, "--target=" + args.target, src, "--input", os.path.join(tmp, "x.npy"),
                         "--output", out, "--repeat", str(args.repeat)] +
                        (["--threads", str(args.threads)] if args.target == "cpu" else []),
                        capture_output=True, text=True)
                    if proc.returncode != 0:
                        sys.exit("%s failed on %s:\n%s" % (runner, shape, proc.stderr))
                    if not np.array_equal(np.load(out), want):
                        sys.exit("wrong result for %s (%s)" % (shape, runner))
                    times[r].append(float(re.search(r"min ([\d.]+) ms", proc.stdout).group(1)))
            for r, runner in enumerate(runners):
                qc_opt = os.path.join(os.path.dirname(runner), "qc-opt")
                rows.append((shape, kp, chr(ord("A") + r), alloc_bytes(qc_opt, src),
                             " / ".join("%.3f" % t for t in times[r]), min(times[r])))
    print("qc-run --target=%s%s; %d rounds of %d runs; runners %s" % (
        args.target, " --threads %d" % args.threads if args.target == "cpu" else "",
        args.rounds, args.repeat,
        ", ".join("%s = %s" % (chr(ord("A") + r), x) for r, x in enumerate(runners))))
    print("| rows x K | K' | runner | bytes allocated (CPU) | min ms per round | min ms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %d | %s | %d | %s | %.3f |" % row)


if __name__ == "__main__":
    main()
