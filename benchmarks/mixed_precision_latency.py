#!/usr/bin/python3
"""Whole-model CPU latency of a mixed-precision zoo model (--model,
default ResNet-18; python/qc/mixed_precision.py) against the all-int8
model, same run, same machine.

The zoo's float ResNet-18 (examples/zoo, random weights; --size test: 32x32
images, full: 224x224; batch --batch) calibrated on 2 batches of N(0, 1)
images (seeds 1, 2), min-max, per-channel weights, as
benchmarks/mixed_precision_zoo.py; the choices come from a sensitivity
table that script wrote for the test size, batch 4 (--table, json; computed
here and written there if missing, weights and layer-output activations,
wide), applied by layer name to the timed model:

  all 8 bits        every weight and activation int8 (the vpdpbusd kernels)
  error budget E    mp.select(error_budget=E) (--error-budget, default
                    0.0001: 16-bit weights and activations where 8 bits cost
                    more than E: the vpdpwssd i8 x i16 / i16 x i8 kernels)
  size budget F     mp.search(size_budget=F * int8 bytes, --joint-evals)
                    (--size-fraction, default 0.75: int4 weights packed two
                    per byte next to int8 and int16 ones)
  the same, no 16-bit activation into a 4-bit layer
                    that choice with each 16-bit activation read by a
                    4-bit weight layer put back to 8 bits
  all 16-bit weights

Each is folded integer-only, lowered, packed and compiled by qc.compile on
the CPU (--threads, default 1), checked bit for bit against the numpy
interpreter on one batch; then timed in --rounds rounds, each running every
variant --repeat times in turn (A/B/C/D alternating, so a change of load hits
them alike): per variant the median over rounds of the per-round minimum
(ms per call), the user + sys CPU seconds per call over all its calls, and
the median over rounds of its per-round minimum divided by the int8 model's
in the same round. Prints the load average before and after.

  benchmarks/mixed_precision_latency.py --build build [--table t.json] [--size test]
      [--batch 4] [--rounds 7] [--repeat 20] [--threads 1] [--joint-evals 100] [--picks p.json]
      [--model resnet18] [--cost-table c.json [--latency-fraction 1.2]]

--table writes the *sensitivity* table (mp.sensitivity's rows, json), not
latencies. --cost-table FILE (read if it exists, else measured and written)
is the per-row latency table that `qc.calibration --latency-table` and
mp.select / mp.search(latency=...) read (mixed_precision_budget.py):

  {"unit": "ms", "base": <all-8-bit ms>, "model": ..., "rows":
   {"<row>": {"4": <ms added>, "8": 0.0, "16": <ms added>}, ...}}

each row's cost at 4 and 16 bits (16 only where offered) measured as the
model with that row alone at that width, compiled as below, against the
all-8-bit model in the same round (--rounds rounds of --repeat calls each,
alternating): the median over rounds of the difference of the per-round
minima (an additive model, like the sensitivity's; a difference within the
noise may be negative). --latency-fraction F then adds a variant: the joint
search under the size budget and a latency budget of F times the all-8-bit
latency of the cost table, with its predicted latency printed.

Not a test: it measures. docs/MixedPrecision.md holds a table it printed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import zoo_float


def without_a16_w4(table, bits):
    """`bits` with each 16-bit activation that a 4-bit weight layer reads
    put back to 8 (before 2026-12-07 an i16 x i4 contraction had no VNNI
    kernel on the CPU; docs/MixedPrecision.md has both measurements)."""
    out = dict(bits)
    for row in table:
        if row["kind"] == "activation" and bits[row["name"]] == 16 and any(
                bits.get(reader) == 4 for reader in row.get("readers", [])):
            out[row["name"]] = 8
    return out


def main():
    parser = argparse.ArgumentParser()
    zoo_float.add_build_arg(parser)
    parser.add_argument("--table", help="json sensitivity table (read if it exists, else written)")
    parser.add_argument("--size", default="test", choices=("test", "full"))
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--error-budget", type=float, default=0.0001)
    parser.add_argument("--size-fraction", type=float, default=0.75)
    parser.add_argument("--joint-evals", type=int, default=100)
    parser.add_argument("--picks", help="json file: the joint search's choice (read if it exists, "
                                        "else written)")
    parser.add_argument("--model", default="resnet18", help="zoo model (examples/zoo/models.py)")
    parser.add_argument("--cost-table", help="json per-row latency table (read if it exists, else "
                                             "measured and written)")
    parser.add_argument("--latency-fraction", type=float,
                        help="with --cost-table: add the joint search's choice under the size "
                             "budget and this fraction of the all-8-bit latency")
    args = parser.parse_args()
    zoo_float.use_build(args.build)
    import torch
    import models
    from mixed_precision_digits import compile_mixed
    from qc import calibration as cal
    from qc import interpreter
    from qc import mixed_precision as mp
    import qc
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="qc-mixed-latency-")
    name = args.model

    def graph(size, b):
        return (zoo_float.import_float_model(name, size, b, work,
                                             stem="%s_%s_%d" % (name, size, b)),
                [[models.random_inputs(name, size, b, s).numpy()] for s in (1, 2)])
    # The choices: on the test size, batch 4 (the zoo benchmark's table).
    gt, ct = graph("test", 4)
    if args.table and os.path.exists(args.table):
        table = json.load(open(args.table))
    else:
        table = mp.sensitivity(gt, ct, wide=True, activations=True)
        if args.table:
            json.dump(table, open(args.table, "w"))
    all8 = {r["name"]: 8 for r in table}
    budget = int(args.size_fraction * mp.total_bytes(table, all8))
    if args.picks and os.path.exists(args.picks):
        joint = json.load(open(args.picks))
    else:
        joint, steps = mp.search(gt, ct, table, budget, max_evals=args.joint_evals)
        print(mp.format_steps(steps, args.joint_evals), file=sys.stderr)
        if args.picks:
            json.dump(joint, open(args.picks, "w"))
    g, calib = (gt, ct) if (args.size, args.batch) == ("test", 4) else graph(args.size, args.batch)
    b = args.batch
    x = models.random_inputs(name, args.size, b, 3).numpy()
    def build(label, bits):
        """The compiled CPU function of a choice, checked bit-exact."""
        wbits, abits = mp.split(bits)
        q = cal.calibrate(g, calib, weight_bits=wbits, activation_bits=abits)
        tag = "".join(c if c.isalnum() else "_" for c in label)
        folded, _, remarks = compile_mixed(q, args.build, work, tag)
        assert "0 op(s) stayed float" in remarks, (label, remarks)
        lowered = subprocess.run([os.path.join(args.build, "bin", "qc-opt"), folded, "--qc-lower-to-linalg",
                                  "--qc-pack-weights"], capture_output=True, text=True, check=True).stdout
        exe = qc.compile(lowered, pipeline=None, threads=args.threads)
        want = interpreter.run_file(folded, [x], args.build)[0][0]
        assert exe(x).tobytes() == want.tobytes(), (label, "not bit-exact")
        return exe

    def timed(exes):
        """Per-round minima (s per call) and user + sys seconds per call of
        each function, alternating within each round."""
        mins = [[] for _ in exes]
        cpu = [0.0 for _ in exes]
        for _ in range(args.rounds):
            for i, exe in enumerate(exes):
                exe(x)
                t0 = os.times()
                best = float("inf")
                for _ in range(args.repeat):
                    s = time.perf_counter()
                    exe(x)
                    best = min(best, time.perf_counter() - s)
                t1 = os.times()
                cpu[i] += (t1.user - t0.user) + (t1.system - t0.system)
                mins[i].append(best)
        return mins, [c / (args.rounds * args.repeat) for c in cpu]

    costs = None
    if args.cost_table and os.path.exists(args.cost_table):
        costs = mp.load_latency_table(args.cost_table)
    elif args.cost_table:
        base_exe = build("all 8 bits", all8)
        rows = {}
        load0 = os.getloadavg()
        for row in table:
            rows[row["name"]] = {"8": 0.0}
            for w in (4, 16) if row.get("gain") is not None else (4,):
                exe = build("%s at %d" % (row["name"], w), dict(all8, **{row["name"]: w}))
                mins, _ = timed([base_exe, exe])
                rows[row["name"]][str(w)] = 1e3 * float(np.median([m - m8 for m8, m in zip(*mins)]))
                print("cost %s %d: %+.4f ms" % (row["name"], w, rows[row["name"]][str(w)]),
                      file=sys.stderr, flush=True)
        mins, _ = timed([base_exe])
        out = {"unit": "ms", "base": 1e3 * float(np.median(mins[0])), "model": "%s %s batch %d, %d thread(s)" % (
            name, args.size, b, args.threads), "load": [os.getloadavg()[0], load0[0]], "rows": rows}
        with open(args.cost_table, "w") as f:
            json.dump(out, f, indent=1)
        costs = mp.load_latency_table(args.cost_table)
    variants = [("all 8 bits", all8),
                ("error budget %g" % args.error_budget, mp.select(table, error_budget=args.error_budget)),
                ("size budget %d %% (joint)" % (100 * args.size_fraction), joint),
                ("the same, no 16-bit activation into a 4-bit layer", without_a16_w4(table, joint)),
                ("all 16-bit weights", dict(all8, **{r["name"]: 16 for r in table
                                                     if r["kind"] == "weight" and r["gain"] is not None}))]
    if costs is not None and args.latency_fraction:
        limit = args.latency_fraction * mp.latency_of(costs, all8)
        picked, steps = mp.search(gt, ct, table, budget, max_evals=args.joint_evals, latency=costs,
                                  latency_budget=limit)
        print(mp.format_steps(steps, args.joint_evals), file=sys.stderr)
        variants.append(("size budget %d %% + latency budget %.2f ms (joint; predicted %.2f ms)" % (
            100 * args.size_fraction, limit, mp.latency_of(costs, picked)), picked))
    exes = []
    for label, bits in variants:
        wbits, abits = mp.split(bits)
        exe = build(label, bits)
        counts = " / ".join("%d" % sum(v == w for v in wbits.values()) for w in (4, 8, 16))
        acounts = " / ".join("%d" % sum(v == w for v in abits.values()) for w in (4, 8, 16))
        exes.append((label, exe, counts, acounts, mp.total_bytes([r for r in table if r["kind"] == "weight"],
                                                                 bits)))
        print("compiled %s" % label, file=sys.stderr, flush=True)
    load0 = os.getloadavg()
    mins, cpu = timed([e[1] for e in exes])
    load1 = os.getloadavg()
    print("%s %s, batch %d, %d thread(s), %d rounds x %d calls; load average %.1f before, %.1f after"
          % (name, args.size, b, args.threads, args.rounds, args.repeat, load0[0], load1[0]))
    print("| %s | 4 / 8 / 16-bit weights | 4 / 8 / 16-bit activations | weight bytes | "
          "ms per call (median of round minima) | user + sys ms per call | time / int8 (median of rounds) |" % name)
    print("|---|---|---|---|---|---|---|")
    for i, (label, _, counts, acounts, size) in enumerate(exes):
        ratio = np.median([m / m8 for m, m8 in zip(mins[i], mins[0])])
        print("| %s | %s | %s | %d | %.2f | %.2f | %.2f |" % (
            label, counts, acounts, size, 1e3 * np.median(mins[i]), 1e3 * cpu[i], ratio), flush=True)


if __name__ == "__main__":
    main()
