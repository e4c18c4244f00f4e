#!/usr/bin/python3
"""Held-out data for mixed precision (docs/MixedPrecision.md, "Held-out
data"): does the error a pick reports on held-out calibration batches hold
on data neither the search nor the choice saw?

The calibration batches are split by mp.split_samples (--validation-fraction,
default 0.25: 3 search batches, 1 held out of 4); the widths are measured
and chosen on the search part (sensitivity wide, activations="all" with
the layer norm / softmax inputs), and for each size budget the greedy pick
and the joint search (at most --joint-evals evaluations on the search part;
its result the Pareto point of least held-out error) are scored, calibrated
on the search part, in numpy (fake quantization) on: the search batches,
the held-out batch, and fresh batches (the error the user will see). The
digits models additionally run compiled on the CPU (fold integer-only,
lower, pack), bit-exact with the interpreter, for the test accuracy.

  benchmarks/mixed_precision_heldout.py --build build [--model digits_cnn|digits_mlp|bert_layer|...]
      [--joint-evals 40] [--validation-fraction 0.25]

digits_*: the 64 calibration images in 4 batches of 16, fresh data the 256
test images (16 batches; accuracy with the labels). Zoo models (examples/
zoo, test size, batch 4): calibration batches seeds 1-4, fresh batches
seeds 5-8 (N(0, 1) inputs, random weights: error only).

Not a test: it measures. docs/MixedPrecision.md holds a table it printed.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

import zoo_float
from zoo_float import ROOT


def main():
    parser = argparse.ArgumentParser()
    zoo_float.add_build_arg(parser)
    parser.add_argument("--model", default="digits_cnn")
    parser.add_argument("--joint-evals", type=int, default=40)
    parser.add_argument("--validation-fraction", type=float, default=0.25)
    parser.add_argument("--budgets", default="0.6,0.75,0.9,1.1",
                        help="size budgets, fractions of the all-8-bit bytes")
    args = parser.parse_args()
    zoo_float.use_build(args.build)
    from qc import calibration as cal
    from qc import interpreter
    from qc import mixed_precision as mp
    from qc.importers.onnx import import_model
    work = tempfile.mkdtemp(prefix="qc-mixed-heldout-")
    labels = None
    if args.model.startswith("digits_"):
        b = 16
        g = import_model(os.path.join(ROOT, "examples", "%s_fp32.onnx" % args.model), batch=b)
        calib = np.load(os.path.join(ROOT, "examples", "digits_calib_x.npy"))
        x = np.load(os.path.join(ROOT, "examples", "digits_test_x.npy"))
        labels = np.load(os.path.join(ROOT, "examples", "digits_test_y.npy"))
        batches = [[calib[i:i + b]] for i in range(0, len(calib), b)]
        fresh = [[x[i:i + b]] for i in range(0, len(x), b)]
    else:
        import models
        g = zoo_float.import_float_model(args.model, "test", 4, work)
        batches = [[models.random_inputs(args.model, "test", 4, s).numpy()] for s in (1, 2, 3, 4)]
        fresh = [[models.random_inputs(args.model, "test", 4, s).numpy()] for s in (5, 6, 7, 8)]
    search, held = mp.split_samples(batches, args.validation_fraction)
    t0 = os.times()
    table = mp.sensitivity(g, search, wide=True, activations="all", validation=held)
    all8 = {r["name"]: 8 for r in table}
    print(mp.format_table(table, all8), file=sys.stderr, flush=True)
    on_held = mp.Evaluator(g, search, validation=held)
    on_fresh = mp.Evaluator(g, search, validation=fresh)
    int8 = mp.total_bytes(table, all8)
    print("%s: %d search batch(es), %d held out, %d fresh; %d rows" % (
        args.model, len(search), len(held), len(fresh), len(table)))
    print("| %s | size budget | pick | 4 / 8 / 16-bit rows | bytes | evaluations | error (search) | "
          "error (held-out) | error (fresh data) |%s" % (args.model, " accuracy (CPU) |" if labels is not None else ""))
    print("|---|---|---|---|---|---|---|---|---|%s" % ("---|" if labels is not None else ""))
    runs = [("-", "all 8 bits", all8, 1)]
    for frac in (float(f) for f in args.budgets.split(",")):
        budget = int(frac * int8)
        runs.append(("%d %%" % (100 * frac), "greedy", mp.select(table, size_budget=budget), 1))
        bits, steps = mp.search(g, search, table, budget, max_evals=args.joint_evals, validation=held)
        print(mp.format_steps(steps, args.joint_evals), file=sys.stderr, flush=True)
        best_search = min((s for s in steps if s["round"] is not None), key=lambda s: s["error"])
        runs.append(("%d %%" % (100 * frac), "joint, held-out choice of %d Pareto point(s)%s" % (
            len(steps[-1]["pareto"]), "" if abs(best_search["error"] - steps[-1]["error"]) < 1e-12
            else " (not the least search error)"), bits, steps[-2]["evals"]))
    from mixed_precision_digits import compile_mixed
    for budget, label, bits, evals in runs:
        acc = ""
        if labels is not None:
            wbits, abits = mp.split(bits)
            q = cal.calibrate(g, search, weight_bits=wbits, activation_bits=abits)
            folded, exe, remarks = compile_mixed(q, args.build, work, "h%d" % len(os.listdir(work)))
            assert "0 op(s) stayed float" in remarks, remarks
            y = np.concatenate([exe(f[0]) for f in fresh])
            want = np.concatenate([interpreter.run_file(folded, f, args.build)[0][0] for f in fresh])
            assert y.tobytes() == want.tobytes(), (label, "not bit-exact")
            acc = " %.2f %% |" % (100 * float(np.mean(np.argmax(y, axis=1) == labels)))
        print("| %s | %s | %s | %s | %d | %d | %.5f | %.5f | %.5f |%s" % (
            args.model, budget, label, " / ".join(str(sum(v == w for v in bits.values())) for w in (4, 8, 16)),
            mp.total_bytes(table, bits), evals, on_held(bits), on_held.held_out(bits),
            on_fresh.held_out(bits), acc), flush=True)
    t1 = os.times()
    print("user + sys %.1f + %.1f s" % (t1.user - t0.user, t1.system - t0.system))


if __name__ == "__main__":
    main()
